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

from embed import redis
from tenants.db import current_schema


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


def rate_limit_key(*, action: str, scope: str, subject: str, window_start: int) -> str:
    """The one spelling of a rate-limit counter's Redis key: the site's schema, the action
    ("post", "signup", "login"...), the rule's scope ("ip", "commenter", "account"), the
    subject (see `subject_of`) and the window's start (Unix seconds). Every counter is
    written with an expiry one second past its window."""
    return f"palaver:{current_schema()}:rl:{action}:{scope}:{subject}:{window_start}"


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
            action=action, scope=rule.scope, subject=subject, window_start=window_start
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
