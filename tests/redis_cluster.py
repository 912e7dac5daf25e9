"""A real Redis Cluster of three masters, started from Debian's `redis-server` for tests.

Each node runs on a spare loopback port with its files in a temporary folder; `redis-cli
--cluster create` hands out the 16,384 slots (palaver.topology). Used by
tests/test_redis_cluster.py, and by the whole suite when PALAVER_TEST_REDIS_CLUSTER=1 (the CI
topology leg, tests/conftest.py), which points the hot store (REDIS_CLUSTER_URL) at it while
Django's cache and Celery's broker stay on the plain Redis of REDIS_URL, as in production.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from palaver import topology

UNREACHABLE = "redis://127.0.0.1:1/0"


@contextmanager
def hot_store_unreachable(settings: Any) -> Iterator[None]:
    """The hot store out of reach for the block (REDIS_CLUSTER_URL's cluster when set, else
    REDIS_URL's Redis), then back, each time with a fresh client (core.redis)."""
    from core import redis as hot

    name = "REDIS_CLUSTER_URL" if settings.REDIS_CLUSTER_URL else "REDIS_URL"
    saved = getattr(settings, name)
    setattr(settings, name, UNREACHABLE)
    hot.reset()
    try:
        yield
    finally:
        setattr(settings, name, saved)
        hot.reset()


def missing() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    for binary in ("redis-server", "redis-cli"):
        if topology.binary(binary, f"/usr/bin/{binary}") is None:
            return f"{binary} is not installed (Debian: apt-get install redis-server)"
    return None


class Cluster(topology.RedisCluster):
    """Three masters on 127.0.0.1 (palaver.topology, shared with `make cluster`); `url`
    names one of them (the client finds the rest)."""

    def __init__(self) -> None:
        super().__init__(masters=3)

    def nodes(self) -> list[redis.Redis]:
        """A plain client of each node (for INFO, MONITOR, SCAN, FLUSHALL)."""
        return [redis.Redis(host=host, port=port) for host, port in self.startup_nodes]

    def flush(self) -> None:
        for node in self.nodes():
            node.flushall()


class Subscription:
    """A test's own subscription to one channel of the hot store: SSUBSCRIBE on the channel's
    node when REDIS_CLUSTER_URL is set, SUBSCRIBE on REDIS_URL otherwise. A connection of
    its own: a subscribed connection must not go back to the shared pool."""

    def __init__(self, channel: str) -> None:
        from django.conf import settings

        self.sharded = bool(settings.REDIS_CLUSTER_URL)
        if self.sharded:
            self.client: redis.Redis | redis.RedisCluster = redis.RedisCluster.from_url(
                settings.REDIS_CLUSTER_URL
            )
            self.pubsub = self.client.pubsub()
            self.pubsub.ssubscribe(channel)
        else:
            self.client = redis.Redis.from_url(settings.REDIS_URL)
            self.pubsub = self.client.pubsub()
            self.pubsub.subscribe(channel)

    def get_message(
        self, ignore_subscribe_messages: bool = True, timeout: float = 0.0
    ) -> dict | None:
        if self.sharded:
            return self.pubsub.get_sharded_message(
                ignore_subscribe_messages=ignore_subscribe_messages, timeout=timeout
            )
        return self.pubsub.get_message(
            ignore_subscribe_messages=ignore_subscribe_messages, timeout=timeout
        )

    def close(self) -> None:
        self.pubsub.close()
        self.client.close()
