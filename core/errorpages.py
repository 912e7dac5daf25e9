"""Error answers outside DRF's views: the URL confs' handlers (400, 403, 404, 500) and the
refusals of middleware, in one place.

Under `/api/` every answer is the API's JSON error shape (core.errors), whatever produced
it: an unknown path, a method no view takes, a body over the size limit, a refused character,
a database that cannot be reached. Elsewhere (the dashboard, the platform's pages) it is a
small HTML page. Both URL confs name these handlers.

A database that cannot be reached (`django.db.OperationalError` / `InterfaceError`, wherever
it is raised: a view, a middleware's host lookup, a template) is a `503` with `Retry-After`,
not a `500`: nothing is wrong with the request, and it will work again once the database is
back. Thread reads the hot cache can answer never get that far (docs/security.md).
"""

import logging
import sys
from typing import Any

import orjson
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from core.errors import ErrorCode, error_body

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
"""What a 503 asks clients to wait before trying again, in seconds."""

_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    500: "Something went wrong",
    503: "Back soon",
}


def wants_json(request: HttpRequest) -> bool:
    """Whether an error for this request is answered in the API's JSON shape."""
    return request.path_info.startswith("/api/")


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: ErrorCode,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    """The error as JSON under /api/, as a small HTML page elsewhere."""
    if wants_json(request):
        body = orjson.dumps(error_body(code, message, fields))
        return HttpResponse(body, status=status, content_type="application/json")
    context = {
        "title": _TITLES.get(status, "Error"),
        "message": message,
        "fields": fields or {},
    }
    # No request context: rendering must not reach the session or the user (the database).
    html = render_to_string("error.html", context)
    return HttpResponse(html, status=status)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the database cannot be reached."""
    response = error_response(
        request,
        status=503,
        code=ErrorCode.UNAVAILABLE,
        message="The service is briefly unavailable; please try again in a moment.",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not wants_json(request):
        return defaults.bad_request(request, exception or Exception())
    return error_response(
        request, status=400, code=ErrorCode.INVALID, message="The request is malformed."
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not wants_json(request):
        return defaults.permission_denied(request, exception or Exception())
    return error_response(
        request,
        status=403,
        code=ErrorCode.PERMISSION_DENIED,
        message="You are not allowed to do this.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not wants_json(request):
        return defaults.page_not_found(request, exception or Exception())
    return error_response(
        request,
        status=404,
        code=ErrorCode.NOT_FOUND,
        message="There is no such API path; see /api/docs/ for the ones there are.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this while handling the uncaught exception, so `sys.exc_info()` names it."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable(request)
    if not wants_json(request):
        return defaults.server_error(request)
    return error_response(
        request,
        status=500,
        code=ErrorCode.SERVER_ERROR,
        message="Something went wrong on our side. It has been logged.",
    )


class DatabaseUnavailableMiddleware:
    """Answers a view that could not reach the database with `database_unavailable`.

    Views (and the templates they render) raise wherever they first query; this turns that
    into a 503 before Django's uncaught-exception handling (which would answer 500, or with
    DEBUG on, a traceback page). Middleware that queries before the view, the tenant lookup,
    catches the same errors itself; `server_error` is the backstop for anything else.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            log.warning("database unavailable for %s: %s", request.path_info, exception)
            return database_unavailable(request)
        return None
