"""How the OpenAPI schema at /api/schema/ is generated: from the output serializers that shape
the responses, plus the error responses every operation can give.

Each view declares its success responses with `@extend_schema(responses={status: Serializer})`.
`AutoSchema` adds the errors, in the one error shape (`core.errors`), with the codes each
status can carry:

- every operation: 400 (a bad parameter) and 503 (the database is unreachable);
- an operation that takes a body: 413 (too large) and 415 (not JSON);
- every write: 409 (a row it names went away while it ran: `conflict`);
- a path with an id: 404;
- whatever else the view lists in its `error_statuses` class attribute (401 and 403 for the
  admin API, 429 for rate-limited writes, ...), or one operation declares with
  `error_responses(...)` in its `@extend_schema`.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from core.errors import CATALOGUE, ErrorCode

ALWAYS = frozenset({400, 503})
WITH_BODY = frozenset({413, 415})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
WRITE_METHODS = BODY_METHODS | {"DELETE"}


def codes_of(status: int) -> list[ErrorCode]:
    return [code for code, info in CATALOGUE.items() if info.status == status]


def _error_serializer(status: int) -> serializers.Serializer:
    detail: dict[str, serializers.Field] = {
        "code": serializers.ChoiceField(choices=[code.value for code in codes_of(status)]),
        "message": serializers.CharField(help_text="A sentence for people; match on `code`."),
    }
    if status == 400:
        detail["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Each bad field or parameter with its messages.",
        )
    return inline_serializer(
        f"Error{status}", {"error": inline_serializer(f"Error{status}Detail", detail)}
    )


ERROR_STATUSES = sorted({info.status for info in CATALOGUE.values()})
ERROR_SERIALIZERS = {status: _error_serializer(status) for status in ERROR_STATUSES}


def error_response(status: int) -> OpenApiResponse:
    """The documented error answer for a status, listing the codes it can carry."""
    codes = ", ".join(f"`{code.value}`" for code in codes_of(status))
    return OpenApiResponse(ERROR_SERIALIZERS[status], description=f"Error: {codes}.")


def _is_plain_field(shape: object) -> bool:
    return isinstance(shape, serializers.Field) and not isinstance(
        shape, serializers.BaseSerializer
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """For `@extend_schema(responses={...})`: error answers one operation of a view gives
    beyond the view's `error_statuses` (e.g. 409 on the POST of a view whose GET cannot)."""
    return {status: error_response(status) for status in statuses}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema with each operation's error responses added."""

    def error_statuses(self) -> set[int]:
        statuses = set(ALWAYS)
        if self.method in BODY_METHODS:
            statuses |= WITH_BODY
        if self.method in WRITE_METHODS:
            statuses.add(409)
        if "{" in self.path:
            statuses.add(404)
        statuses |= set(getattr(self.view, "error_statuses", ()))
        return statuses

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        declared = self.get_response_serializers()
        if not isinstance(declared, dict):
            raise TypeError(
                f"{self.view.__class__.__name__}.{self.method.lower()}: declare responses as "
                "a {status: serializer} dict with @extend_schema"
            )
        responses = super()._get_response_bodies(direction)
        for status in sorted(self.error_statuses()):
            code = str(status)
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error_response(status), code, direction=direction
                )
        return responses

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: str,
        media_types: Any = None,
        direction: Any = "response",
    ) -> dict[str, Any]:
        if _is_plain_field(serializer):
            # A field (a dict keyed by data, such as the counts) stands for its own schema.
            serializer = self._map_serializer_field(serializer, direction)
        return super()._get_response_for_code(
            serializer, status_code, media_types, direction or "response"
        )


# One Server-Sent Event as its fields (before OpenAPI 3.2, a stream's schema is its events').
SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"enum": ["hello", "change"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": 'hello: {"version", "stream"?}; change: {"type", "id", "version"} '
            "(type comment.new, comment.edited, comment.removed, comment.score, comment.pinned "
            "or resync). `stream`: where the open stream is (an events process on a port of its "
            "own, EVENTS_PORT); connect there instead",
        },
        "retry": {"type": "integer", "minimum": 0, "description": "Milliseconds"},
        "id": {
            "type": "string",
            "description": "The thread's version; the browser sends it back as Last-Event-ID "
            "when it reconnects, and a stream whose version moved since answers with a "
            '`change` of type "resync"',
        },
    },
    "required": ["event", "data"],
}


def add_event_stream(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Postprocessing hook: the thread's Server-Sent Events stream (embed.api.events, a plain
    async view that drf-spectacular does not see) in a site's schema."""
    if "/api/v1/thread" not in result.get("paths", {}):
        return result  # not a site's schema
    result["paths"]["/api/v1/thread/events"] = {
        "get": {
            "operationId": "v1_thread_events",
            "description": (
                "Server-Sent Events for a page's thread: `hello` with the thread's version, "
                'then `change` events `{"type", "id", "version"}` (no comment content: the '
                "widget refetches the thread). Under the WSGI server the stream answers at once "
                "and asks the browser to reconnect after `retry`."
            ),
            "tags": ["v1"],
            "parameters": [
                {"in": "query", "name": "url", "schema": {"type": "string", "format": "uri"}},
                {"in": "query", "name": "key", "schema": {"type": "string"}},
                {"in": "header", "name": "Last-Event-ID", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "An event stream; the schema is that of each event.",
                    "content": {"text/event-stream": {"schema": SSE_EVENT}},
                },
                **{
                    str(status): {
                        "description": f"Error: {', '.join(c.value for c in codes_of(status))}.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/Error{status}"}
                            }
                        },
                    }
                    for status in sorted(ALWAYS)
                },
            },
        }
    }
    return result
