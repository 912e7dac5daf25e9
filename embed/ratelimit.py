"""Fixed-window rate limits on writes, counted in Redis per tenant.

PALAVER_RATE_LIMITS sets them: `off`, or rules like `ip=20/60,commenter=10/60`
(at most 20 posts a minute from one IP, 10 from one reader); settings check them at start-up
(palaver.env.rates_parse). With Redis down the limits are not enforced: a post is worth more
than a perfect count.
"""

import hashlib
import time

import redis as redis_lib
from django.conf import settings

from embed import redis
from palaver.env import Rate, rates_parse
from tenants.db import current_schema

Rule = Rate

DEFAULT_RULES = "ip=20/60,commenter=10/60"
DEFAULT_SIGNUP_RULES = "ip=5/3600"
SCOPES: dict[str, tuple[str, ...]] = {
    "PALAVER_RATE_LIMITS": ("ip", "commenter"),
    "PALAVER_SIGNUP_LIMITS": ("ip",),
}


def rules(setting: str = "PALAVER_RATE_LIMITS", default: str = DEFAULT_RULES) -> list[Rule]:
    """The rules of `setting`, read by the same parser that checked them at start-up."""
    raw = str(getattr(settings, setting, default))
    return list(rates_parse(setting, raw, SCOPES.get(setting, ("ip", "commenter"))))


def rate_limit_hit(
    *, action: str, ip: str, commenter_id: int | None, limits: list[Rule] | None = None
) -> int | None:
    """Count one `action`; return seconds to wait if a limit is exceeded, else None."""
    conn = redis.client()
    active = rules() if limits is None else limits
    if conn is None or not active:
        return None
    now = int(time.time())
    subjects = {"ip": hashlib.blake2b(ip.encode(), digest_size=8).hexdigest()}
    if commenter_id is not None:
        subjects["commenter"] = str(commenter_id)
    checks = []
    try:
        pipe = conn.pipeline(transaction=False)
        for rule in active:
            subject = subjects.get(rule.scope)
            if subject is None:
                continue
            window_start = now - now % rule.window
            # The window's length is in the key: ip=20/60,ip=500/3600 are two counters.
            key = (
                f"palaver:{current_schema()}:rl:{action}:{rule.scope}:{subject}:"
                f"{rule.window}:{window_start}"
            )
            pipe.incr(key)
            pipe.expire(key, rule.window + 1)
            checks.append((rule, window_start))
        results = pipe.execute()
    except redis_lib.RedisError as exc:
        redis.trip(exc)
        return None
    waits = [
        window_start + rule.window - now
        for (rule, window_start), count in zip(checks, results[::2], strict=True)
        if count > rule.limit
    ]
    return max(1, max(waits)) if waits else None
