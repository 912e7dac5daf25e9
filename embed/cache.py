"""Hot-thread cache: ready JSON bytes in Redis, invalidated in O(1) by a per-thread version.

Keys carry the tenant's schema, so the same page URL on two sites never shares an entry; their
names and lifetimes come from core/keys.py (thread versions, payloads, counts, the per-shard
copies of the settings version and generation, and the live-event channels). Every script
and pipeline here keeps to the slots core.keys lays out, so the cache runs unchanged on one
Redis server or on a Redis Cluster (REDIS_CLUSTER_URL): a hot read is one script in one slot.

`ident` is a digest of the thread's URL or site key. A write bumps the versions of both, so
every cached page of that thread is bypassed at once and left to expire. A read that names
both a URL and a key is cached in the key's shard under the key's version; the writes that
could change its answer without touching the key (those to the URL's keyless thread) bump
the key too, through the set of keys read with that URL (`thread_idents`, `fill_begin`).
Reader-specific data never enters these payloads. Writes never call Redis themselves: they
call `thread_changed`, which runs the bump once their transaction has committed
(core.effects).

Each worker also keeps the payloads it served last. A hot read still asks Redis for the
thread's version, but when the worker's copy is of that version Redis sends back only the
version, not the payload: a few bytes instead of a hundred kilobytes per read. Versions start
from the clock when a thread's version key is (re)created, so they never repeat, even after
Redis loses its data, and an old copy can never pass for a current one.

Every key expires or is bounded, so reads of pages nobody writes to (unknown URLs included)
cannot grow Redis without end. A version key lives VERSION_TTL_SECONDS after its last write
(or after the read that created it). Letting it expire is safe because versions come from the
clock: the key is recreated with the current time in microseconds, far above any version the
old key reached (that would take one write per microsecond of its life). It is kept much longer
than PAYLOAD_TTL_SECONDS all the same, so that by the time a version key can be recreated every
payload stored under its old versions is long gone from Redis, and a version could only repeat
between two servers whose clocks are a week apart.
"""

import hashlib
import json
import threading
import time
from collections import OrderedDict
from typing import Any, NamedTuple

import redis as redis_lib

from core import keys, redis
from core.effects import after_commit
from core.tenancy import current_schema

# Key names and lifetimes come from core/keys.py; VERSION_TTL_SECONDS is kept far above
# PAYLOAD_TTL_SECONDS there, for the reason this module's docstring gives.
PAYLOAD_TTL_SECONDS = keys.PAYLOAD_TTL_SECONDS
VERSION_TTL_SECONDS = keys.VERSION_TTL_SECONDS
COUNTS_TTL_SECONDS = keys.COUNTS_TTL_SECONDS
COUNTS_MAX_FIELDS = 50_000  # a site's counts hash is dropped and refilled past this many pages

LOCAL_COPY_BYTES = 32 * 1024 * 1024  # what each worker may keep of payloads it served

# One round trip to one slot for a hot read (core.keys explains the layout): the shard's copy
# of the site's settings version and generation (KEYS[1]), the version of the thread the read
# depends on (KEYS[2]), then the payload stored under them unless the worker already holds
# that version (ARGV[3]). The payload's key is built here from its prefix (ARGV[1]) and
# suffix (ARGV[2]); it shares the thread's hash tag, so it lives in the same slot. A thread
# with no version yet (never written, or Redis lost its data) gets one from the clock
# (ARGV[4]), so no two states of a thread ever share a version; the key expires (ARGV[5]) like
# every other, so reads of pages that are never written leave nothing behind. The generation
# moves when a write to the site could not reach Redis, which makes every cached payload of
# the site stale at once.
_HOT_READ = """
local stamp = redis.call('HMGET', KEYS[1], 'v', 'g')
local part = redis.call('GET', KEYS[2])
if not part then
  part = ARGV[4]
  redis.call('SET', KEYS[2], part, 'EX', ARGV[5])
end
local version = part .. 'g' .. (stamp[2] or '0')
local site = stamp[1] or '0'
if version == ARGV[3] then return {version, false, 1, site} end
return {version, redis.call('GET', ARGV[1] .. version .. ARGV[2]), 0, site}
"""
_scripts: dict[int, object] = {}  # by client: a script runs on the client it was made for
# The sites this process wrote to while Redis was unreachable: the threads it changed kept
# their versions, so the next time Redis answers, every cached payload of those sites has to go.
_missed_sites: set[str] = set()
_local: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
_local_lock = threading.Lock()
_local_bytes = 0


def _remember(key: str, version: str, payload: bytes) -> None:
    """Keep a payload, dropping the least recently stored ones past LOCAL_COPY_BYTES."""
    global _local_bytes
    with _local_lock:
        old = _local.pop(key, None)
        if old is not None:
            _local_bytes -= len(old[1])
        _local[key] = (version, payload)
        _local_bytes += len(payload)
        while _local_bytes > LOCAL_COPY_BYTES and len(_local) > 1:
            _, (_, dropped) = _local.popitem(last=False)
            _local_bytes -= len(dropped)


def local_forget() -> None:
    global _local_bytes
    with _local_lock:
        _local.clear()
        _local_bytes = 0


def _catch_up(conn: redis.Client) -> None:
    """After writes that missed Redis: a new generation, and no stale counts, for each site
    they were made on."""
    for schema in list(_missed_sites):
        _site_stale(conn, schema)  # a RedisError leaves the site marked, for the next time
        _missed_sites.discard(schema)


def _site_stale(conn: redis.Client, schema: str) -> None:
    """Move the site's generation in every shard and drop its counts."""
    pipe = conn.pipeline(transaction=False)
    for stamp in keys.site_stamps(schema):
        pipe.hincrby(stamp, "g", 1)
        pipe.expire(stamp, keys.SITE_VERSION_TTL_SECONDS)
    pipe.unlink(keys.counts(schema))
    pipe.execute()


def _missed(schema: str) -> None:
    _missed_sites.add(schema)


def thread_ident(*, url: str | None, key: str | None) -> str:
    """The digest naming a thread's keys: of its site key if given, else of its URL."""
    raw = f"k:{key}" if key else f"u:{url}"
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def thread_idents(*, url: str | None, key: str | None) -> list[str]:
    """The idents a read of (url, key) depends on: the key's, then the URL's.

    A read with both may resolve through either (`embed.selectors.thread_find`: a page whose
    thread has no key yet is found by URL). Its cached pages live in the key's shard and are
    checked against the key's version alone, which is one slot; writes to the URL's thread
    move the key's version too, for every key registered as read with that URL
    (`fill_begin`, `thread_changed`).
    """
    idents = [thread_ident(url=None, key=key)] if key else []
    if url:
        idents.append(thread_ident(url=url, key=None))
    return idents


def _schema() -> str:
    return current_schema()


class Hit(NamedTuple):
    version: str  # the thread's version ('0' when unknown)
    payload: bytes | None  # the cached payload, if there is one for that version
    site_version: str  # the site settings' version in Redis ('0' when unknown)


def payload_get(idents: list[str], suffix: str) -> Hit:
    """The cached payload of a read depending on `idents` (`thread_idents`) for `suffix`,
    with the versions it was checked against: one script, in the first ident's slot."""
    conn = redis.client()
    if conn is None:
        return Hit("0", None, "0")
    schema = _schema()
    local_key = f"{schema}:{'+'.join(idents)}:{suffix}"
    held = _local.get(local_key)
    try:
        _catch_up(conn)
        script = _scripts.get(id(conn))
        if script is None or script.registered_client is not conn:  # type: ignore[attr-defined]
            script = _scripts[id(conn)] = conn.register_script(_HOT_READ)
        raw_version, payload, current, raw_site = script(  # type: ignore[operator]
            keys=[
                keys.site_stamp(schema, keys.shard(idents[0])),
                keys.thread_version(schema, idents[0]),
            ],
            args=[
                keys.thread_payload_prefix(schema, idents),
                f":{suffix}",
                held[0] if held else "",
                str(time.time_ns() // 1000),
                str(VERSION_TTL_SECONDS),
            ],
        )
    except redis_lib.RedisError as exc:
        redis.trip(exc)
        return Hit("0", None, "0")
    version = raw_version.decode() if isinstance(raw_version, bytes) else str(raw_version)
    site_version = raw_site.decode() if isinstance(raw_site, bytes) else str(raw_site)
    if current == 1 and held is not None:
        return Hit(version, held[1], site_version)
    if payload is not None:
        _remember(local_key, version, payload)
    return Hit(version, payload, site_version)


def fill_begin(idents: list[str]) -> None:
    """Call before building a page of a read by key and URL from the database: registers the
    key with the URL, so that from now on a write to the URL's thread moves the key's version
    too (the page may have been built from that thread). Registering before the database
    read is what makes it safe: a write that commits after the read bumps the key; one that
    committed before it is in what the read sees. Reads of one ident need nothing."""
    if len(idents) < 2:
        return
    conn = redis.client()
    if conn is None:
        return
    readers = keys.thread_readers(_schema(), idents[1])
    try:
        pipe = conn.pipeline(transaction=False)
        pipe.sadd(readers, idents[0])
        pipe.expire(readers, keys.READERS_TTL_SECONDS)
        pipe.execute()
    except redis_lib.RedisError as exc:
        redis.trip(exc)


def payload_put(idents: list[str], version: str, suffix: str, payload: bytes) -> None:
    schema = _schema()
    key = keys.thread_payload(schema, idents, version, suffix)
    redis.call("set", key, payload, ex=PAYLOAD_TTL_SECONDS)
    _remember(f"{schema}:{'+'.join(idents)}:{suffix}", version, payload)


def events_channel(ident: str, schema: str | None = None) -> str:
    """The pub/sub channel of a thread's live events, in `schema` (default: the current one),
    for the hot store's Redis database (core.keys.thread_events)."""
    return keys.thread_events(schema or _schema(), ident, redis.database())


def thread_changed(*, url: str, key: str | None, event: dict | None = None) -> None:
    """Invalidate every cached page and the count of the thread of page `url` (and site key
    `key`), and tell its live readers what changed (`event`, only for changes everyone may
    see), once the current transaction commits. The one way writes reach the thread cache:
    see core.effects."""
    after_commit(lambda: _thread_bump(url=url, key=key, event=event))


def threads_changed(threads: list[tuple[str, str | None]]) -> None:
    """`thread_changed` for many threads, (url, key) each, without live events: their
    versions move in a few pipelined round trips once the transaction commits (an import
    touches thousands of threads)."""
    if threads:
        after_commit(lambda: _threads_bump(threads))


BUMP_PIPELINE = 500  # threads per round trip in `threads_changed`


def _threads_bump(threads: list[tuple[str, str | None]]) -> None:
    conn = redis.client()
    schema = _schema()
    if conn is None:
        _missed(schema)
        return
    try:
        _catch_up(conn)
        for start in range(0, len(threads), BUMP_PIPELINE):
            pipe = conn.pipeline(transaction=False)
            ends: list[int] = []  # where each thread's replies end: the last is its SMEMBERS
            for url, key in threads[start : start + BUMP_PIPELINE]:
                idents = _queue_bump(pipe, schema=schema, url=url, key=key)
                ends.append((ends[-1] if ends else 0) + 3 * len(idents) + 2)
            replies = pipe.execute()
            _bump_readers(conn, schema, [replies[end - 1] for end in ends])
    except redis_lib.RedisError as exc:
        _missed(schema)
        redis.trip(exc)


def _queue_version_bump(pipe: Any, schema: str, ident: str) -> None:
    version_key = keys.thread_version(schema, ident)
    pipe.set(version_key, time.time_ns() // 1000, nx=True, ex=VERSION_TTL_SECONDS)
    pipe.incr(version_key)
    pipe.expire(version_key, VERSION_TTL_SECONDS)


def _queue_bump(pipe: Any, *, schema: str, url: str, key: str | None) -> list[str]:
    """Queue the bumps of a thread's versions (by URL and by site key), the drop of its count
    and the read of the keys registered with its URL on `pipe`; the idents bumped. That is
    three replies per ident (the new version is the second), then the HDEL's and, last,
    the SMEMBERS'."""
    url_ident = thread_ident(url=url, key=None)
    idents = [url_ident] + ([thread_ident(url=None, key=key)] if key else [])
    for ident in idents:
        _queue_version_bump(pipe, schema, ident)
    pipe.hdel(keys.counts(schema), url)
    pipe.smembers(keys.thread_readers(schema, url_ident))
    return idents


def _bump_readers(conn: redis.Client, schema: str, registered: list[set[bytes]]) -> None:
    """Bump the versions of the site keys read together with URLs just written to."""
    idents = {ident.decode() for found in registered for ident in found}
    if not idents:
        return
    pipe = conn.pipeline(transaction=False)
    for ident in idents:
        _queue_version_bump(pipe, schema, ident)
    pipe.execute()


def _thread_bump(*, url: str, key: str | None, event: dict | None = None) -> None:
    """Bump the thread's versions (by URL and by site key) now; see `thread_changed`."""
    conn = redis.client()
    schema = _schema()
    if conn is None:
        _missed(schema)
        return
    try:
        _catch_up(conn)
        pipe = conn.pipeline(transaction=False)
        idents = _queue_bump(pipe, schema=schema, url=url, key=key)
        replies = pipe.execute()
        _bump_readers(conn, schema, [replies[-1]])
        if event is not None:
            pipe = conn.pipeline(transaction=False)
            for ident, version in zip(idents, replies[1:6:3], strict=False):
                message = json.dumps({**event, "version": str(version)})
                redis.publish(pipe, events_channel(ident, schema), message)
            pipe.execute()
    except redis_lib.RedisError as exc:
        _missed(schema)
        redis.trip(exc)


def thread_version(ident: str) -> str:
    version = redis.call("get", keys.thread_version(_schema(), ident))
    return version.decode() if isinstance(version, bytes) else "0"


def counts_get(urls: list[str]) -> list[int | None]:
    if not urls:
        return []
    values = redis.call("hmget", keys.counts(_schema()), urls)
    if values is None:
        return [None] * len(urls)
    return [int(value) if value is not None else None for value in values]


def counts_put(counts: dict[str, int]) -> None:
    if not counts:
        return
    key = keys.counts(_schema())
    conn = redis.client()
    if conn is None:
        return
    try:
        pipe = conn.pipeline(transaction=False)
        pipe.hset(key, mapping=counts)  # type: ignore[arg-type]
        pipe.expire(key, COUNTS_TTL_SECONDS)
        pipe.hlen(key)
        if pipe.execute()[-1] > COUNTS_MAX_FIELDS:
            # Index pages may ask for any URL; start over rather than grow without bound.
            conn.unlink(key)
    except redis_lib.RedisError as exc:
        redis.trip(exc)


def everything_stale() -> None:
    """Make every cached payload and count of the current site stale at once: for changes
    made behind the services' backs, such as a data migration that merges threads (it runs
    once per site)."""
    conn = redis.client()
    if conn is None:
        _missed(_schema())
        return
    try:
        _site_stale(conn, _schema())
    except redis_lib.RedisError as exc:
        _missed(_schema())
        redis.trip(exc)
