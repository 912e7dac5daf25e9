"""Reads from a PostgreSQL hot standby, never staler than the site's last acknowledged write.

With `DATABASE_REPLICA_URL` set (settings.py), the alias `replica` names a streaming standby
of `default`. `ReplicaRouter` sends a read there only when all of these hold:

- it runs in a request with a safe method (GET, HEAD, OPTIONS) that `ReplicaMiddleware` has
  opened a replica scope for. Tasks, commands and unsafe requests read from the primary:
  they read in order to write;
- it is not inside a transaction on the primary (`atomic()` reads what it is about to write);
- the standby has replayed the site's last write. Every write records the primary's WAL
  position (LSN) in Redis before its side effects run (`write_recorded`, called by
  `core.effects.after_commit` and after every unsafe request), and a scope compares it with
  the standby's replay position (`pg_last_wal_replay_lsn()`) before its first replica read.
  So a reader sees their own comment at once, and a cache fill after a write is never built
  from a standby that has not replayed it: the fill runs after the reader saw the new thread
  version, which is bumped only after the LSN was recorded (`fresh_reads` re-checks there).

A standby that cannot be reached is skipped for `REPLICA_RETRY_SECONDS`: reads go to the
primary meanwhile. Which schema a query runs in follows the primary: palaver.db's wrapper
sets the site on every alias when it is set on `default`, so a request, a task or a
`schema_context` reads the same site on the standby.

Measured faults this design avoids (issue tracker, PostgreSQL 15 `pg_basebackup -R`): a
replica alias left on `public` answered a site's login with platform users, and 12 of 200
reads right after a write missed it.
"""

import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis as redis_lib
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from core import keys, redis
from core.tenancy import current_schema

log = logging.getLogger(__name__)
REPLICA = "replica"
REPLICA_RETRY_SECONDS = 5.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LSN_TTL_SECONDS = 3600  # a standby further behind than this is broken, not lagging

# Keeps the greater of the stored and the given WAL position (bytes since 0/0).
_MAX_LSN = """
local stored = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > stored then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1
"""

# None: no replica scope (read the primary). "undecided": decide at the first read.
_scope: contextvars.ContextVar[str | None] = contextvars.ContextVar("replica_scope", default=None)
_down_until = 0.0


def configured() -> bool:
    """True when settings name a replica alias."""
    return REPLICA in settings.DATABASES


def lsn_of(sql: str, alias: str) -> int | None:
    """Run `sql`, which selects one pg_lsn, on `alias`; its position in bytes (None if null)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT ({sql}) - '0/0'::pg_lsn")  # noqa: S608 - our own constant SQL
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


def write_recorded(schema: str | None = None) -> None:
    """Record that `schema` (default: the current site) has a committed write: store the
    primary's current WAL position, in bytes, as the site's last write (the greater value
    wins). A no-op without a replica; a Redis or database failure is logged, not raised."""
    if not configured():
        return
    schema = schema or current_schema()
    try:
        position = lsn_of("pg_current_wal_lsn()", DEFAULT_DB_ALIAS)
    except DatabaseError as exc:
        log.warning("could not read the write position of %s: %s", schema, exc)
        return
    conn = redis.client()
    if conn is None or position is None:
        return
    try:
        conn.eval(_MAX_LSN, 1, keys.site_write_lsn(schema), position, LSN_TTL_SECONDS)
    except redis_lib.RedisError as exc:
        redis.trip(exc)


def _caught_up(schema: str) -> bool:
    """True when the standby has replayed the site's last recorded write (and is reachable)."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    raw = redis.call("get", keys.site_write_lsn(schema))
    if raw is None and redis.client() is None:
        return False  # Redis is down: we cannot know what the site wrote last
    try:
        replayed = lsn_of("pg_last_wal_replay_lsn()", REPLICA)
    except DatabaseError as exc:
        _down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        log.warning("the replica is unreachable; reading the primary: %s", exc)
        return False
    if replayed is None:
        return True  # promoted: it is a primary now, with every write it acknowledged
    return raw is None or replayed >= int(raw)


def read_alias() -> str:
    """The alias the next read should use (see the module docstring)."""
    scope = _scope.get()
    if scope is None or not configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if scope == "undecided":
        scope = REPLICA if _caught_up(current_schema()) else DEFAULT_DB_ALIAS
        _scope.set(scope)
    return scope


@contextmanager
def replica_scope() -> Iterator[None]:
    """Let the reads in the block use the replica (when it has caught up)."""
    token = _scope.set("undecided")
    try:
        yield
    finally:
        _scope.reset(token)


def fresh_reads() -> None:
    """Decide again, at the next read, whether the replica has caught up: call it after
    reading a cache version and before building what is cached under it."""
    if _scope.get() is not None:
        _scope.set("undecided")


class ReplicaRouter:
    """Django database router: reads per `read_alias`, writes and migrations on `default`."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the standby holds the primary's very rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # a standby replays the primary's DDL


class ReplicaMiddleware:
    """Opens a replica scope for safe requests; records the site's write after unsafe ones.

    Place it after the tenant middleware: the site must be known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        if request.method in SAFE_METHODS:
            with replica_scope():
                return self.get_response(request)
        try:
            return self.get_response(request)
        finally:
            # Also covers writes with no side effects to run after COMMIT.
            write_recorded()
