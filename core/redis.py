"""The Redis connection for the hot path, with a breaker so an outage costs nothing.

Callers treat Redis as optional: every helper here returns None (or does nothing) when Redis
is unreachable, and reads fall back to PostgreSQL. After a failure the breaker skips Redis
for a few seconds instead of paying a connection timeout on every request.
"""

import logging
import time
from typing import Any

import redis
from django.conf import settings

log = logging.getLogger(__name__)
BREAKER_SECONDS = 5.0

_client: redis.Redis | None = None
_client_url: str | None = None
_open_until = 0.0


def client() -> redis.Redis | None:
    """The shared client, or None while the breaker is open."""
    global _client, _client_url
    if time.monotonic() < _open_until:
        return None
    url = settings.REDIS_URL
    if _client is None or _client_url != url:
        _client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        _client_url = url
    return _client


def database() -> int:
    """The number of the Redis database REDIS_URL names (0 when it names none)."""
    return int(redis.connection.parse_url(settings.REDIS_URL).get("db") or 0)


def trip(exc: Exception) -> None:
    """Record a Redis failure: skip Redis for BREAKER_SECONDS."""
    global _open_until
    _open_until = time.monotonic() + BREAKER_SECONDS
    log.warning("Redis unavailable, falling back to the database: %s", exc)


def reset() -> None:
    global _open_until, _client
    _open_until = 0.0
    _client = None


def call(method: str, *args: Any, **kwargs: Any) -> Any:
    """Run one Redis command; None if Redis is down."""
    conn = client()
    if conn is None:
        return None
    try:
        return getattr(conn, method)(*args, **kwargs)
    except redis.RedisError as exc:
        trip(exc)
        return None
