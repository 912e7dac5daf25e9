"""`make bench`: the hot path under load, against the server configuration the project ships.

Sets up its own database and Redis db, seeds them, starts gunicorn with
deploy/gunicorn.conf.py (DEBUG off, persistent database connections, rate limits off), and
drives each row over loopback for BENCH_SECONDS (10) at BENCH_CONNECTIONS (32). Prints the
table and the ratios, and writes bench/results/bench-<time>.json.

    make bench                      # everything (about 5 minutes)
    make bench BENCH_ARGS=--quick   # 3-second rows, for development
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import env as bench_env_module
from bench import load, report, servers
from bench.env import RESULTS, BenchEnv, bench_env, database_recreate, load_average, redis_client
from bench.load import Req, Result
from bench.report import Row

DATABASE = "palaver_bench"
CEILING_WORKERS = (1, 2, 4)


def thread_req(host: str, url: str, **headers: str) -> Req:
    return Req(f"/api/v1/thread?url={quote(url, safe='')}", host, headers=tuple(headers.items()))


def post_req(host: str, url: str, n: int) -> Req:
    body = {
        "url": url,
        "body": f"Bench comment {n}: **load** test of the _posting_ path, with `code` too.",
        "author_name": f"Bench {n}",
    }
    return Req("/api/v1/comments", host, method="POST", body=json.dumps(body).encode())


def sql_per_request(
    port: int, variants: list[Req], *, before: Callable[[], None] | None = None, count: int = 10
) -> float | None:
    """Average X-Bench-Queries over `count` requests to the counting server (after a warm-up
    request, so hot rows count the steady state)."""
    load.serial(variants, port, count=2)
    _, answers = load.serial(variants, port, count=count, before=before)
    counts = [int(h["x-bench-queries"]) for _, _, h in answers if "x-bench-queries" in h]
    return statistics.mean(counts) if counts else None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.seconds: float = args.seconds
        self.conns: int = args.connections
        self.rows: list[Row] = []
        self.started: list[servers.Server] = []
        self.logdir = RESULTS / "logs"
        self.info: dict[str, Any] = {}
        self.machine: dict[str, Any] = report.machine()

    def say(self, text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        r = row.result
        self.say(
            f"{row.name} [{row.server}]: {r.rps:,.0f} req/s, p50 {r.p50_ms:.2f} ms, "
            f"p99 {r.p99_ms:.2f} ms, errors {r.errors} {r.note}"
        )
        return row

    def start(self, server: servers.Server) -> servers.Server:
        self.started.append(server)
        return server

    def stop(self, server: servers.Server) -> None:
        server.stop()
        if server in self.started:
            self.started.remove(server)

    # --- set-up ----------------------------------------------------------------------

    def prepare(self) -> BenchEnv:
        env = bench_env(DATABASE)
        self.say(
            f"database {env.database_name} ({'embedded' if env.embedded else 'DATABASE_URL'}),"
            f" Redis db {bench_env_module.BENCH_REDIS_DB}; load {load_average():.2f}"
        )
        database_recreate(env)
        redis_client(env).flushdb()
        bench_env_module.activate(env)
        from django.core.management import call_command
        from django.db import connections

        from bench.seed import seed

        t0 = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        seeded = seed()
        connections.close_all()
        self.say(f"migrated and seeded in {time.perf_counter() - t0:.1f} s")
        self.host = seeded.host
        self.schema = seeded.schema
        return env

    # --- rows ------------------------------------------------------------------------

    def timed(
        self, name: str, server: str, variants: list[Req], port: int, conns: int | None = None
    ) -> Result:
        return load.run(variants, port, connections=conns or self.conns, seconds=self.seconds)

    def main(self) -> dict[str, Any]:
        from bench import seed

        env = self.prepare()
        self.env = env
        flush = redis_client(env).flushdb
        host = self.host
        hot = thread_req(host, seed.HOT_URL)
        # The shipped configuration: deploy/gunicorn.conf.py as it is.
        app = self.start(servers.gunicorn("app", env, hot, self.logdir))
        counter = self.start(
            servers.gunicorn(
                "count", env, hot, self.logdir, settings="bench.settings_count",
                environ={"WEB_CONCURRENCY": "1"},
            )
        )  # fmt: skip
        status, body, headers = load.fetch(hot, app.port)
        status, body, headers = load.fetch(hot, app.port)
        if status != 200:
            raise SystemExit(f"hot read answered {status}: {body[:300]!r}")
        etag = headers["etag"]
        body_file = RESULTS / "hot-body.json"
        body_file.write_bytes(body)
        self.info["hot_read_headers"] = headers
        self.say(f"hot read: {len(body):,} bytes, ETag {etag}")

        # Hot reads: cached payload, and the same with the reader's ETag (304).
        hot304 = thread_req(host, seed.HOT_URL, **{"If-None-Match": etag})
        res = self.timed("hot", "app", [hot], app.port)
        self.add(Row("hot read (cached)", "app (shipped)", self.conns, res, len(body),
                     sql_per_request(counter.port, [hot])))  # fmt: skip
        # One reader at a time on a kept-alive connection: the latency of one unloaded read.
        res = self.timed("hot-1", "app", [hot], app.port, conns=1)
        self.add(Row("hot read, 1 connection (unloaded)", "app (shipped)", 1, res, len(body)))
        # The same read as a browser asks for it: the payload's gzipped bytes, sent as cached.
        hot_gzip = thread_req(host, seed.HOT_URL, **{"Accept-Encoding": "gzip, deflate, br"})
        _, gzipped, _ = load.fetch(hot_gzip, app.port)
        res = self.timed("hot-gzip", "app", [hot_gzip], app.port)
        self.add(Row("hot read, gzip (as browsers ask)", "app (shipped)", self.conns, res,
                     len(gzipped), sql_per_request(counter.port, [hot_gzip])))  # fmt: skip
        res = self.timed("hot304", "app", [hot304], app.port)
        self.add(Row("hot read, If-None-Match (304)", "app", self.conns, res, 0,
                     sql_per_request(counter.port, [hot304])))  # fmt: skip

        # Cold reads: the cache is emptied before each request; one request at a time.
        for label, url in (("200 comments", seed.HOT_URL), ("5,000 comments", seed.BIG_URL)):
            req = thread_req(host, url)
            res, answers = load.serial([req], app.port, count=400, before=flush,
                                       seconds=self.seconds)  # fmt: skip
            res.note = "cache emptied before each request; 1 connection"
            size = len(answers[0][1]) if answers else None
            self.add(Row(f"cold read, {label}", "app", 1, res, size,
                         sql_per_request(counter.port, [req], before=flush)))  # fmt: skip
        flush()

        # Counts for 20 URLs (a blog index page).
        counts = Req(
            "/api/v1/counts?"
            + "&".join(f"url={quote(seed.post_url(i), safe='')}" for i in range(seed.COUNT_URLS)),
            host,
        )
        _, counts_body, _ = load.fetch(counts, app.port)
        res = self.timed("counts", "app", [counts], app.port)
        self.add(Row("counts, 20 URLs", "app", self.conns, res, len(counts_body),
                     sql_per_request(counter.port, [counts])))  # fmt: skip

        # The widget script, gzipped as browsers take it.
        script = Req("/embed.js", host, headers=(("Accept-Encoding", "gzip, br"),))
        _, script_body, _ = load.fetch(script, app.port)
        res = self.timed("embed.js", "app", [script], app.port)
        self.add(Row("/embed.js (gzip)", "app", self.conns, res, len(script_body),
                     sql_per_request(counter.port, [script])))  # fmt: skip

        # Posting, spread over many threads (rate limits are off for the bench server).
        posts = [post_req(host, seed.post_url(i % seed.POST_THREADS), i) for i in range(1000)]
        status, post_body, _ = load.fetch(posts[0], app.port)
        if status not in (201, 202):
            raise SystemExit(f"posting answered {status}: {post_body[:300]!r}")
        post_conns = self.args.post_connections
        res = self.timed("post", "app", posts, app.port, conns=post_conns)
        self.add(Row("post a comment", "app", post_conns, res, len(post_body),
                     sql_per_request(counter.port, posts[500:520])))  # fmt: skip
        self.stop(counter)

        self.ceiling(env, body_file, etag, hot)
        self.edge(app, body, hot, etag)
        self.alternatives(env, hot)
        self.info["app_memory_after"] = app.memory()
        return self.summary()

    def ceiling(self, env: BenchEnv, body_file: Path, etag: str, hot: Req) -> None:
        """The trivial view under each server configuration; the best is the ceiling."""
        environ = {"BENCH_CEILING_BODY": str(body_file), "BENCH_CEILING_ETAG": etag}
        probe = Req(hot.path, hot.host)
        app = "bench.ceiling:application"

        def ceiling_server(kind: str, n: int) -> servers.Server:
            name = f"ceiling-{kind}-{n}"
            if kind == "sync":
                extra = ["--worker-class", "sync", "--workers", str(n)]
                return servers.gunicorn(name, env, probe, self.logdir, app=app, extra=extra,
                                        environ=environ)  # fmt: skip
            if kind == "gthread":
                extra = ["--worker-class", "gthread", "--threads", "4", "--workers", str(n)]
                return servers.gunicorn(name, env, probe, self.logdir, app=app, extra=extra,
                                        environ=environ)  # fmt: skip
            if kind == "uvicorn":
                return servers.uvicorn(name, env, probe, self.logdir, app="bench.ceiling:asgi",
                                       workers=n, environ=environ)  # fmt: skip
            return servers.granian(name, env, probe, self.logdir, app=app, workers=n,
                                   environ=environ)  # fmt: skip

        labels = {"sync": "gunicorn sync", "gthread": "gunicorn gthread (4 threads)",
                  "uvicorn": "uvicorn", "granian": "granian wsgi"}  # fmt: skip
        kinds = ["sync", "gthread", "uvicorn"]
        if servers.granian_available():
            kinds.append("granian")
        else:
            self.say("granian is not installed (requirements-dev.txt pins it); rows skipped")
        # Every server at 1, 2 and 4 workers: the ceiling is the best of them all, so a
        # configuration that suits this machine badly cannot make the ratio look good.
        configs: list[tuple[str, Callable[[], servers.Server]]] = [
            (f"{labels[kind]} ×{n}", functools.partial(ceiling_server, kind, n))
            for n in CEILING_WORKERS
            for kind in kinds
        ]
        for label, make in configs:
            server = self.start(make())
            try:
                res = self.timed("ceiling", label, [probe], server.port)
            finally:
                self.stop(server)
            self.add(Row("framework ceiling: trivial view", label, self.conns, res,
                         len(body_file.read_bytes()), 0.0))  # fmt: skip

    def edge(self, app: servers.Server, body: bytes, hot: Req, etag: str) -> None:
        from bench import seed

        started = servers.nginx(app.port, body, self.logdir)
        if started is None:
            self.add(Row("nginx static file", "nginx", 0,
                         Result(note="skipped: nginx is not installed")))  # fmt: skip
            self.add(Row("hot read through the edge", "nginx+app", 0,
                         Result(note="skipped: nginx is not installed")))  # fmt: skip
            return
        nginx, edge_port, static_port = started
        self.start(nginx)
        static = Req("/thread.json", "localhost")
        res = self.timed("static", "nginx", [static], static_port)
        self.add(Row("nginx static file (same bytes)", "nginx", self.conns, res, len(body)))
        status, edge_body, headers = load.fetch(hot, edge_port)
        if status != 200 or edge_body != body:
            raise SystemExit(f"the edge answered {status} with different bytes")
        res = self.timed("edge", "nginx+app", [hot], edge_port)
        self.add(Row("hot read through the edge", "nginx+app", self.conns, res, len(body)))
        hot304 = thread_req(hot.host, seed.HOT_URL, **{"If-None-Match": etag})
        res = self.timed("edge304", "nginx+app", [hot304], edge_port)
        self.add(Row("edge, If-None-Match (304)", "nginx+app", self.conns, res, 0))
        self.visibility(edge_port, hot.host)

    def visibility(self, edge_port: int, host: str) -> None:
        """Post through the edge while readers hammer the same thread there, then poll the
        edge until the new comment is in the thread it serves."""
        from bench import seed

        live = thread_req(host, seed.LIVE_URL)
        load.fetch(live, edge_port)
        background: list[Result] = []
        seconds = max(6.0, self.seconds)
        worker = threading.Thread(
            target=lambda: background.append(
                load.run([live], edge_port, connections=8, seconds=seconds)
            )
        )
        worker.start()
        time.sleep(1.0)
        delays: list[float] = []
        for n in range(4):
            status, answer, _ = load.fetch(post_req(host, seed.LIVE_URL, 90_000 + n), edge_port)
            t0 = time.perf_counter()
            if status not in (201, 202):
                raise SystemExit(f"posting through the edge answered {status}")
            marker = f'"id":{json.loads(answer)["id"]},'.encode()
            while time.perf_counter() - t0 < 10:
                _, page, _ = load.fetch(live, edge_port)
                if marker in page:
                    break
                time.sleep(0.01)
            delays.append(time.perf_counter() - t0)
            time.sleep(0.3)
        worker.join()
        res = background[0] if background else Result()
        res.note = (
            f"new comment visible after {statistics.median(delays) * 1000:.0f} ms median, "
            f"{max(delays) * 1000:.0f} ms max ({len(delays)} posts)"
        )
        res.extra["visibility_ms"] = [round(d * 1000) for d in delays]
        self.info["visibility_ms"] = res.extra["visibility_ms"]
        self.add(Row("edge read while posting", "nginx+app", 8, res))

    def alternatives(self, env: BenchEnv, hot: Req) -> None:
        """The app's hot read under the other server configurations, to choose on numbers."""
        if self.args.no_alternatives:
            return
        configs: list[tuple[str, Callable[[], servers.Server]]] = [
            ("gunicorn sync ×4", lambda: servers.gunicorn(
                "app-sync", env, hot, self.logdir, extra=["--worker-class", "sync"])),
            ("gunicorn gthread 2×4", lambda: servers.gunicorn(
                "app-gthread", env, hot, self.logdir,
                extra=["--worker-class", "gthread", "--threads", "4", "--workers", "2"])),
            ("uvicorn ×2 (ASGI)", lambda: servers.uvicorn(
                "app-uvicorn", env, hot, self.logdir, app="palaver.asgi:application",
                workers=2)),
        ]  # fmt: skip
        if servers.granian_available():
            configs.append(("granian wsgi ×2", lambda: servers.granian(
                "app-granian", env, hot, self.logdir, app="palaver.wsgi:application",
                workers=2)))  # fmt: skip
        for label, make in configs:
            server = self.start(make())
            try:
                load.fetch(hot, server.port)
                res = self.timed("alt", label, [hot], server.port)
            finally:
                self.stop(server)
            self.add(Row("hot read, other server", label, self.conns, res))

    # --- results ---------------------------------------------------------------------

    def find(self, name: str, server: str | None = None) -> Row | None:
        for row in self.rows:
            if row.name == name and (server is None or row.server == server):
                return row
        return None

    def summary(self) -> dict[str, Any]:
        rows = self.rows
        print()
        print(report.table([r.cells() for r in rows], report.HEADER))
        ceilings = [r for r in rows if r.name.startswith("framework ceiling") and r.result.rps]
        best = max(ceilings, key=lambda r: r.result.rps) if ceilings else None
        hot = self.find("hot read (cached)")
        static = self.find("nginx static file (same bytes)")
        edge = self.find("hot read through the edge")
        ratios: dict[str, float | None] = {"hot_over_ceiling": None, "edge_over_static": None}
        print()
        if best and hot:
            ratios["hot_over_ceiling"] = hot.result.rps / best.result.rps
            print(
                f"hot read / framework ceiling ({best.server}): "
                f"{hot.result.rps:,.0f} / {best.result.rps:,.0f} = "
                f"{ratios['hot_over_ceiling']:.2f}"
            )
        if static and edge and static.result.rps:
            ratios["edge_over_static"] = edge.result.rps / static.result.rps
            print(
                f"edge hot read / nginx static: {edge.result.rps:,.0f} / "
                f"{static.result.rps:,.0f} = {ratios['edge_over_static']:.2f}"
            )
        targets = self.targets(ratios)
        print()
        print(report.table(targets, ["target", "goal", "measured", "met"]))
        memory = self.info.get("app_memory_after")
        if memory:
            print(
                f"\napp (gunicorn, {memory['processes']} processes) after the run: "
                f"RSS {memory['rss_mib']:.0f} MiB, PSS {memory['pss_mib']:.0f} MiB, "
                f"largest worker RSS {memory['worker_rss_mib']:.0f} MiB"
            )
        load_end = load_average()
        print(f"load average (1 min): {self.machine['load_1min_start']:.2f} at start, "
              f"{load_end:.2f} at end")  # fmt: skip
        data = {
            "machine": {**self.machine, "load_1min_end": load_end},
            "settings": {
                "seconds": self.seconds,
                "connections": self.conns,
                "tool": "wrk" if load.WRK else "python",
            },  # fmt: skip
            "rows": [report.row_json(r) for r in rows],
            "ratios": ratios,
            "ceiling": best.server if best else None,
            "targets": [
                dict(zip(["target", "goal", "measured", "met"], t, strict=True)) for t in targets
            ],  # fmt: skip
            **self.info,
        }
        path = report.write_json("bench", data)
        print(f"results: {path.relative_to(bench_env_module.ROOT)}")
        return data

    def targets(self, ratios: dict[str, float | None]) -> list[list[str]]:
        out: list[list[str]] = []

        def add(name: str, goal: str, value: float | None, fmt: str, ok: bool | None) -> None:
            measured = "n/a" if value is None else fmt.format(value)
            out.append([name, goal, measured, "-" if ok is None else ("yes" if ok else "NO")])

        r = ratios["hot_over_ceiling"]
        add("hot read / framework ceiling", ">= 0.8", r, "{:.2f}", None if r is None else r >= 0.8)
        one = self.find("hot read, 1 connection (unloaded)")
        p50 = one.result.p50_ms if one else None
        add("unloaded hot read p50 (1 connection)", "<= 0.7 ms", p50, "{:.2f} ms",
            None if p50 is None else p50 <= 0.7)  # fmt: skip
        hot = self.find("hot read (cached)")
        p99 = hot.result.p99_ms if hot else None
        add(f"hot read p99 at {self.conns} connections", "< 25 ms", p99, "{:.1f} ms",
            None if p99 is None else p99 < 25)  # fmt: skip
        r = ratios["edge_over_static"]
        add("edge hot read / nginx static", ">= 0.9", r, "{:.2f}", None if r is None else r >= 0.9)
        vis = self.info.get("visibility_ms")
        worst = max(vis) / 1000 if vis else None
        add("new comment visible through the edge", "< 2 s", worst, "{:.2f} s (max)",
            None if worst is None else worst < 2)  # fmt: skip
        for label, goal in (("cold read, 200 comments", 30), ("cold read, 5,000 comments", 60)):
            row = self.find(label)
            p50 = row.result.p50_ms if row else None
            add(f"{label} p50", f"< {goal} ms", p50, "{:.1f} ms",
                None if p50 is None else p50 < goal)  # fmt: skip
        post = self.find("post a comment")
        p50 = post.result.p50_ms if post else None
        add(f"post a comment p50 ({self.args.post_connections} connection(s), spam model on)",
            "<= 12 ms", p50, "{:.1f} ms", None if p50 is None else p50 <= 12)  # fmt: skip
        memory = self.info.get("app_memory_after")
        worker = memory["worker_rss_mib"] if memory else None
        add("app RSS per worker after the run", "<= 80 MiB", worker, "{:.0f} MiB",
            None if worker is None else worker <= 80)  # fmt: skip
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each row")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--post-connections", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="3-second rows")
    parser.add_argument("--no-alternatives", action="store_true",
                        help="skip the app under other servers")  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 3.0
    bench = Bench(args)
    t0 = time.perf_counter()
    try:
        bench.main()
    finally:
        for server in list(bench.started):
            bench.stop(server)
    print(f"bench finished in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
