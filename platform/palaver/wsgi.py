"""WSGI entry point: the request/response API and pages, served by gunicorn.

The widget's public reads (thread, counts, the scripts) are by far the most frequent
requests and need neither sessions, nor users, nor CSRF, nor messages. They go through a
second handler built with the shorter PUBLIC_READ_MIDDLEWARE chain (tenant, CORS, security
headers); everything else, and any other method, takes the full MIDDLEWARE chain.
A cached thread read is answered before either handler, by `embed.api.fastpath`, which
falls back to them for anything it does not answer itself (a miss, an error, a bad query).
See docs/performance.md for what each saves.
"""

import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palaver.settings")
full_application = get_wsgi_application()


class PublicReadHandler(WSGIHandler):
    """A WSGI handler whose middleware chain is PUBLIC_READ_MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads settings.MIDDLEWARE; point it at the short chain while the
        # chain is built (once, at start-up, before any request).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.PUBLIC_READ_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


public_read_application = PublicReadHandler()
PUBLIC_READ_PATHS = frozenset(settings.PUBLIC_READ_PATHS)

from embed.api import fastpath  # noqa: E402 - needs the apps loaded above

FAST_PATH = fastpath.usable()


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") == "GET":
        path = environ.get("PATH_INFO")
        if path == fastpath.PATH and FAST_PATH:
            answered = fastpath.answer(environ, start_response)
            if answered is not None:
                return answered
        if path in PUBLIC_READ_PATHS:
            return public_read_application(environ, start_response)
    return full_application(environ, start_response)
