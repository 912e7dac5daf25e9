"""`make bench-live`: live updates at scale, and reply e-mails that do not slow a post down.

On a database and Redis database of its own it starts what production runs: the app under
gunicorn (deploy/gunicorn.conf.py), ONE events process (`uvicorn palaver.asgi:application`,
as `make demo` runs it) and a Celery worker (Redis broker). Then:

1. **Streams.** Opens `--streams` Server-Sent Events streams (default 5,000) on one page's
   thread, all held by the one events process, from this process (asyncio protocols on raw
   sockets: a few microseconds of client work per event). Every stream listens to the same
   thread, the worst case: each post is an event at every listener at once.
2. **Delivery.** Posts `--posts` comments through the API, `--interval` s apart, and records
   when each stream receives each `change` event. A post's COMMIT happens between sending the
   request and its 201 arriving, so the delay is given both from the 201 (the COMMIT is a
   little earlier) and from the request's start (a bound the COMMIT cannot be before).
3. **Memory.** The events process's RSS with no stream and with all of them held.
4. **E-mail fan-out.** A thread with `--subscribers` confirmed reply subscribers (default
   1,000) and one with none: posts alternate between them, each timed; every post on the first
   must queue one e-mail per subscriber (the fan-out runs in a Celery task after COMMIT), and
   the worker's time to send them is reported. E-mails go to Django's dummy backend: SMTP is
   not what is measured.

    make bench-live
    make bench-live BENCH_ARGS="--streams 1000 --posts 10"

Prints the results and the load average; JSON in bench/results/live-*.json; figures in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bench import report
from bench import servers as bench_servers
from bench.env import RESULTS, BenchEnv, activate, bench_env, database_recreate, load_average
from bench.env import redis_client as bench_redis
from bench.load import Req, percentile

DATABASE = "palaver_bench_live"
REDIS_DB = int(os.environ.get("BENCH_LIVE_REDIS_DB", "11"))
SLUG = "live"
ORIGIN = "https://blog.live.example"
PAGE = f"{ORIGIN}/posts/busy"
QUIET_PAGE = f"{ORIGIN}/posts/quiet"
SUBSCRIBED_PAGE = f"{ORIGIN}/posts/followed"
TARGET_P99_S = 1.0


def say(text: str) -> None:
    print(f"bench-live: {text}", file=sys.stderr, flush=True)


def raise_open_files(wanted: int) -> int:
    """Raise this process's open-file limit (inherited by the servers it starts) towards
    `wanted`, within the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- the streams ------------------------------------------------------------------------


class Stream(asyncio.Protocol):
    """One reader's event stream: its hello, then the arrival time of each `change`."""

    MARK = b"event: change"

    def __init__(self, request: bytes, opened: asyncio.Future[None]) -> None:
        self.request = request
        self.opened = opened
        self.head = b""
        self.tail = b""
        self.arrivals: list[float] = []
        self.lost = False
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.opened.done():
            self.head += data
            if not self.head.startswith(b"HTTP/1.1 200"):
                if b"\r\n" in self.head:
                    self.opened.set_exception(
                        RuntimeError(self.head[:200].decode(errors="replace"))
                    )
                return
            if b"event: hello" not in self.head:
                return
            self.opened.set_result(None)
            data = self.head.split(b"event: hello", 1)[1]
        # An event split across two reads is still counted once.
        joined = self.tail + data
        self.arrivals.extend([now] * joined.count(self.MARK))
        self.tail = joined[-(len(self.MARK) - 1) :]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before its hello"))


async def open_streams(port: int, host: str, count: int, parallel: int = 100) -> list[Stream]:
    loop = asyncio.get_running_loop()
    request = (
        f"GET /api/v1/thread/events?url={quote(PAGE, safe='')} HTTP/1.1\r\n"
        f"Host: {host}\r\nOrigin: {ORIGIN}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    gate = asyncio.Semaphore(parallel)
    streams: list[Stream] = []

    async def one() -> None:
        async with gate:
            opened: asyncio.Future[None] = loop.create_future()
            stream = Stream(request, opened)
            await loop.create_connection(lambda: stream, "127.0.0.1", port)
            await asyncio.wait_for(opened, 120)
            streams.append(stream)

    await asyncio.gather(*(one() for _ in range(count)))
    return streams


def post(port: int, host: str, url: str, n: int) -> tuple[float, float, int]:
    """POST a comment; returns (perf_counter before sending, after the answer, status)."""
    body = json.dumps(
        {"url": url, "body": f"Live comment number {n}, posted by the bench.", "author_name": "B"}
    ).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        started = time.perf_counter()
        conn.request(
            "POST", "/api/v1/comments", body=body,
            headers={"Host": host, "Content-Type": "application/json"},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()
        return started, time.perf_counter(), response.status
    finally:
        conn.close()


@dataclass
class Delivery:
    streams: int = 0
    open_seconds: float = 0.0
    posts: list[dict[str, float]] = field(default_factory=list)
    from_201: list[float] = field(default_factory=list)
    from_start: list[float] = field(default_factory=list)
    missing: int = 0
    lost: int = 0
    memory_held: dict[str, float] = field(default_factory=dict)


async def deliveries(
    app_port: int, events: Any, host: str, count: int, posts: int, interval: float
) -> Delivery:
    """Open `count` streams on the events process, measure its memory with them held, post
    `posts` comments and collect every stream's delay for each."""
    result = Delivery()
    t0 = time.perf_counter()
    streams = await open_streams(events.port, host, count)
    result.streams = len(streams)
    result.open_seconds = time.perf_counter() - t0
    say(f"{len(streams):,} streams open in {result.open_seconds:.1f} s")
    await asyncio.sleep(1.0)
    result.memory_held = events.memory()
    for n in range(posts):
        started, answered, status = await asyncio.to_thread(post, app_port, host, PAGE, n)
        if status != 201:
            raise RuntimeError(f"post {n} answered {status}")
        result.posts.append({"started": started, "answered": answered})
        await asyncio.sleep(interval)
    await asyncio.sleep(max(10.0, interval))  # the last event's stragglers
    for stream in streams:
        result.lost += stream.lost
        for n, sent in enumerate(result.posts):
            if n < len(stream.arrivals):
                result.from_201.append(stream.arrivals[n] - sent["answered"])
                result.from_start.append(stream.arrivals[n] - sent["started"])
            else:
                result.missing += 1
        if stream.transport is not None:
            stream.transport.close()
    return result


def run_loop(coroutine: Any) -> Any:
    """Run `coroutine` on uvloop where it is installed (the client's own cost per event is
    then a few microseconds less), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


# --- set-up ----------------------------------------------------------------------------


def seed(subscribers: int) -> tuple[str, str]:
    """The site (publishing at once, no spam filter: the bench posts at machine speed) and
    `subscribers` confirmed addresses following SUBSCRIBED_PAGE. Returns (host, schema)."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from embed.models import MailAddress, MailSettings, Subscription, Thread
    from embed.site import site_settings_update
    from tenants.services import site_create

    site = site_create(
        slug=SLUG, name="Live", owner_email=f"owner@{SLUG}.example",
        owner_password="bench-owner-password-1",  # noqa: S106 - a throwaway bench database
        origins=[ORIGIN],
    )  # fmt: skip
    schema = site.tenant.schema_name
    with schema_context(schema):
        site_settings_update(spam_filter=False, max_links=50)
        MailSettings.objects.update_or_create(
            pk=1, defaults={"site_hourly_cap": 1_000_000, "recipient_daily_cap": 1_000_000}
        )
        thread = Thread.objects.create(url=SUBSCRIBED_PAGE, title="Followed")
        Thread.objects.create(url=QUIET_PAGE, title="Quiet")
        now = timezone.now()
        addresses = MailAddress.objects.bulk_create(
            [
                MailAddress(email=f"reader{n}@follow.example", confirmed=now)
                for n in range(subscribers)
            ]
        )
        Subscription.objects.bulk_create(
            [Subscription(address=address, thread=thread) for address in addresses]
        )
    return site.domain, schema


def notices(schema: str, status: str | None = None) -> int:
    from django.db import connections
    from django_tenants.utils import schema_context

    from embed.models import ReplyNotice

    with schema_context(schema):
        found = ReplyNotice.objects.all()
        if status:
            found = found.filter(status=status)
        count = found.count()
    connections.close_all()
    return count


def fan_out(app_port: int, host: str, schema: str, subscribers: int, rounds: int) -> dict[str, Any]:
    """Posts alternating between the followed thread and the quiet one; post latencies, the
    e-mails queued, and how long the worker took to send them."""
    quiet: list[float] = []
    followed: list[float] = []
    first_post = time.perf_counter()
    for n in range(rounds):
        for url, times in ((QUIET_PAGE, quiet), (SUBSCRIBED_PAGE, followed)):
            started, answered, status = post(app_port, host, url, 1000 + n)
            if status != 201:
                raise RuntimeError(f"post answered {status}")
            times.append(answered - started)
            time.sleep(0.5)
    expected = subscribers * rounds
    deadline = time.perf_counter() + max(120.0, expected / 20)
    queued = sent = 0
    while time.perf_counter() < deadline:
        queued, sent = notices(schema), notices(schema, "sent")
        if sent >= expected:
            break
        time.sleep(1.0)
    drained = time.perf_counter() - first_post
    return {
        "rounds": rounds,
        "subscribers": subscribers,
        "post_ms_no_subscribers": [round(s * 1000, 1) for s in quiet],
        "post_ms_with_subscribers": [round(s * 1000, 1) for s in followed],
        "emails_expected": expected,
        "emails_queued": queued,
        "emails_sent": sent,
        "seconds_until_sent": round(drained, 1),
    }


def celery_worker(env: BenchEnv, logdir: Any) -> Any:
    import subprocess

    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / "live-worker.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "palaver", "worker", "--loglevel", "WARNING",
             "--concurrency", "2", "--without-gossip", "--without-mingle"],
            env=env.process_env(**WORKER_ENV), stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return bench_servers.Server(name="worker", port=0, process=process, log=log)


WORKER_ENV = {
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
}


# --- the run ---------------------------------------------------------------------------


def stats_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1) if values else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Live updates and e-mail fan-out benchmark")
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=15)
    # Long enough for one event to reach every stream before the next: each delay is then
    # that event's own, not a backlog's (a shorter interval measures throughput instead).
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between posts")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="posts on each fan-out thread")
    args = parser.parse_args(argv)

    limit = raise_open_files(2 * args.streams + 1024)
    env = bench_env(DATABASE, REDIS_DB)
    loads = {"start": load_average()}
    say(f"database {DATABASE}, Redis db {REDIS_DB}; open files {limit}; "
        f"load {loads['start']:.2f}; cores {os.cpu_count()}")  # fmt: skip
    database_recreate(env)
    bench_redis(env).flushdb()
    activate(env)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)
    host, schema = seed(args.subscribers)
    connections.close_all()

    logdir = RESULTS / "logs"
    probe = Req(f"/api/v1/counts?url={quote(PAGE, safe='')}", host)
    started: list[Any] = []
    try:
        app = bench_servers.gunicorn("live-app", env, probe, logdir, environ=WORKER_ENV)
        started.append(app)
        events = bench_servers.uvicorn("live-events", env, probe, logdir,
                                       app="palaver.asgi:application", workers=1)  # fmt: skip
        started.append(events)
        worker = celery_worker(env, logdir)
        started.append(worker)
        memory_idle = events.memory()
        loads["streams"] = load_average()
        delivery = run_loop(
            deliveries(app.port, events, host, args.streams, args.posts, args.interval)
        )
        memory_held = delivery.memory_held
        loads["after_streams"] = load_average()
        say("e-mail fan-out: posts alternating between a followed and a quiet thread")
        fanout = fan_out(app.port, host, schema, args.subscribers, args.rounds)
        loads["end"] = load_average()
    finally:
        for server in reversed(started):
            server.stop()

    per_stream_kib = (
        (memory_held["rss_mib"] - memory_idle["rss_mib"]) * 1024 / max(delivery.streams, 1)
    )
    from_201, from_start = stats_ms(delivery.from_201), stats_ms(delivery.from_start)
    data = {
        "machine": report.machine(),
        "args": vars(args),
        "load": loads,
        "streams": {
            "held": delivery.streams,
            "open_seconds": round(delivery.open_seconds, 1),
            "lost": delivery.lost,
            "events_rss_mib_idle": round(memory_idle["rss_mib"], 1),
            "events_rss_mib_held": round(memory_held["rss_mib"], 1),
            "rss_kib_per_stream": round(per_stream_kib, 1),
        },
        "delivery": {
            "posts": len(delivery.posts),
            "deliveries": len(delivery.from_201),
            "missing": delivery.missing,
            "from_201": from_201,
            "from_request_start": from_start,
            "post_ms": stats_ms([p["answered"] - p["started"] for p in delivery.posts]),
            "target_p99_ms": TARGET_P99_S * 1000,
        },
        "fan_out": fanout,
    }
    path = report.write_json("live", data)
    quiet, followed = fanout["post_ms_no_subscribers"], fanout["post_ms_with_subscribers"]
    rows = [
        ["streams held (one events process)", f"{delivery.streams:,}",
         f"opened in {delivery.open_seconds:.1f} s, {delivery.lost} lost"],
        ["delivery after the 201, p50 / p99 / max",
         f"{from_201['p50_ms']:.0f} / {from_201['p99_ms']:.0f} / {from_201['max_ms']:.0f} ms",
         f"{len(delivery.from_201):,} deliveries of {len(delivery.posts)} posts, "
         f"{delivery.missing} missing; target p99 < {TARGET_P99_S * 1000:.0f} ms"],
        ["delivery after the request's start, p50 / p99",
         f"{from_start['p50_ms']:.0f} / {from_start['p99_ms']:.0f} ms", "includes the post"],
        ["events process RSS, idle / held",
         f"{memory_idle['rss_mib']:.0f} / {memory_held['rss_mib']:.0f} MiB",
         f"{per_stream_kib:.1f} KiB per stream"],
        ["post, 0 subscribers, median / max",
         f"{sorted(quiet)[len(quiet) // 2]:.0f} / {max(quiet):.0f} ms", f"{len(quiet)} posts"],
        [f"post, {args.subscribers:,} subscribers, median / max",
         f"{sorted(followed)[len(followed) // 2]:.0f} / {max(followed):.0f} ms",
         f"{len(followed)} posts"],
        ["e-mails queued / sent",
         f"{fanout['emails_queued']:,} / {fanout['emails_sent']:,}",
         f"of {fanout['emails_expected']:,} expected; all sent "
         f"{fanout['seconds_until_sent']:.0f} s after the first post"],
    ]  # fmt: skip
    print(report.table(rows, ["measure", "value", "note"]))
    print(
        f"load average: {loads['start']:.2f} at start, {loads['after_streams']:.2f} after the "
        f"streams, {loads['end']:.2f} at the end; {os.cpu_count()} cores; results in {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
