"""Hot-thread cache: ready JSON bytes in Redis, invalidated in O(1) by a per-thread version.

Keys carry the tenant's schema, so the same page URL on two sites never shares an entry:

    palaver:<schema>:tv:<ident>                                   thread version (INCR on write)
    palaver:<schema>:tp:<ident>:<version>:<site version>:<sort>:<cursor>   payload (etag\\nbody)
    palaver:<schema>:counts                                       hash: page URL -> count

`ident` is a digest of the thread's URL or site key. A write bumps the version, so every
cached page of that thread is bypassed at once and left to expire. Reader-specific data
never enters these payloads.
"""

import hashlib
import json

import redis as redis_lib

from embed import redis
from tenants.db import current_schema

PAYLOAD_TTL_SECONDS = 3600
COUNTS_TTL_SECONDS = 24 * 3600

# One round trip for a hot read: the version, then the payload stored under it.
_HOT_READ = """
local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('GET', ARGV[1] .. version .. ARGV[2])}
"""
_scripts: dict[int, object] = {}


def thread_ident(*, url: str | None, key: str | None) -> str:
    raw = f"k:{key}" if key else f"u:{url}"
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def _prefix() -> str:
    return f"palaver:{current_schema()}"


def payload_get(ident: str, suffix: str) -> tuple[str, bytes | None]:
    """(thread version, cached payload or None). Version '0' when Redis is down."""
    conn = redis.client()
    if conn is None:
        return "0", None
    prefix = _prefix()
    try:
        script = _scripts.get(id(conn))
        if script is None:
            script = _scripts[id(conn)] = conn.register_script(_HOT_READ)
        version, payload = script(  # type: ignore[operator]
            keys=[f"{prefix}:tv:{ident}"], args=[f"{prefix}:tp:{ident}:", f":{suffix}"]
        )
    except redis_lib.RedisError as exc:
        redis.trip(exc)
        return "0", None
    return version.decode() if isinstance(version, bytes) else str(version), payload


def payload_put(ident: str, version: str, suffix: str, payload: bytes) -> None:
    key = f"{_prefix()}:tp:{ident}:{version}:{suffix}"
    redis.call("set", key, payload, ex=PAYLOAD_TTL_SECONDS)


def events_channel(ident: str) -> str:
    return f"{_prefix()}:ev:{ident}"


def thread_bump(*, url: str, key: str | None, event: dict | None = None) -> None:
    """Invalidate every cached page of a thread, by URL and by site key, and tell the live
    readers of the thread what changed (`event`, only for changes everyone may see)."""
    conn = redis.client()
    if conn is None:
        return
    prefix = _prefix()
    idents = [thread_ident(url=url, key=None)] + ([thread_ident(url=None, key=key)] if key else [])
    try:
        pipe = conn.pipeline(transaction=False)
        for ident in idents:
            pipe.incr(f"{prefix}:tv:{ident}")
        pipe.hdel(f"{prefix}:counts", url)
        versions = pipe.execute()[: len(idents)]
        if event is not None:
            pipe = conn.pipeline(transaction=False)
            for ident, version in zip(idents, versions, strict=True):
                message = json.dumps({**event, "version": str(version)})
                pipe.publish(events_channel(ident), message)
            pipe.execute()
    except redis_lib.RedisError as exc:
        redis.trip(exc)


def thread_version(ident: str) -> str:
    version = redis.call("get", f"{_prefix()}:tv:{ident}")
    return version.decode() if isinstance(version, bytes) else "0"


def counts_get(urls: list[str]) -> list[int | None]:
    if not urls:
        return []
    values = redis.call("hmget", f"{_prefix()}:counts", urls)
    if values is None:
        return [None] * len(urls)
    return [int(value) if value is not None else None for value in values]


def counts_put(counts: dict[str, int]) -> None:
    if not counts:
        return
    key = f"{_prefix()}:counts"
    conn = redis.client()
    if conn is None:
        return
    try:
        pipe = conn.pipeline(transaction=False)
        pipe.hset(key, mapping=counts)  # type: ignore[arg-type]
        pipe.expire(key, COUNTS_TTL_SECONDS)
        pipe.execute()
    except redis_lib.RedisError as exc:
        redis.trip(exc)
