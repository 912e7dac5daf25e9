"""Every request's text is checked once, before any view sees it.

`InputGuardMiddleware` refuses a request whose path, query parameters (names and values),
form fields or JSON body hold a character `core.text.forbidden_character` refuses
(NUL, other control characters, lone surrogates), or whose JSON is nested deeper than
`MAX_JSON_DEPTH`. The answer is a 400: the API's JSON error
shape under `/api/`, naming the field, and a small page elsewhere (core.errorpages).
A NUL would otherwise reach PostgreSQL, which cannot store it, and deep JSON would exhaust
Python's recursion limit; both used to be 500s.

One check for every endpoint, present and future: a view never has to remember it. The
middleware parses a JSON body once and leaves the result on the request, and
`core.parsers.JSONParser` (DRF's DEFAULT_PARSER_CLASSES) takes it from there, or parses and
checks the body itself when a request did not pass the middleware. Any view that reads a JSON
body without DRF uses `textrules.json_parse`.

A body over DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 here, in the same shape.
"""

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from core.errorpages import error_response
from core.errors import ErrorCode
from core.text import PARSED_JSON_ATTRIBUTE, InputRefused, json_parse, text_check

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _is_form(content_type: str) -> bool:
    return content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


class InputGuardMiddleware:
    """Refuse requests with text no reader means to send (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            self.check(request)
        except InputRefused as refused:
            return error_response(
                request,
                status=400,
                code=ErrorCode.INVALID,
                message=refused.message,
                fields={refused.field: [refused.message]},
            )
        except RequestDataTooBig:
            return error_response(
                request,
                status=413,
                code=ErrorCode.TOO_LARGE,
                message="The request body is too large.",
            )
        except (MultiPartParserError, SuspiciousOperation) as exc:
            return error_response(
                request, status=400, code=ErrorCode.INVALID, message=f"Malformed form: {exc}"
            )
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        text_check("path", request.path_info)
        for name, values in request.GET.lists():
            for value in values:
                text_check(name, value)
        if request.method not in _BODY_METHODS:
            return
        content_type = request.content_type or ""
        if _is_form(content_type):
            for name, values in request.POST.lists():
                for value in values:
                    text_check(name, value)
        elif _is_json(content_type) and request.body:
            try:
                data = json_parse(request.body)
            except ValueError:
                # Not well-formed: a view that reads the body answers parse_error; one that
                # does not read it (a DELETE, say) is not refused for a body it ignores.
                return
            setattr(request, PARSED_JSON_ATTRIBUTE, data)
