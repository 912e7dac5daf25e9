"""The bench's own environment: a database, a Redis database and a secret of its own.

With DATABASE_URL / REDIS_URL unset the embedded servers are started (or reused) and the
bench takes a database named `palaver_bench*` on the same PostgreSQL and the Redis database
BENCH_REDIS_DB (14; BENCH_TENANTS_REDIS_DB, 15, for the tenant bench) on the same Redis, so
it never touches the demo's or the tests' data.
With them set, the same names are used on those servers.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "14"))
BENCH_TENANTS_REDIS_DB = int(os.environ.get("BENCH_TENANTS_REDIS_DB", "15"))


@dataclass(frozen=True)
class BenchEnv:
    database_url: str  # the bench's own database
    admin_url: str  # the server's maintenance database, to create/drop the bench's one
    database_name: str
    redis_url: str
    embedded: bool

    def process_env(self, **extra: str) -> dict[str, str]:
        """The environment of every server the bench starts: production-like settings."""
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            DJANGO_SETTINGS_MODULE="palaver.settings",
            DEBUG="false",
            SECRET_KEY=SECRET_KEY,
            PALAVER_RATE_LIMITS="off",
            PALAVER_QUIET="1",
            LOG_LEVEL="WARNING",
            # The servers import the bench's own modules (bench.ceiling); palaver is installed.
            PYTHONPATH=str(ROOT),
            CELERY_TASK_ALWAYS_EAGER="true",
        )
        env.pop("TEST_DATABASE_NAME", None)
        env.update(extra)
        return env


# One secret per run: nothing signed by a bench run is worth anything afterwards.
SECRET_KEY = secrets.token_urlsafe(50)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _with_redis_db(url: str, db: int) -> str:
    base, _, query = url.partition("?")
    if base.startswith("unix://"):
        return f"{base}?db={db}"
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{db}")) + (f"?{query}" if query else "")


def bench_env(database_name: str, redis_db: int = BENCH_REDIS_DB) -> BenchEnv:
    """Start or find the services and name the bench's database and Redis db on them."""
    from palaver import devservices

    embedded = not os.environ.get("DATABASE_URL")
    os.environ.setdefault("PALAVER_QUIET", "1")
    server_url = devservices.database_url()
    redis_url = devservices.redis_url()
    admin_url = server_url if not embedded else _with_database(server_url, "postgres")
    return BenchEnv(
        database_url=_with_database(server_url, database_name),
        admin_url=admin_url,
        database_name=database_name,
        redis_url=_with_redis_db(redis_url, redis_db),
        embedded=embedded,
    )


def database_recreate(env: BenchEnv) -> None:
    """Drop and create the bench's database, so every run starts from the same state."""
    import psycopg

    from palaver.devservices import DATABASE_NAME

    if env.database_name in (DATABASE_NAME, urlsplit(env.admin_url).path.strip("/")):
        raise SystemExit(f"refusing to recreate {env.database_name}: not a bench database")
    with psycopg.connect(_libpq(env.admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{env.database_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{env.database_name}"')


def _libpq(url: str) -> str:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    values = {
        "dbname": cfg.get("NAME"),
        "host": cfg.get("HOST"),
        "port": cfg.get("PORT"),
        "user": cfg.get("USER"),
        "password": cfg.get("PASSWORD"),
    }
    return " ".join(f"{key}='{value}'" for key, value in values.items() if value)


def redis_client(env: BenchEnv):  # noqa: ANN201 - redis.Redis, imported lazily
    import redis

    return redis.Redis.from_url(env.redis_url)


def activate(env: BenchEnv) -> None:
    """Point this process's Django at the bench database and set it up."""
    os.environ.update(env.process_env())
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0
