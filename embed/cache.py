"""Hot-thread cache: ready JSON bytes in Redis, invalidated in O(1) by a per-thread version.

Keys carry the tenant's schema, so the same page URL on two sites never shares an entry; their
names and lifetimes come from core/keys.py (thread versions, payloads, counts, the generation
and the live-event channels).

`ident` is a digest of the thread's URL or site key. A write bumps the versions of both, so
every cached page of that thread is bypassed at once and left to expire. A read that names
both a URL and a key is cached under both idents and their versions (`thread_idents`).
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
from typing import NamedTuple

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

# One round trip for a hot read: the site's settings version, the versions of the idents the
# read depends on (KEYS[3..]), then the payload stored under them unless the worker already
# holds that version (ARGV[3]). An ident with no version yet (never written, or Redis lost its
# data) gets one from the clock (ARGV[4]), so no two states of a thread ever share a version;
# the key expires (ARGV[5]) like every other, so reads of pages that are never written leave
# nothing behind. The generation (KEYS[2]) moves when a write could not reach Redis, which
# makes every cached payload stale at once.
_HOT_READ = """
local site = redis.call('GET', KEYS[1]) or '0'
local parts = {}
for i = 3, #KEYS do
  local part = redis.call('GET', KEYS[i])
  if not part then
    part = ARGV[4]
    redis.call('SET', KEYS[i], part, 'EX', ARGV[5])
  end
  parts[#parts + 1] = part
end
local version = table.concat(parts, '.') .. 'g' .. (redis.call('GET', KEYS[2]) or '0')
if version == ARGV[3] then return {version, false, 1, site} end
return {version, redis.call('GET', ARGV[1] .. version .. ARGV[2]), 0, site}
"""
GENERATION_KEY = keys.GENERATION
_scripts: dict[int, object] = {}
# Set when this process wrote while Redis was unreachable: the thread it changed kept its
# version, so the next time Redis answers, every cached payload has to go.
_missed_bump = False
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


def _catch_up(conn: redis_lib.Redis) -> None:
    """After writes that missed Redis: a new generation, and no stale counts."""
    global _missed_bump
    if not _missed_bump:
        return
    conn.incr(GENERATION_KEY)
    for key in conn.scan_iter(match=keys.COUNTS_PATTERN, count=1000):
        conn.unlink(key)
    _missed_bump = False


def thread_ident(*, url: str | None, key: str | None) -> str:
    """The digest naming a thread's keys: of its site key if given, else of its URL."""
    raw = f"k:{key}" if key else f"u:{url}"
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def thread_idents(*, url: str | None, key: str | None) -> list[str]:
    """The idents whose versions a read of (url, key) depends on: the key's and the URL's.

    A read with both may resolve through either (`embed.selectors.thread_find`: a page whose
    thread has no key yet is found by URL), and `thread_changed` moves the versions of a
    thread's URL and key, so a payload cached under both is stale after any write that
    could change the answer.
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
    with the versions it was checked against."""
    conn = redis.client()
    if conn is None:
        return Hit("0", None, "0")
    schema = _schema()
    ident = "+".join(idents)
    local_key = f"{schema}:{ident}:{suffix}"
    held = _local.get(local_key)
    try:
        _catch_up(conn)
        script = _scripts.get(id(conn))
        if script is None:
            script = _scripts[id(conn)] = conn.register_script(_HOT_READ)
        raw_version, payload, current, raw_site = script(  # type: ignore[operator]
            keys=[
                keys.site_version(schema),
                GENERATION_KEY,
                *(keys.thread_version(schema, one) for one in idents),
            ],
            args=[
                keys.thread_payload_prefix(schema, ident),
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


def payload_put(idents: list[str], version: str, suffix: str, payload: bytes) -> None:
    schema = _schema()
    ident = "+".join(idents)
    key = keys.thread_payload(schema, ident, version, suffix)
    redis.call("set", key, payload, ex=PAYLOAD_TTL_SECONDS)
    _remember(f"{schema}:{ident}:{suffix}", version, payload)


def events_channel(ident: str, schema: str | None = None) -> str:
    """The pub/sub channel of a thread's live events, in `schema` (default: the current one),
    for the Redis database REDIS_URL names (core.keys.thread_events)."""
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
    global _missed_bump
    conn = redis.client()
    if conn is None:
        _missed_bump = True
        return
    try:
        _catch_up(conn)
        for start in range(0, len(threads), BUMP_PIPELINE):
            pipe = conn.pipeline(transaction=False)
            for url, key in threads[start : start + BUMP_PIPELINE]:
                _queue_bump(pipe, url=url, key=key)
            pipe.execute()
    except redis_lib.RedisError as exc:
        _missed_bump = True
        redis.trip(exc)


def _queue_bump(pipe: redis_lib.client.Pipeline, *, url: str, key: str | None) -> list[str]:
    """Queue the bumps of a thread's versions (by URL and by site key) and the drop of its
    count on `pipe`; the idents bumped. Each ident's new version is the second of its three
    replies."""
    schema = _schema()
    idents = [thread_ident(url=url, key=None)] + ([thread_ident(url=None, key=key)] if key else [])
    epoch = time.time_ns() // 1000
    for ident in idents:
        version_key = keys.thread_version(schema, ident)
        pipe.set(version_key, epoch, nx=True, ex=VERSION_TTL_SECONDS)
        pipe.incr(version_key)
        pipe.expire(version_key, VERSION_TTL_SECONDS)
    pipe.hdel(keys.counts(schema), url)
    return idents


def _thread_bump(*, url: str, key: str | None, event: dict | None = None) -> None:
    """Bump the thread's versions (by URL and by site key) now; see `thread_changed`."""
    global _missed_bump
    conn = redis.client()
    if conn is None:
        _missed_bump = True
        return
    try:
        _catch_up(conn)
        pipe = conn.pipeline(transaction=False)
        idents = _queue_bump(pipe, url=url, key=key)
        versions = pipe.execute()[1 : 3 * len(idents) : 3]
        if event is not None:
            pipe = conn.pipeline(transaction=False)
            for ident, version in zip(idents, versions, strict=True):
                message = json.dumps({**event, "version": str(version)})
                pipe.publish(events_channel(ident), message)
            pipe.execute()
    except redis_lib.RedisError as exc:
        _missed_bump = True
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
    """Make every cached payload and count of every site stale at once: for changes made
    behind the services' backs, such as a data migration that merges threads."""
    conn = redis.client()
    if conn is None:
        return
    try:
        conn.incr(GENERATION_KEY)
        for key in conn.scan_iter(match=keys.COUNTS_PATTERN, count=1000):
            conn.unlink(key)
    except redis_lib.RedisError as exc:
        redis.trip(exc)
