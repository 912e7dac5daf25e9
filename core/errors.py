"""One error shape for the whole API: {"error": {"code", "message", "fields"?}}.

`ErrorCode` names every code the API answers with and `CATALOGUE` gives each its status and
meaning; the OpenAPI schema's error responses and docs/api.md's catalogue table come from them.
"""

import logging
from enum import StrEnum
from typing import Any, NamedTuple

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from psycopg import errors as pg_errors
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    """The `error.code` of every error answer. Clients (the widget among them) match on these
    strings, so a member's value never changes; docs/api.md lists them all."""

    INVALID = "invalid"
    PARSE_ERROR = "parse_error"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    BANNED = "banned"
    GUESTS_NOT_ALLOWED = "guests_not_allowed"
    THREAD_CLOSED = "thread_closed"
    NOT_AUTHOR = "not_author"
    NOT_EDITABLE = "not_editable"
    EDIT_WINDOW_CLOSED = "edit_window_closed"
    NOT_VOTABLE = "not_votable"
    NOT_FLAGGABLE = "not_flaggable"
    ALREADY_VOTED_HERE = "already_voted_here"
    READER_UNKNOWN = "reader_unknown"
    SSO_DISABLED = "sso_disabled"
    SSO_MALFORMED = "sso_malformed"
    SSO_BAD_SIGNATURE = "sso_bad_signature"
    SSO_EXPIRED = "sso_expired"
    SSO_NOT_YET_VALID = "sso_not_yet_valid"
    SSO_WRONG_SITE = "sso_wrong_site"
    SSO_SIGNED_OUT = "sso_signed_out"
    MAGIC_DISABLED = "magic_disabled"
    MAGIC_INVALID = "magic_invalid"
    MAGIC_USED = "magic_used"
    MAGIC_EXPIRED = "magic_expired"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    IMPORT_RUNNING = "import_running"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    URI_TOO_LONG = "uri_too_long"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    HEADERS_TOO_LARGE = "headers_too_large"
    THROTTLED = "throttled"
    SERVER_ERROR = "server_error"
    UNAVAILABLE = "unavailable"


class CodeInfo(NamedTuple):
    status: int
    meaning: str


CATALOGUE: dict[ErrorCode, CodeInfo] = {
    ErrorCode.INVALID: CodeInfo(
        400, "A field or parameter is missing or wrong; `fields` maps each one to its messages."
    ),
    ErrorCode.PARSE_ERROR: CodeInfo(400, "The body is not well-formed JSON."),
    ErrorCode.NOT_AUTHENTICATED: CodeInfo(
        401, "The call needs a commenter token (widget) or a session or API token (admin)."
    ),
    ErrorCode.AUTHENTICATION_FAILED: CodeInfo(
        401, "The token sent is not valid on this site (forged, expired or another site's)."
    ),
    ErrorCode.PERMISSION_DENIED: CodeInfo(
        403, "Signed in, but the role does not allow it (a moderator on an owner's endpoint)."
    ),
    ErrorCode.BANNED: CodeInfo(403, "The reader, e-mail address or network is banned here."),
    ErrorCode.GUESTS_NOT_ALLOWED: CodeInfo(
        403, "The site accepts comments only from signed-in readers."
    ),
    ErrorCode.THREAD_CLOSED: CodeInfo(
        403, "The thread is closed: readers can no longer post, edit, delete, vote or report."
    ),
    ErrorCode.NOT_AUTHOR: CodeInfo(403, "Only the comment's author can change or delete it."),
    ErrorCode.NOT_EDITABLE: CodeInfo(
        403, "The comment was deleted, rejected or marked spam and can no longer change."
    ),
    ErrorCode.EDIT_WINDOW_CLOSED: CodeInfo(403, "The site's edit window for the comment is over."),
    ErrorCode.NOT_VOTABLE: CodeInfo(403, "Only published comments take votes."),
    ErrorCode.NOT_FLAGGABLE: CodeInfo(403, "Only published comments can be reported."),
    ErrorCode.ALREADY_VOTED_HERE: CodeInfo(
        403,
        "A reader who has not commented votes for their network, and someone on it has voted "
        "on this comment already.",
    ),
    ErrorCode.READER_UNKNOWN: CodeInfo(
        403, "A reader who has not commented, from no known address, cannot vote or report."
    ),
    ErrorCode.SSO_DISABLED: CodeInfo(403, "The site has not turned on sign-in with its accounts."),
    ErrorCode.SSO_MALFORMED: CodeInfo(
        401,
        "The SSO payload is neither a remote_auth_s3 string nor an HS256 JWT, or a field "
        "in it is missing or of the wrong kind.",
    ),
    ErrorCode.SSO_BAD_SIGNATURE: CodeInfo(
        401, "The SSO payload is not signed with this site's secret (forged, or another site's)."
    ),
    ErrorCode.SSO_EXPIRED: CodeInfo(
        401, "The SSO payload is over 2 hours old (remote_auth_s3) or past its `exp` (JWT)."
    ),
    ErrorCode.SSO_NOT_YET_VALID: CodeInfo(
        401, "The SSO payload's time is more than 5 minutes ahead of the server's clock."
    ),
    ErrorCode.SSO_WRONG_SITE: CodeInfo(401, "The JWT's `aud` is not one of this site's hosts."),
    ErrorCode.SSO_SIGNED_OUT: CodeInfo(
        401, "The remote_auth_s3 payload is `{}`: the site says nobody is signed in."
    ),
    ErrorCode.MAGIC_DISABLED: CodeInfo(403, "The site has not turned on sign-in by e-mail link."),
    ErrorCode.MAGIC_INVALID: CodeInfo(
        401, "No sign-in link of this site has this code (mistyped, or another site's)."
    ),
    ErrorCode.MAGIC_USED: CodeInfo(401, "The sign-in link was used already; each works once."),
    ErrorCode.MAGIC_EXPIRED: CodeInfo(
        401, "The sign-in link is over 15 minutes old; ask for a new one."
    ),
    ErrorCode.NOT_FOUND: CodeInfo(404, "No such comment, thread, ban, member, page or path here."),
    ErrorCode.METHOD_NOT_ALLOWED: CodeInfo(405, "The path does not take this method."),
    ErrorCode.NOT_ACCEPTABLE: CodeInfo(406, "The `Accept` header rules out JSON."),
    ErrorCode.IMPORT_RUNNING: CodeInfo(
        409, "The site is already importing a file; one import at a time per site."
    ),
    ErrorCode.CONFLICT: CodeInfo(
        409,
        "Something the request names went away while it ran (a reader erased, a comment "
        "deleted); nothing was written. Read again and retry.",
    ),
    ErrorCode.TOO_LARGE: CodeInfo(413, "The body is over the size limit."),
    ErrorCode.URI_TOO_LONG: CodeInfo(414, "The URL is over the front door's limit (8 KB)."),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: CodeInfo(415, "The body is not `application/json`."),
    ErrorCode.HEADERS_TOO_LARGE: CodeInfo(
        431, "A request header (a cookie, say) is over the front door's limit (8 KB)."
    ),
    ErrorCode.THROTTLED: CodeInfo(
        429, "A rate limit was reached; `Retry-After` says how many seconds to wait."
    ),
    ErrorCode.SERVER_ERROR: CodeInfo(500, "A fault on the server's side; it has been logged."),
    ErrorCode.UNAVAILABLE: CodeInfo(
        503, "The database cannot be reached; `Retry-After` says when to try again."
    ),
}

# What an exception whose code is not one of ours is answered with, by its status.
_FALLBACK: dict[int, ErrorCode] = {
    400: ErrorCode.INVALID,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    413: ErrorCode.TOO_LARGE,
    414: ErrorCode.URI_TOO_LONG,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.THROTTLED,
    431: ErrorCode.HEADERS_TOO_LARGE,
    500: ErrorCode.SERVER_ERROR,
    503: ErrorCode.UNAVAILABLE,
}


def error_code(raw: object, status: int) -> ErrorCode:
    """Our code for an exception's code (DRF's default codes are all ours too); an unknown one
    is logged and answered with the status's generic code, never passed on unlisted."""
    if isinstance(raw, str) and raw in ErrorCode._value2member_map_:
        return ErrorCode(raw)
    logger.warning("error code %r is not in ErrorCode; answering with the generic one", raw)
    return _FALLBACK.get(status, ErrorCode.INVALID if status < 500 else ErrorCode.UNAVAILABLE)


class Refused(Exception):
    """A request that is understood but not allowed: carries its API error code and status
    (the code's catalogued status unless given)."""

    def __init__(self, code: ErrorCode, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or CATALOGUE[code].status


def error_body(
    code: ErrorCode, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The error shape: {"error": {"code", "message", "fields"?}}."""
    error: dict[str, Any] = {"code": code.value, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for entry in detail for item in _flatten(entry)]
    if isinstance(detail, dict):
        return [str(item) for entry in detail.values() for item in _flatten(entry)]
    return [str(detail)]


def validation_fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Refused):
        return Response(error_body(exc.code, exc.message), status=exc.status)
    if isinstance(exc, IntegrityError) and isinstance(exc.__cause__, pg_errors.ForeignKeyViolation):
        # A row the write points at was deleted by a concurrent request (a reader erasing
        # their data as they post, a parent comment removed as a reply arrives).
        set_rollback()
        return Response(
            error_body(ErrorCode.CONFLICT, str(CATALOGUE[ErrorCode.CONFLICT].meaning)),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(ErrorCode.TOO_LARGE, "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = validation_fields(exc.detail)
        first = next(iter(fields.values()), ["Invalid input."])
        message = first[0] if first else "Invalid input."
        response.data = error_body(ErrorCode.INVALID, message, fields)
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        code = error_code(exc.get_codes(), response.status_code)
        response.data = error_body(code, " ".join(_flatten(exc.detail)))
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            response["Retry-After"] = str(max(1, int(wait)))
    return response
