"""Every API response the test suite sees is checked against the published OpenAPI schema.

`check_response` takes a Django test client's response to a request under /api/ and fails
the test when the body does not match the schema of its operation and status, or when the
status is not documented for the operation at all. The schemas are generated once per run,
like /api/schema/ does, for the host's URLconf (a site's or the platform's), and made strict
for the check: an object may carry only the properties the schema lists, so a field the API
returns without documenting it fails too.

An answer given before any operation (a mistyped path, a host that is no site, a method the
path does not take, a guard in the middleware) must still be an error in the one error shape,
with a code catalogued for its status.
"""

import gzip
from functools import cache
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

from core.errors import CATALOGUE

SKIPPED_PREFIXES = ("/api/schema/", "/api/docs/")


class SchemaViolation(AssertionError):
    pass


def strict(node: Any) -> Any:
    """The schema with `additionalProperties: false` on every object that lists properties."""
    if isinstance(node, dict):
        node = {key: strict(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [strict(item) for item in node]
    return node


@cache
def schema_of(urlconf: str) -> dict[str, Any]:
    """The OpenAPI document /api/schema/ serves for this URLconf, as plain JSON data."""
    generated = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return orjson.loads(orjson.dumps(generated))


@cache
def spec_of(urlconf: str) -> OpenAPI:
    return OpenAPI.from_dict(strict(schema_of(urlconf)))


@cache
def error_validator(status: int) -> Draft202012Validator | None:
    codes = [code.value for code, info in CATALOGUE.items() if info.status == status]
    if not codes:
        return None
    detail = {
        "type": "object",
        "properties": {
            "code": {"enum": codes},
            "message": {"type": "string"},
            "fields": {"type": "object"},
        },
        "required": ["code", "message"],
        "additionalProperties": False,
    }
    return Draft202012Validator(
        {
            "type": "object",
            "properties": {"error": detail},
            "required": ["error"],
            "additionalProperties": False,
        }
    )


class _Request:
    """What openapi-core needs of a request: its real path, so it finds the operation by the
    schema's path templates (the URLconf's route names its parameter `pk`, the schema `id`)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.GET.lists()),
            header=Headers(request.headers.items()),
            cookie=ImmutableMultiDict(dict(request.COOKIES)),
        )

    @property
    def host_url(self) -> str:
        return self.request._current_scheme_host  # type: ignore[attr-defined]

    @property
    def path(self) -> str:
        return self.request.path

    @property
    def method(self) -> str:
        return (self.request.method or "").lower()

    @property
    def body(self) -> bytes:
        return b""  # only the response is checked; reading an oversized body would raise

    @property
    def content_type(self) -> str:
        return self.request.content_type or ""


def _urlconf(request: HttpRequest) -> str:
    return getattr(request, "urlconf", None) or settings.ROOT_URLCONF


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def check_error_shape(response: HttpResponse, where: str) -> None:
    validator = error_validator(response.status_code)
    if validator is None:
        raise SchemaViolation(f"{where}: no error code is catalogued for this status")
    errors = [error.message for error in validator.iter_errors(orjson.loads(response.content))]
    if errors:
        raise SchemaViolation(f"{where}: not the error shape: {errors}")


def sse_events(text: str) -> list[dict[str, Any]]:
    """The events of a Server-Sent Events body, each as its fields (`retry` a number)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event: dict[str, Any] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue  # a comment, such as a heartbeat
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                event["data"] = f"{event['data']}\n{value}" if "data" in event else value
            else:
                event[name] = int(value) if name == "retry" else value
        if event:
            events.append(event)
    return events


def check_event_stream(response: Any, schema: dict[str, Any], where: str) -> None:
    """Each event of the stream against the per-event schema its operation documents."""
    request = response.wsgi_request
    operation = schema["paths"].get(request.path, {}).get(request.method.lower())
    content = (operation or {}).get("responses", {}).get(str(response.status_code), {})
    event_schema = content.get("content", {}).get("text/event-stream", {}).get("schema")
    if event_schema is None:
        raise SchemaViolation(f"{where}: no event stream is documented here")
    validator = Draft202012Validator(strict(event_schema))
    for event in sse_events(response.content.decode()):
        errors = [error.message for error in validator.iter_errors(event)]
        if errors:
            raise SchemaViolation(f"{where}: event {event} breaks the schema: {errors}")


def _decoded(response: Any) -> Any:
    """The response as its client reads it: a gzipped body inflated."""
    if response.get("Content-Encoding") != "gzip":
        return response
    plain = HttpResponse(gzip.decompress(response.content), status=response.status_code)
    plain["Content-Type"] = response["Content-Type"]
    return plain


def check_response(response: Any) -> None:
    """Raise SchemaViolation when an /api/ response breaks the schema (see the module doc)."""
    request = getattr(response, "wsgi_request", None)
    if request is None or not request.path.startswith("/api/"):
        return
    if request.path.startswith(SKIPPED_PREFIXES) or request.method in ("OPTIONS", "HEAD"):
        return
    if getattr(response, "streaming", False):
        return
    where = f"{request.method} {request.path} -> {response.status_code}"
    if request.resolver_match is None or response.status_code == 405:
        # Answered before any operation: a host that is no site, a guard in the middleware,
        # a method the path does not take. Only the error shape applies.
        if response.status_code >= 400 and _is_json(response):
            check_error_shape(response, where)
        return
    if response.get("Content-Type", "").startswith("text/event-stream"):
        check_event_stream(response, schema_of(_urlconf(request)), where)
        return
    try:
        spec_of(_urlconf(request)).validate_response(
            _Request(request),
            DjangoOpenAPIResponse(_decoded(response)),
        )
    except (PathNotFound, OperationNotFound):
        if response.status_code >= 400 and _is_json(response):
            check_error_shape(response, where)
        elif response.status_code < 400:
            raise SchemaViolation(f"{where}: the operation is not in the schema") from None
    except Exception as exc:  # noqa: BLE001 - each of openapi-core's errors fails the test
        raise SchemaViolation(f"{where}: {_explain(exc)}\n{response.content[:2000]!r}") from None


def _explain(exc: BaseException) -> str:
    """openapi-core's error with the JSON-schema errors under it."""
    lines = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        lines.append(f"{type(cause).__name__}: {cause}")
        lines += [
            f"  {error.message} at {list(error.absolute_path)}"
            for error in getattr(cause, "schema_errors", ())
        ]
        cause = cause.__cause__ or cause.__context__
    return "\n".join(lines)
