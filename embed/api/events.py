"""Server-Sent Events: tell a page's open widgets that its thread changed.

Under ASGI (the events process behind the front door) a stream stays open, forwarding each
change published on the thread's Redis channel, with a heartbeat, for up to STREAM_SECONDS;
the browser then reconnects by itself. Every stream of the process listens through the
process's subscriber connections (`live_hub`: one per Redis server), not a connection each.
Each event's `id` is the thread's version:
a browser that reconnects sends the last one back (Last-Event-ID), and a stream whose version
moved meanwhile tells it at once to refetch (a `resync` change). Under WSGI a sync worker
must not be pinned by an idle reader, so the stream answers at once with the thread's
version and asks the browser to reconnect in POLL_RETRY_MS: live updates degrade to cheap
polling. When the events process listens on a port of its own (EVENTS_PORT, no proxy in
front), that answer's `hello` also names the stream's URL there (`stream`), and the widget
moves to it.

Events carry no comment content, only `{"type", "id", "version"}`: the widget refetches the
thread (a cached read, or a 304), so nothing held or private can travel this way. A page named
by URL and key listens on both (the thread may be found through either, see
`embed.cache.thread_idents`); its version is the two versions joined, so it moves with either.
"""

import asyncio
import json
from collections.abc import AsyncIterator

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.request import split_domain_port
from django.http.response import HttpResponseBase
from redis.exceptions import RedisClusterException, RedisError
from rest_framework import exceptions

from core import keys, redis
from core.errorpages import error_response
from core.errors import ErrorCode, error_body, validation_fields
from embed.api import live_hub
from embed.api.common import page_params
from embed.cache import events_channel, thread_idents

STREAM_SECONDS = 300
LIVE_RETRY_MS = 3000
POLL_RETRY_MS = 10000


def _hello(version: str, retry_ms: int, stream: str | None = None) -> str:
    data = json.dumps({"version": version, **({"stream": stream} if stream else {})})
    return f"retry: {retry_ms}\nid: {version}\nevent: hello\ndata: {data}\n\n"


async def _versions(client: redis.AsyncClient, schema: str, idents: list[str]) -> dict[str, str]:
    # One GET per ident: a URL's and a key's versions may live in different slots.
    try:
        values = await asyncio.gather(
            *(client.get(keys.thread_version(schema, ident)) for ident in idents)
        )
    except (RedisError, RedisClusterException):
        values = [None] * len(idents)
    return {
        ident: value.decode() if isinstance(value, bytes) else "0"
        for ident, value in zip(idents, values, strict=True)
    }


async def _live(schema: str, idents: list[str], last_seen: str | None) -> AsyncIterator[bytes]:
    # Listening before the versions are read: a change in between is then both in the hello's
    # version and in the queue (one refetch too many), never lost between the two.
    channels = {events_channel(ident, schema): ident for ident in idents}
    hub = live_hub.hub()
    try:
        listener: live_hub.Listener | None = await hub.listen(list(channels))
    except (RedisError, RedisClusterException, OSError, TimeoutError):
        listener = None  # the hello still goes out; the browser reconnects after `retry`
    try:
        versions = await _versions(hub.client, schema, idents)
        version = ".".join(versions.values())
        yield _hello(version, LIVE_RETRY_MS).encode()
        if last_seen and last_seen != version:
            # The browser reconnected having seen an older version: it missed something.
            yield live_hub.change_text({"type": "resync", "version": version})
        if listener is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_SECONDS
        while loop.time() < deadline:
            message = await listener.queue.get()
            if message is live_hub.CLOSED:
                return
            if message.event is None or len(idents) == 1:
                yield message.text  # a heartbeat, or the event as the hub wrote it
                continue
            # A page found by URL and by key: its version is the two joined.
            versions[channels[message.channel]] = str(message.event["version"])
            yield live_hub.change_text({**message.event, "version": ".".join(versions.values())})
    finally:
        if listener is not None:
            hub.leave(listener)


async def thread_events(request: HttpRequest) -> HttpResponseBase:
    if request.method not in ("GET", "HEAD"):
        refused = error_response(
            request,
            status=405,
            code=ErrorCode.METHOD_NOT_ALLOWED,
            message=f'Method "{request.method}" not allowed.',
        )
        refused["Allow"] = "GET, HEAD"
        return refused
    try:
        url, key = page_params(request.GET)
    except exceptions.ValidationError as exc:
        fields = validation_fields(exc.detail)
        body = error_body(ErrorCode.INVALID, next(iter(fields.values()))[0], fields)
        return HttpResponse(json.dumps(body), status=400, content_type="application/json")
    idents = thread_idents(url=url, key=key)
    schema = request.tenant.schema_name  # type: ignore[attr-defined]
    response: HttpResponseBase
    if isinstance(request, ASGIRequest):
        last_seen = request.headers.get("Last-Event-ID")
        stream = _live(schema, idents, last_seen)
        response = StreamingHttpResponse(stream, content_type="text/event-stream")
    else:
        client = redis.async_client()
        try:
            version = ".".join((await _versions(client, schema, idents)).values())
        finally:
            await client.aclose()
        elsewhere = None
        if settings.EVENTS_PORT:
            # No proxy in front (the demo): the events process listens on its own port. Not
            # a redirect: a browser following a cross-origin redirect sends `Origin: null`,
            # which the site's CORS check rightly refuses.
            host, _ = split_domain_port(request.get_host())
            path = request.get_full_path()
            elsewhere = f"{request.scheme}://{host}:{settings.EVENTS_PORT}{path}"
        response = HttpResponse(
            _hello(version, POLL_RETRY_MS, elsewhere), content_type="text/event-stream"
        )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx must pass events through at once
    return response
