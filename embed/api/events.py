"""Server-Sent Events: tell a page's open widgets that its thread changed.

Under ASGI (the events process behind the front door) a stream stays open, forwarding each
change published on the thread's Redis channel, with a heartbeat, for up to STREAM_SECONDS;
the browser then reconnects by itself. Under WSGI a sync worker must not be pinned by an idle
reader, so the stream answers at once with the thread's version and asks the browser to
reconnect in POLL_RETRY_MS: live updates degrade to cheap polling.

Events carry no comment content, only `{"type", "id", "version"}`: the widget refetches the
thread (a cached read, or a 304), so nothing held or private can travel this way.
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

from embed.api.common import page_url, thread_key
from embed.cache import thread_ident
from palaver.errors import ErrorCode, error_body, validation_fields

STREAM_SECONDS = 300
HEARTBEAT_SECONDS = 15.0
LIVE_RETRY_MS = 3000
POLL_RETRY_MS = 10000


def _hello(version: str, retry_ms: int) -> str:
    return f"retry: {retry_ms}\nevent: hello\ndata: {json.dumps({'version': version})}\n\n"


async def _version(client: aioredis.Redis, key: str) -> str:
    try:
        value = await client.get(key)
    except RedisError:
        return "0"
    return value.decode() if isinstance(value, bytes) else "0"


async def _live(prefix: str, ident: str) -> AsyncIterator[str]:
    client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)
    try:
        yield _hello(await _version(client, f"{prefix}:tv:{ident}"), LIVE_RETRY_MS)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(f"{prefix}:ev:{ident}")
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
            else:
                yield f"event: change\ndata: {message['data'].decode()}\n\n"
        await pubsub.aclose()
    finally:
        await client.aclose()


async def thread_events(request: HttpRequest) -> HttpResponseBase:
    try:
        key = thread_key(request.GET.get("key"))
        url = page_url(request.GET.get("url")) if request.GET.get("url") or not key else None
    except exceptions.ValidationError as exc:
        fields = validation_fields(exc.detail)
        body = error_body(ErrorCode.INVALID, next(iter(fields.values()))[0], fields)
        return HttpResponse(json.dumps(body), status=400, content_type="application/json")
    ident = thread_ident(url=url, key=key)
    prefix = f"palaver:{request.tenant.schema_name}"  # type: ignore[attr-defined]
    response: HttpResponseBase
    if isinstance(request, ASGIRequest):
        response = StreamingHttpResponse(_live(prefix, ident), content_type="text/event-stream")
    else:
        client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)
        try:
            version = await _version(client, f"{prefix}:tv:{ident}")
        finally:
            await client.aclose()
        response = HttpResponse(_hello(version, POLL_RETRY_MS), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx must pass events through at once
    return response
