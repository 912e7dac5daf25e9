"""The Redis connection for the hot path, with a breaker so an outage costs nothing.

The hot store (thread cache, counts, settings versions, rate limits, replica positions,
import progress, webhook retries and live events) is the Redis that REDIS_URL names, or, when
REDIS_CLUSTER_URL is set, a Redis Cluster (any of its nodes; the client finds the rest).
Django's cache and the Celery broker stay on REDIS_URL (or CELERY_BROKER_URL) in both cases:
neither speaks the cluster protocol. The key layout (core.keys) keeps each multi-key command
and script in one slot, so the same code runs on both.

Callers treat Redis as optional: every helper here returns None (or does nothing) when Redis
is unreachable, and reads fall back to PostgreSQL. After a failure the breaker skips Redis
for a few seconds instead of paying a connection timeout on every request.
"""

import logging
import time
from typing import Any

import redis
import redis.asyncio as aioredis
from django.conf import settings
from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException

log = logging.getLogger(__name__)
BREAKER_SECONDS = 5.0
SOCKET_TIMEOUT = 0.25

Client = redis.Redis | RedisCluster
AsyncClient = aioredis.Redis | aioredis.RedisCluster

_client: Client | None = None
_client_url: str | None = None
_open_until = 0.0


def cluster_url() -> str:
    """REDIS_CLUSTER_URL, or "" when the hot store is the plain Redis of REDIS_URL."""
    return getattr(settings, "REDIS_CLUSTER_URL", "") or ""


def is_cluster() -> bool:
    return bool(cluster_url())


def client() -> Client | None:
    """The shared client, or None while the breaker is open."""
    global _client, _client_url
    if time.monotonic() < _open_until:
        return None
    url = cluster_url() or settings.REDIS_URL
    if _client is None or _client_url != url:
        if cluster_url():
            try:  # the cluster client asks a node for the slot map as it starts
                _client = RedisCluster.from_url(
                    url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
                )
            except (redis.RedisError, RedisClusterException) as exc:
                trip(exc)
                return None
        else:
            _client = redis.Redis.from_url(
                url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
            )
        _client_url = url
    return _client


def async_client() -> AsyncClient:
    """A new asyncio client of the hot store (the events process); close it with aclose()."""
    if cluster_url():
        return aioredis.RedisCluster.from_url(cluster_url(), socket_connect_timeout=0.5)
    return aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)


def database() -> int:
    """The number of the hot store's Redis database (a cluster has only database 0)."""
    if cluster_url():
        return 0
    return int(redis.connection.parse_url(settings.REDIS_URL).get("db") or 0)


def publish(pipe: Any, channel: str, message: str) -> None:
    """Queue `message` on `channel` in `pipe`: sharded pub/sub (SPUBLISH) on a cluster, where
    it reaches only the node that owns the channel's slot; classic PUBLISH on one server
    (which every Redis version the demo may run understands)."""
    if cluster_url():
        pipe.spublish(channel, message)
    else:
        pipe.publish(channel, message)


def trip(exc: Exception) -> None:
    """Record a Redis failure: skip Redis for BREAKER_SECONDS."""
    global _open_until
    _open_until = time.monotonic() + BREAKER_SECONDS
    log.warning("Redis unavailable, falling back to the database: %s", exc)


def reset() -> None:
    global _open_until, _client
    _open_until = 0.0
    if _client is not None and isinstance(_client, RedisCluster):
        _client.close()
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
