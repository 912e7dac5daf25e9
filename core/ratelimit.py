"""Fixed-window rate limits on writes, counted in Redis per tenant.

PALAVER_RATE_LIMITS sets them: `off`, or rules like `ip=20/60,commenter=10/60`
(at most 20 posts a minute from one IP, 10 from one reader); settings check them at start-up
(core.env.rates_parse). With Redis down the limits are not enforced: a post is worth more
than a perfect count.
"""

import hashlib
import time
from dataclasses import dataclass

import redis as redis_lib
from django.conf import settings

from core import keys, redis
from core.env import Rate, rates_parse
from core.tenancy import current_schema

Rule = Rate

DEFAULT_RULES = "ip=20/60,commenter=10/60"
DEFAULT_SIGNUP_RULES = "ip=5/3600"
# The scopes each setting's rules may name (checked at start-up by settings, and here).
SCOPES: dict[str, tuple[str, ...]] = {
    "PALAVER_RATE_LIMITS": ("ip", "commenter"),
    "PALAVER_SIGNUP_LIMITS": ("ip",),
    "PALAVER_LOGIN_LIMITS": ("account", "ip"),
    "PALAVER_MAGIC_LIMITS": ("ip", "email"),
}


def rules(setting: str = "PALAVER_RATE_LIMITS", default: str = DEFAULT_RULES) -> list[Rule]:
    """The rules of `setting`, read by the same parser that checked them at start-up."""
    raw = str(getattr(settings, setting, default))
    return list(rates_parse(setting, raw, SCOPES.get(setting, ("ip", "commenter"))))


def rate_limit_key(*, action: str, scope: str, subject: str, window: int, window_start: int) -> str:
    """The one spelling of a rate-limit counter's Redis key: the site's schema, the action
    ("post", "signup", "login"...), the rule's scope ("ip", "commenter", "account"), the
    subject (see `subject_of`), the window's length (so `ip=20/60,ip=500/3600` are two
    counters) and its start (Unix seconds). Every counter is written with an expiry one
    second past its window."""
    return keys.rate_limit(current_schema(), action, scope, subject, window, window_start)


def subject_of(value: str) -> str:
    """A subject as it goes into a key: hashed, so no address or e-mail is kept in Redis."""
    return hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class _Counter:
    rule: Rule
    key: str
    window_start: int

    def wait(self, now: int) -> int:
        return max(1, self.window_start + self.rule.window - now)


def _counters(
    action: str, subjects: dict[str, str], active: list[Rule], now: int
) -> list[_Counter]:
    counters = []
    for rule in active:
        subject = subjects.get(rule.scope)
        if subject is None:
            continue
        window_start = now - now % rule.window
        key = rate_limit_key(
            action=action,
            scope=rule.scope,
            subject=subject,
            window=rule.window,
            window_start=window_start,
        )
        counters.append(_Counter(rule, key, window_start))
    return counters


def rate_limit_count(
    *, action: str, subjects: dict[str, str], limits: list[Rule], reached: bool = False
) -> int | None:
    """Count one `action` for each subject ({scope: subject_of(...)}) that a rule covers.

    Returns the seconds to wait when a count has passed its limit (with `reached`, when it
    has reached it: the next one would pass it), else None. Redis down: None.
    """
    conn = redis.client()
    if conn is None or not limits:
        return None
    now = int(time.time())
    counters = _counters(action, subjects, limits, now)
    try:
        pipe = conn.pipeline(transaction=False)
        for counter in counters:
            pipe.incr(counter.key)
            pipe.expire(counter.key, counter.rule.window + 1)
        results = pipe.execute()
    except redis_lib.RedisError as exc:
        redis.trip(exc)
        return None
    waits = [
        counter.wait(now)
        for counter, count in zip(counters, results[::2], strict=True)
        if count > counter.rule.limit or (reached and count >= counter.rule.limit)
    ]
    return max(waits) if waits else None


def rate_limit_peek(*, action: str, subjects: dict[str, str], limits: list[Rule]) -> int | None:
    """Seconds to wait when a subject's count has reached its limit, without counting."""
    conn = redis.client()
    if conn is None or not limits:
        return None
    now = int(time.time())
    counters = _counters(action, subjects, limits, now)
    if not counters:
        return None
    try:
        counts = conn.mget([counter.key for counter in counters])
    except redis_lib.RedisError as exc:
        redis.trip(exc)
        return None
    waits = [
        counter.wait(now)
        for counter, count in zip(counters, counts, strict=True)
        if count is not None and int(count) >= counter.rule.limit
    ]
    return max(waits) if waits else None


def rate_limit_forget(*, action: str, subjects: dict[str, str], limits: list[Rule]) -> None:
    """Drop the current windows' counts of these subjects (e.g. after a good log-in)."""
    conn = redis.client()
    counters = _counters(action, subjects, limits, int(time.time()))
    if conn is None or not counters:
        return
    try:
        conn.delete(*(counter.key for counter in counters))
    except redis_lib.RedisError as exc:
        redis.trip(exc)


def rate_limit_hit(
    *, action: str, ip: str, commenter_id: int | None, limits: list[Rule] | None = None
) -> int | None:
    """Count one `action`; return seconds to wait if a limit is exceeded, else None."""
    subjects = {"ip": subject_of(ip)}
    if commenter_id is not None:
        subjects["commenter"] = str(commenter_id)
    return rate_limit_count(
        action=action, subjects=subjects, limits=rules() if limits is None else limits
    )


def wait_phrase(seconds: int) -> str:
    """A wait as people read it: "40 seconds", "1 minute", "15 minutes" (rounded up)."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"
