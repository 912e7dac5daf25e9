"""Server-Sent Events: tell a page's open widgets that its thread changed.

Under ASGI (the events process behind the front door) a stream stays open, forwarding each
change published on the thread's Redis channel, with a heartbeat, for up to STREAM_SECONDS;
the browser then reconnects by itself. Under WSGI a sync worker must not be pinned by an idle
reader, so the stream answers at once with the thread's version and asks the browser to
reconnect in POLL_RETRY_MS: live updates degrade to cheap polling.

Events carry no comment content, only `{"type", "id", "version"}`: the widget refetches the
thread (a cached read, or a 304), so nothing held or private can travel this way. A page named
by URL and key listens on both (the thread may be found through either, see
`embed.cache.thread_idents`); its version is the two versions joined, so it moves with either.
"""

import asyncio
import json
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from redis.exceptions import RedisError
from rest_framework import exceptions

from core import keys
from core.errorpages import error_response
from core.errors import ErrorCode, error_body, validation_fields
from embed.api.common import page_params
from embed.cache import events_channel, thread_idents

STREAM_SECONDS = 300
HEARTBEAT_SECONDS = 15.0
LIVE_RETRY_MS = 3000
POLL_RETRY_MS = 10000


def _hello(version: str, retry_ms: int) -> str:
    return f"retry: {retry_ms}\nevent: hello\ndata: {json.dumps({'version': version})}\n\n"


async def _versions(client: aioredis.Redis, schema: str, idents: list[str]) -> dict[str, str]:
    try:
        values = await client.mget([keys.thread_version(schema, ident) for ident in idents])
    except RedisError:
        values = [None] * len(idents)
    return {
        ident: value.decode() if isinstance(value, bytes) else "0"
        for ident, value in zip(idents, values, strict=True)
    }


async def _live(schema: str, idents: list[str]) -> AsyncIterator[str]:
    client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)
    try:
        versions = await _versions(client, schema, idents)
        yield _hello(".".join(versions.values()), LIVE_RETRY_MS)
        pubsub = client.pubsub()
        channels = {events_channel(ident, schema): ident for ident in idents}
        try:
            await pubsub.subscribe(*channels)
        except RedisError:
            return  # the browser reconnects after `retry`
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_SECONDS
        while loop.time() < deadline:
            try:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=HEARTBEAT_SECONDS
                )
            except RedisError:
                return
            if message is None:
                yield ": ping\n\n"
                continue
            event = json.loads(message["data"])
            versions[channels[message["channel"].decode()]] = str(event.get("version", "0"))
            event["version"] = ".".join(versions.values())
            yield f"event: change\ndata: {json.dumps(event)}\n\n"
        await pubsub.aclose()
    finally:
        await client.aclose()


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
        response = StreamingHttpResponse(_live(schema, idents), content_type="text/event-stream")
    else:
        client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)
        try:
            version = ".".join((await _versions(client, schema, idents)).values())
        finally:
            await client.aclose()
        response = HttpResponse(_hello(version, POLL_RETRY_MS), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx must pass events through at once
    return response
