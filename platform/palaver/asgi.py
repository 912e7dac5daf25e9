"""ASGI entry point: the events process, which holds the long-lived Server-Sent Events streams
(`uvicorn palaver.asgi:application`; the request/response API runs under WSGI)."""

import os
from typing import Any

import django
from django.conf import settings
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

    def __init__(self, middleware: list[str] | None = None) -> None:
        self.middleware = middleware  # None: settings.MIDDLEWARE
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        if self.middleware is None:
            super().load_middleware(is_async)
            return
        # As palaver.wsgi does for public reads: BaseHandler reads settings.MIDDLEWARE, so
        # point it at the short chain while the chain is built (once, at start-up).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self.middleware
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)


django.setup(set_prefix=False)
# The event streams need the site, CORS and the security headers, not sessions, users, CSRF
# or messages: the short chain of the public reads (settings.PUBLIC_READ_MIDDLEWARE), which
# also makes opening a stream cheaper. Anything else (a probe, a misrouted request) takes the
# full chain.
events_application = StreamsHandler(settings.PUBLIC_READ_MIDDLEWARE)
full_application = StreamsHandler()
EVENTS_PATH = "/api/v1/thread/events"


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    handler = events_application if scope.get("path") == EVENTS_PATH else full_application
    await handler(scope, receive, send)
