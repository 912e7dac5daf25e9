#!/usr/bin/env python
"""`make cluster`: the whole topology past one box, on this machine's loopback, checked end to end.

Starts (palaver.topology) a PostgreSQL primary and a streaming hot standby, PgBouncer in
transaction mode in front of the primary, a 3-master Redis Cluster (the hot store: thread caches,
versions, counts, rate limits and live events), a plain Redis (Django's cache), a RabbitMQ node (the
Celery broker, quorum queues), then two app nodes (gunicorn), the events process (uvicorn),
a Celery worker and nginx with the shipped config in front of them all; provisions a site,
and checks, printing each check with its result:

- a comment posted through node 1 reads through node 2 and through nginx at once (a reader's
  own write is visible to the next read whatever node and database serve it);
- reads are served by the standby once it has replayed the site's writes;
- a live event reaches a stream held by the events process when node 2 takes a comment;
- the hot store is the Redis Cluster: the site's thread versions sit on every node, and no
  key of the hot store on the plain Redis;
- the Celery worker answers over RabbitMQ;
- after app node 1 and the standby are stopped, reads and writes through nginx go on.

Then it keeps what is left running until Ctrl-C (`--check` exits after the checks instead,
with status 1 if any failed). Debian's nginx, pgbouncer, redis-server and rabbitmq-server
are installed first when missing and we are root (bin/ensure-packages --cluster).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
SLUG = "cluster"
ORIGIN = "http://blog.cluster.example"


class Topology:
    """Everything `make cluster` started, stopped in reverse order by `stop`."""

    def __init__(self) -> None:
        self.engines: list[Any] = []
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.folder = Path(os.environ.get("CLUSTER_LOGS", ROOT / ".data" / "cluster"))
        self.folder.mkdir(parents=True, exist_ok=True)

    def engine(self, engine: Any, label: str) -> Any:
        started = time.monotonic()
        engine.start()
        self.engines.append(engine)
        say(f"started {label} in {time.monotonic() - started:.1f} s")
        return engine

    def child(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own servers
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.children[name] = process
        return process

    def stop_child(self, name: str) -> None:
        process = self.children.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def stop(self) -> None:
        for name in list(self.children):
            self.stop_child(name)
        for engine in reversed(self.engines):
            try:
                engine.stop()
            except Exception as exc:  # noqa: BLE001 - stop the rest whatever one does
                say(f"stopping {type(engine).__name__} failed: {exc}")


def say(text: str) -> None:
    print(f"cluster: {text}", flush=True)


class Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Answer:
    """One HTTP request to 127.0.0.1:`port` as the site's host."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        sent = {"Host": f"{SLUG}.localhost", "Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, None if body is None else json.dumps(body), sent)
        response = connection.getresponse()
        return Answer(response.status, response.read())
    finally:
        connection.close()


def post(port: int, url: str, text: str) -> Answer:
    return request(
        port, "POST", "/api/v1/comments", {"url": url, "body": text, "author_name": "Ada"}
    )


def thread_text(port: int, url: str) -> str:
    answer = request(port, "GET", f"/api/v1/thread?url={quote(url, safe='')}")
    if answer.status != 200:
        raise RuntimeError(f"thread read answered {answer.status}: {answer.body[:200]!r}")
    return answer.body.decode()


def wait_answering(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited; see its log")
        try:
            if request(port, "GET", "/api/v1/counts?url=http://x.example/").status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} did not answer in {seconds:.0f} s")


def open_stream(port: int, url: str) -> socket.socket:
    """An event stream (`/api/v1/thread/events`) read through nginx, past its hello."""
    stream = socket.create_connection(("127.0.0.1", port), timeout=10)
    stream.sendall(
        (
            f"GET /api/v1/thread/events?url={quote(url, safe='')} HTTP/1.1\r\n"
            f"Host: {SLUG}.localhost\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    seen = b""
    while b"event: hello" not in seen:
        chunk = stream.recv(4096)
        if not chunk:
            raise RuntimeError(f"the event stream closed before its hello: {seen[:300]!r}")
        seen += chunk
    return stream


def stream_sees(stream: socket.socket, needle: bytes, seconds: float) -> bool:
    stream.settimeout(seconds)
    seen = b""
    deadline = time.monotonic() + seconds
    try:
        while needle not in seen and time.monotonic() < deadline:
            chunk = stream.recv(4096)
            if not chunk:
                break
            seen += chunk
    except TimeoutError:
        pass
    return needle in seen


def start(top: Topology) -> dict[str, Any]:
    from palaver import topology

    pg = top.engine(topology.ReplicatedPostgres(name="palaver"), "PostgreSQL primary + standby")
    bouncer = top.engine(
        topology.PgBouncer(("127.0.0.1", pg.primary_port), pool_size=8, mode="transaction"),
        "PgBouncer (transaction pooling)",
    )
    cluster = top.engine(topology.RedisCluster(masters=3), "Redis Cluster (3 masters)")
    plain = top.engine(topology.RedisServer(), "Redis (Django's cache)")
    broker = top.engine(topology.RabbitMQ(), "RabbitMQ")
    ports = {"node1": topology.free_port(), "node2": topology.free_port()}
    events_port = topology.free_port()
    edge = topology.Nginx([ports["node1"], ports["node2"]], events_port)
    env = {
        **os.environ,
        "DATABASE_URL": bouncer.url("palaver"),
        "DATABASE_POOL_MODE": "transaction",
        "DATABASE_REPLICA_URL": pg.standby_url,
        "REDIS_URL": plain.url,
        "REDIS_CLUSTER_URL": cluster.url,
        "CELERY_BROKER_URL": broker.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "PLATFORM_PORT": str(edge.port),
        "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "TRUSTED_PROXIES": "127.0.0.1",
        "PALAVER_QUIET": "1",
        "WEB_CONCURRENCY": "2",
    }
    # Schema changes go to the primary itself, not through the transaction pooler.
    direct = {**env, "DATABASE_URL": pg.primary_url, "DATABASE_POOL_MODE": "session"}
    started = time.monotonic()
    for args in (
        ["migrate", "--noinput", "-v", "0"],
        ["create_site", "--slug", SLUG, "--name", "Cluster", "--owner-email",
         "owner@cluster.example", "--origin", ORIGIN],
        ["shell", "--no-imports", "-c", "from django_tenants.utils import schema_context\n"
         "from embed.site import site_settings_update\n"
         f"with schema_context('site_{SLUG}'):\n"
         "    site_settings_update(spam_filter=False)"],
    ):  # fmt: skip
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=direct, check=True)  # noqa: S603
    say(f"migrated and provisioned the site {SLUG!r} in {time.monotonic() - started:.1f} s")
    gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"]
    for name, port in ports.items():
        top.child(name, gunicorn, {**env, "BIND": f"127.0.0.1:{port}"})
    top.child(
        "events",
        [str(BIN / "uvicorn"), "palaver.asgi:application", "--host", "127.0.0.1",
         "--port", str(events_port), "--log-level", "warning", "--no-access-log"],
        env,
    )  # fmt: skip
    top.child(
        "worker",
        [PYTHON, "-m", "celery", "-A", "palaver", "worker", "--loglevel", "WARNING",
         "--concurrency", "1", "--without-gossip", "--without-mingle", "-n", "cluster@%h"],
        env,
    )  # fmt: skip
    for name, port in ports.items():
        wait_answering(port, top.children[name])
    topology.wait_for_port(events_port, 30, top.children["events"])
    top.engine(edge, "nginx (the shipped config) in front of both nodes")
    return {"pg": pg, "ports": ports, "edge": edge.port, "env": env, "cluster": cluster}


def checks(top: Topology, parts: dict[str, Any]) -> list[tuple[str, bool, str]]:
    pg, node1, node2 = parts["pg"], parts["ports"]["node1"], parts["ports"]["node2"]
    edge = parts["edge"]
    results: list[tuple[str, bool, str]] = []

    def check(name: str, test: Callable[[], str]) -> None:
        try:
            detail = test()
            ok = True
        except Exception as exc:  # noqa: BLE001 - a failed check is reported, not raised
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results.append((name, ok, detail))
        say(f"{'ok  ' if ok else 'FAIL'} {name}{f' ({detail})' if detail else ''}")

    page = f"{ORIGIN}/posts/{secrets.token_hex(4)}"

    def own_write() -> str:
        answer = post(node1, page, "Posted through node 1")
        if answer.status != 201:
            raise RuntimeError(f"the post answered {answer.status}: {answer.body[:200]!r}")
        through2 = "Posted through node 1" in thread_text(node2, page)
        through_edge = "Posted through node 1" in thread_text(edge, page)
        if not (through2 and through_edge):
            raise RuntimeError(f"node 2 saw it: {through2}; nginx saw it: {through_edge}")
        return "201, then read at once through node 2 and through nginx"

    check("a comment posted through node 1 reads through node 2 and nginx", own_write)

    def standby_reads() -> str:
        pg.wait_replayed()
        fresh = f"{ORIGIN}/posts/{secrets.token_hex(4)}"
        before = len(pg.standby_log())
        for _ in range(3):
            thread_text(node2, fresh)
        read = [line for line in pg.standby_log()[before:].splitlines() if "embed_" in line]
        if not read:
            raise RuntimeError("the standby ran no query of the site's tables")
        return f"{len(read)} statements on the site's tables ran on the standby"

    check("reads are served by the hot standby once it has caught up", standby_reads)

    def live_event() -> str:
        stream = open_stream(edge, page)
        try:
            time.sleep(0.5)  # the events process subscribes
            answer = post(node2, page, "Posted through node 2")
            if answer.status != 201:
                raise RuntimeError(f"the post answered {answer.status}")
            if not stream_sees(stream, b"event: change", 5):
                raise RuntimeError("no change event within 5 s")
        finally:
            stream.close()
        return "node 2's comment reached a stream held by the events process"

    check("a live event crosses from node 2 to the events process", live_event)

    def hot_store() -> str:
        # The site's thread keys, by the cluster node that holds them (core.keys: a site's
        # threads spread over its 64 shards, so over every node), and none on the plain Redis.
        for n in range(12):
            thread_text(node2, f"{ORIGIN}/spread/{n}")
        held = {}
        for host, port in parts["cluster"].startup_nodes:
            node = redis.Redis(host=host, port=port)
            held[port] = sum(1 for _ in node.scan_iter(match=f"palaver:{{site_{SLUG}:*}}:tv:*"))
        plain = redis.Redis.from_url(parts["env"]["REDIS_URL"])
        stray = sum(1 for _ in plain.scan_iter(match="palaver:*"))
        if min(held.values()) == 0 or stray:
            raise RuntimeError(f"thread versions by node: {held}; keys on the plain Redis: {stray}")
        return f"thread versions on every node: {sorted(held.values())}, none on the plain Redis"

    check("the hot store is the Redis Cluster, a site's threads on every node", hot_store)

    def worker() -> str:
        done = subprocess.run(  # noqa: S603
            [PYTHON, "-m", "celery", "-A", "palaver", "inspect", "ping", "-t", "10"],
            cwd=ROOT, env=parts["env"], capture_output=True, text=True, timeout=60,
            check=False,
        )  # fmt: skip
        if "pong" not in done.stdout:
            raise RuntimeError(f"no pong: {done.stdout[-300:]}{done.stderr[-300:]}")
        return "it answered a ping over RabbitMQ"

    check("the Celery worker answers over RabbitMQ", worker)

    top.stop_child("node1")
    pg.stop_standby()
    say("stopped app node 1 and the standby")

    def goes_on() -> str:
        after = f"{ORIGIN}/posts/{secrets.token_hex(4)}"
        statuses = [post(edge, after, f"After the stop, {n}").status for n in range(3)]
        if statuses != [201, 201, 201]:
            raise RuntimeError(f"posts through nginx answered {statuses}")
        text = thread_text(edge, after)
        missing = [n for n in range(3) if f"After the stop, {n}" not in text]
        if missing:
            raise RuntimeError(f"comments {missing} are not in the next read")
        if "Posted through node 1" not in thread_text(edge, page):
            raise RuntimeError("the earlier thread no longer reads")
        return "3 posts through nginx answered 201 and read back at once"

    check("after node 1 and the standby stop, reads and writes go on", goes_on)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit after the checks")
    options = parser.parse_args()
    subprocess.run(["bash", str(ROOT / "bin" / "ensure-packages"), "--cluster"], check=False)
    top = Topology()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        parts = start(top)
        results = checks(top, parts)
        failed = [name for name, ok, _ in results if not ok]
        say(f"{len(results) - len(failed)} of {len(results)} checks passed; logs in {top.folder}")
        if options.check:
            return 1 if failed else 0
        say(
            f"running: nginx on http://{SLUG}.localhost:{parts['edge']}/ "
            f"(node 2, the events process, the worker, the primary behind PgBouncer, "
            f"the Redis Cluster, RabbitMQ). Ctrl-C stops everything."
        )
        while all(process.poll() is None for process in top.children.values()):
            time.sleep(0.5)
        say("a server exited; stopping")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        top.stop()
        say("stopped everything")


if __name__ == "__main__":
    raise SystemExit(main())
