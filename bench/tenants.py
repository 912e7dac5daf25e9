"""`make bench-tenants`: provisioning time with many sites present, and whether the hot read
slows down when requests are spread over all of them.

Provisions BENCH_SITES (1,000) sites through the real signup service (`site_create`: schema
cloned from the template, domain, owner with a hashed password, settings), timing each; gives
each a 20-comment thread; then, with the shipped gunicorn configuration, compares the hot read
over one site with the hot read spread over every site (each request another site's host and
thread), and reports the memory of the app workers and of the PostgreSQL backends, and the
time of a `migrate_schemas` with nothing to apply over all the sites.

    make bench-tenants                            # 1,000 sites (about 10-15 minutes)
    make bench-tenants BENCH_ARGS="--sites 100"   # a shorter run
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from typing import Any
from urllib.parse import quote, urlsplit

from bench import env as bench_env_module
from bench import load, report, servers
from bench.env import (
    BENCH_TENANTS_REDIS_DB,
    RESULTS,
    bench_env,
    database_recreate,
    load_average,
    redis_client,
)
from bench.load import Req, percentile
from bench.report import Row

DATABASE = "palaver_bench_tenants"
ORIGIN = "https://www.tenant.example"
PAGE = f"{ORIGIN}/posts/hello"


def say(text: str) -> None:
    print(f"bench-tenants: {text}", file=sys.stderr, flush=True)


def slug_of(n: int) -> str:
    return f"site{n:05d}"


def title_of(n: int) -> str:
    return f"Post on {slug_of(n)}"


def isolation_check(port: int, count: int, sites: int, through: str) -> int:
    """Fetch `count` random sites' threads twice (the second from cache) and check that each
    answer is that site's own thread. Returns the number of checks made."""
    picks = random.Random(3).sample(range(sites), min(count, sites))
    path = f"/api/v1/thread?url={quote(PAGE, safe='')}"
    for _ in range(2):
        for n in picks:
            status, body, _ = load.fetch(Req(path, f"{slug_of(n)}.localhost"), port)
            marker = f'"title":"{title_of(n)}"'.encode()
            if status != 200 or marker not in body:
                raise SystemExit(
                    f"ISOLATION FAILURE through {through}: {slug_of(n)} got {body[:200]!r}"
                )
    return 2 * len(picks)


def provision(count: int) -> tuple[list[float], list[float]]:
    """Provision `count` sites; (seconds per site, of which hashing the owner's password)."""
    from django.contrib.auth import base_user
    from django.contrib.auth import models as auth_models
    from django.db import connection

    from tenants.services import site_create

    # Hashing the owner's password (PBKDF2, Django's default work factor) is part of a signup
    # but not of the schema work; time it apart so the two can be told from each other.
    hashing = [0.0]
    make_password = base_user.make_password  # type: ignore[attr-defined]

    def timed_make_password(*args: Any, **kwargs: Any) -> str:
        t0 = time.perf_counter()
        try:
            return make_password(*args, **kwargs)
        finally:
            hashing[0] += time.perf_counter() - t0

    for module in (base_user, auth_models):
        setattr(module, "make_password", timed_make_password)  # noqa: B010
    times: list[float] = []
    hashes: list[float] = []
    t_start = time.perf_counter()
    for n in range(count):
        hashing[0] = 0.0
        t0 = time.perf_counter()
        site_create(
            slug=slug_of(n),
            name=f"Site {n}",
            owner_email=f"owner@{slug_of(n)}.example",
            origins=[ORIGIN],
        )
        times.append(time.perf_counter() - t0)
        hashes.append(hashing[0])
        if (n + 1) % 100 == 0 or n + 1 == count:
            recent = times[-100:]
            say(
                f"{n + 1} sites, {time.perf_counter() - t_start:.0f} s; last 100: "
                f"p50 {statistics.median(recent) * 1000:.0f} ms, "
                f"p95 {percentile(recent, 95) * 1000:.0f} ms"
            )
    connection.close()
    for module in (base_user, auth_models):
        setattr(module, "make_password", make_password)  # noqa: B010
    return times, hashes


def stats_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "total_s": round(sum(values), 1),
        "count": len(values),
    }


def postgres_backends(database: str, local: bool) -> dict[str, Any]:
    """Memory of the PostgreSQL backends serving the bench database (when on this host)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    if not local:
        return {"processes": len(pids), "note": "database server not on this host"}
    return servers.memory_of(pids)


def noop_migrate_seconds(env: bench_env_module.BenchEnv) -> float:
    """Wall time of `manage.py migrate_schemas` in a fresh process when nothing is to apply,
    as an operator's deploy runs it (seconds)."""
    import subprocess

    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(bench_env_module.ROOT / "manage.py"), "migrate_schemas",
         "--noinput", "-v", "0"],
        env=env.process_env(), check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tenant-scale benchmark")
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--warm", type=float, default=30.0, help="seconds of reads over every site first"
    )
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    machine = report.machine()
    t_all = time.perf_counter()
    env = bench_env(DATABASE, BENCH_TENANTS_REDIS_DB)
    say(f"database {DATABASE}, Redis db {BENCH_TENANTS_REDIS_DB}; load {load_average():.2f}")
    database_recreate(env)
    redis_client(env).flushdb()
    bench_env_module.activate(env)
    from django.core.management import call_command

    from bench.seed import small_thread
    from tenants.services import schema_name_for

    call_command("migrate", interactive=False, verbosity=0)
    say(f"provisioning {args.sites} sites")
    times, hashes = provision(args.sites)
    provisioning: dict[str, Any] = dict(stats_ms(times))
    provisioning["last_100"] = stats_ms(times[-100:])
    schema_work = [t - h for t, h in zip(times, hashes, strict=True)]
    provisioning["without_hashing"] = stats_ms(schema_work)
    provisioning["without_hashing_last_100"] = stats_ms(schema_work[-100:])
    provisioning["hashing"] = stats_ms(hashes)
    rng = random.Random(7)
    t0 = time.perf_counter()
    for n in range(args.sites):
        small_thread(schema_name_for(slug_of(n)), PAGE, rng, title=title_of(n))
    say(f"seeded {args.sites} threads in {time.perf_counter() - t0:.0f} s")
    from django.db import connections

    connections.close_all()
    migrate_s = noop_migrate_seconds(env)
    say(f"no-op migrate_schemas over {args.sites} sites: {migrate_s:.1f} s")

    path = f"/api/v1/thread?url={quote(PAGE, safe='')}"
    hosts = [f"{slug_of(n)}.localhost" for n in range(args.sites)]
    one = [Req(path, hosts[0])]
    every = [Req(path, host) for host in hosts]
    random.Random(1).shuffle(every)
    started: list[servers.Server] = []
    rows: list[Row] = []
    try:
        app = servers.gunicorn("tenants-app", env, one[0], RESULTS / "logs")
        started.append(app)
        status, body, _ = load.fetch(one[0], app.port)
        if status != 200:
            raise SystemExit(f"hot read answered {status}")
        # Warm every site's payload in Redis and every worker's host, settings and payload
        # caches, as a deployment in its steady state has them: each worker has to meet each
        # site once (a host lookup and a settings query, ~2 ms), and requests land on workers
        # at random, so it takes many reads per site (see docs/performance.md).
        load.run(every, app.port, connections=args.connections, seconds=args.warm)
        checks = isolation_check(app.port, 100, args.sites, "the app")
        edge = servers.nginx(app.port, b"{}", RESULTS / "logs")
        if edge is not None:
            started.append(edge[0])
            checks += isolation_check(edge[1], 100, args.sites, "the nginx edge")
        say(f"isolation: {checks} reads, each answered with its own site's thread")
        for round_ in (1, 2):
            for label, variants in (("1 site", one), (f"{args.sites} sites", every)):
                res = load.run(
                    variants, app.port, connections=args.connections, seconds=args.seconds
                )
                res.note = f"round {round_}"
                rows.append(Row(f"hot read over {label}", "app", args.connections, res,
                                len(body)))  # fmt: skip
                say(f"{label}, round {round_}: {res.rps:,.0f} req/s, p50 {res.p50_ms:.2f} ms, "
                    f"p99 {res.p99_ms:.2f} ms, errors {res.errors}")  # fmt: skip
        app_memory = app.memory()
        db_host = urlsplit(env.database_url).hostname or ""
        local = env.embedded or db_host in ("", "localhost", "127.0.0.1") or "%2F" in db_host
        pg_memory = postgres_backends(DATABASE, local)
    finally:
        for server in started:
            server.stop()

    def p50_of(label: str) -> float:
        return statistics.mean(r.result.p50_ms for r in rows if r.name.endswith(label))

    one_p50, all_p50 = p50_of(" 1 site"), p50_of(f" {args.sites} sites")
    slowdown = all_p50 / one_p50 - 1 if one_p50 else 0.0
    print()
    print(
        report.table(
            [["provisioning, all sites", *_prov_cells(provisioning)],
             ["provisioning, last 100", *_prov_cells(provisioning["last_100"])],
             ["  without password hashing", *_prov_cells(provisioning["without_hashing"])],
             ["  same, last 100", *_prov_cells(provisioning["without_hashing_last_100"])],
             ["  password hashing alone", *_prov_cells(provisioning["hashing"])]],
            ["", "sites", "p50 ms", "p95 ms", "max ms", "total s"],
        )
    )  # fmt: skip
    print()
    print(report.table([r.cells() for r in rows], report.HEADER))
    print()
    print(f"hot-read p50 over {args.sites} sites vs 1 site: {all_p50:.2f} ms vs "
          f"{one_p50:.2f} ms ({slowdown:+.1%})")  # fmt: skip
    worker_rss = app_memory["worker_rss_mib"]
    print(f"app workers (gunicorn, {app_memory['processes']} processes): "
          f"RSS {app_memory['rss_mib']:.0f} MiB, PSS {app_memory['pss_mib']:.0f} MiB, "
          f"largest worker RSS {worker_rss:.0f} MiB")  # fmt: skip
    if "rss_mib" in pg_memory:
        rss, pss = pg_memory["rss_mib"], pg_memory["pss_mib"]
        print(f"PostgreSQL backends of {DATABASE} ({pg_memory['processes']}): "
              f"RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")  # fmt: skip
    p95_last = provisioning["last_100"]["p95_ms"]
    p95_schema = provisioning["without_hashing_last_100"]["p95_ms"]
    targets = [
        ["provisioning p95, last 100 sites", "< 1000 ms",
         f"{p95_last:.0f} ms", "yes" if p95_last < 1000 else "NO"],
        ["  the same without password hashing", "< 1000 ms",
         f"{p95_schema:.0f} ms", "yes" if p95_schema < 1000 else "NO"],
        [f"hot-read p50, {args.sites} sites vs 1", "within 15 %", f"{slowdown:+.1%}",
         "yes" if slowdown <= 0.15 else "NO"],
        [f"no-op migrate_schemas, {args.sites} sites", "< 60 s", f"{migrate_s:.1f} s",
         "yes" if migrate_s < 60 else "NO"],
        [f"app RSS per worker after {args.sites} sites", "<= 80 MiB", f"{worker_rss:.0f} MiB",
         "yes" if worker_rss <= 80 else "NO"],
    ]  # fmt: skip
    print()
    print(report.table(targets, ["target", "goal", "measured", "met"]))
    load_end = load_average()
    print(f"load average (1 min): {machine['load_1min_start']:.2f} at start, {load_end:.2f} at end")
    out = report.write_json(
        "bench-tenants",
        {
            "machine": {**machine, "load_1min_end": load_end},
            "sites": args.sites,
            "provisioning": provisioning,
            "provisioning_ms": [round(t * 1000, 1) for t in times],
            "password_hashing_ms": [round(t * 1000, 1) for t in hashes],
            "rows": [report.row_json(r) for r in rows],
            "hot_p50_ms": {"one_site": one_p50, "all_sites": all_p50, "slowdown": slowdown},
            "isolation_checks": checks,
            "noop_migrate_seconds": migrate_s,
            "app_memory": app_memory,
            "postgres_memory": pg_memory,
            "targets": [
                dict(zip(["target", "goal", "measured", "met"], t, strict=True)) for t in targets
            ],  # fmt: skip
        },
    )
    print(f"results: {out.relative_to(bench_env_module.ROOT)}")
    print(f"bench-tenants finished in {time.perf_counter() - t_all:.0f} s", file=sys.stderr)
    return 0


def _prov_cells(s: dict[str, Any]) -> list[str]:
    return [str(s["count"]), f"{s['p50_ms']:.0f}", f"{s['p95_ms']:.0f}", f"{s['max_ms']:.0f}",
            f"{s['total_s']:.1f}"]  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
