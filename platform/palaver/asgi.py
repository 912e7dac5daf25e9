"""ASGI entry point: the events process, which holds the long-lived Server-Sent Events streams
(`uvicorn palaver.asgi:application`; the request/response API runs under WSGI)."""

import os
from typing import Any

import django
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palaver.settings")


class StreamsHandler(ASGIHandler):
    """Django's ASGI handler without a thread of its own for each request.

    Django runs every ASGI request in its own `ThreadSensitiveContext`, so a request that calls
    synchronous code (our middleware: tenant, security, CORS) gets an executor thread of its
    own for as long as the request lasts. For an event stream that is its whole life: 5,000
    open streams held 5,000 idle threads (memory, and time to start each). Without the
    context, that synchronous code runs in asgiref's one shared thread, one call at a time, as
    under a synchronous worker; the streams themselves are plain asyncio.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)


django.setup(set_prefix=False)
application = StreamsHandler()
