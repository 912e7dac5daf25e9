"""Fixed-window rate limits on writes, counted in Redis per tenant.

PALAVER_RATE_LIMITS sets them: `off`, or rules like `ip=20/60,commenter=10/60`
(at most 20 posts a minute from one IP, 10 from one reader). With Redis down the limits are
not enforced: a post is worth more than a perfect count.
"""

import hashlib
import time
from dataclasses import dataclass

import redis as redis_lib
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core import keys, redis
from core.tenancy import current_schema


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int
    window: int


DEFAULT_RULES = "ip=20/60,commenter=10/60"
DEFAULT_SIGNUP_RULES = "ip=5/3600"


def rules(setting: str = "PALAVER_RATE_LIMITS", default: str = DEFAULT_RULES) -> list[Rule]:
    raw = str(getattr(settings, setting, default)).strip().lower()
    if raw in ("off", "0", "false", "no", ""):
        return []
    parsed = []
    for part in raw.split(","):
        try:
            scope, _, rate = part.strip().partition("=")
            limit, _, window = rate.partition("/")
            parsed.append(Rule(scope.strip(), int(limit), int(window)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{setting}: cannot read {part!r}; use e.g. ip=20/60,commenter=10/60"
            ) from None
    return parsed


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
            key = keys.rate_limit(current_schema(), action, rule.scope, subject, window_start)
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
