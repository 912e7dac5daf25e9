"""A real Redis Cluster of three masters, started from Debian's `redis-server` for tests.

Each node runs on a spare loopback port with its files in a temporary folder; `redis-cli
--cluster create` hands out the 16,384 slots. Used by tests/test_redis_cluster.py, and by the
whole suite when PALAVER_TEST_REDIS_CLUSTER=1 (the CI topology leg, tests/conftest.py), which
points the hot store (REDIS_CLUSTER_URL) at it while Django's cache and Celery's broker stay
on the plain Redis of REDIS_URL, as in production.
"""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

MASTERS = 3


def missing() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    for binary in ("redis-server", "redis-cli"):
        if shutil.which(binary) is None:
            return f"{binary} is not installed (Debian: apt-get install redis-server)"
    return None


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(missing())
    return found


def _free_port() -> int:
    # A cluster node also listens on its port + 10000 (the cluster bus): both must be free.
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


class Cluster:
    """Three master nodes on 127.0.0.1; `url` names one of them (the client finds the rest)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="palaver-redis-cluster-"))
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}"

    def nodes(self) -> list[redis.Redis]:
        """A plain client of each node (for INFO, SCAN, CLUSTER commands)."""
        return [redis.Redis(host="127.0.0.1", port=port) for port in self.ports]

    def start(self) -> None:
        started = time.monotonic()
        for _ in range(MASTERS):
            port = _free_port()
            folder = self.folder / str(port)
            folder.mkdir()
            self.ports.append(port)
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - our own arguments
                    [
                        _binary("redis-server"),
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                        "--dir",
                        str(folder),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--logfile",
                        "redis.log",
                    ],  # fmt: skip
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for node in self.nodes():
            self._wait(node.ping, "answer")
        subprocess.run(  # noqa: S603
            [
                _binary("redis-cli"),
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in self.ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],  # fmt: skip
            check=True,
            capture_output=True,
            timeout=30,
        )
        for node in self.nodes():
            self._wait(lambda node=node: node.cluster("info")["cluster_state"] == "ok", "agree")
        self.seconds = time.monotonic() - started

    def _wait(self, ready: object, what: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if ready():  # type: ignore[operator]
                    return
            except redis.RedisError:
                pass
            time.sleep(0.05)
        logs = [(self.folder / str(port) / "redis.log") for port in self.ports]
        tail = "\n".join(log.read_text()[-2000:] for log in logs if log.exists())
        raise RuntimeError(f"the Redis Cluster nodes did not {what}:\n{tail}")

    def flush(self) -> None:
        for node in self.nodes():
            node.flushall()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


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
