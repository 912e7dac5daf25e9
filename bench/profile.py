"""Where a hot read's time goes: the WSGI application called in-process, timed and profiled.

    .venv/bin/python -m bench.profile [--requests 3000] [--path /api/v1/thread?url=...]

Runs against the database `make bench` left (palaver_bench); seeds it if it is empty. No
server and no network: what remains is Django, the middleware, the view and one Redis call.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from typing import Any
from urllib.parse import quote

from bench import env as bench_env_module
from bench.env import bench_env


def environ_for(path: str, host: str, **headers: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--path", default=None)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--app", default="palaver.wsgi:application", help="module:attribute")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    env = bench_env("palaver_bench")
    bench_env_module.activate(env)
    from django.core.management import call_command
    from django.db import connection

    from bench import seed
    from tenants.models import Tenant

    call_command("migrate", interactive=False, verbosity=0)
    if not Tenant.objects.filter(slug=seed.SLUG).exists():
        seed.seed()
    connection.close()
    import importlib

    module, _, attribute = args.app.partition(":")
    application = getattr(importlib.import_module(module), attribute)

    path = args.path or f"/api/v1/thread?url={quote(seed.HOT_URL, safe='')}"
    host = f"{seed.SLUG}.localhost"
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: object) -> Any:
        statuses.append(status)
        return None

    def one() -> int:
        result = application(environ_for(path, host), start_response)
        size = sum(len(chunk) for chunk in result)
        if hasattr(result, "close"):
            result.close()
        return size

    for _ in range(50):
        size = one()
    if not statuses[-1].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[-1]}")
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        one()
    per = (time.perf_counter() - t0) / args.requests
    cpu = (time.process_time() - c0) / args.requests
    print(f"{path}\n{size:,} bytes; {per * 1e6:.0f} µs per request in-process, of which "
          f"{cpu * 1e6:.0f} µs CPU in this process ({1 / per:,.0f} req/s on one core)")  # fmt: skip
    if args.no_profile:
        return 0
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        one()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
