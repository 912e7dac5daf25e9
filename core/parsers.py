"""DRF's JSON parser with the platform's input rules (DEFAULT_PARSER_CLASSES)."""

from collections.abc import Mapping
from typing import Any

from rest_framework import exceptions, parsers

from core.text import PARSED_JSON_ATTRIBUTE, InputRefused, json_parse


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the same checks: orjson, MAX_JSON_DEPTH, no refused characters.

    Takes the body the middleware already parsed and checked when there is one.
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        request = (parser_context or {}).get("request")
        django_request = getattr(request, "_request", None)
        if django_request is not None and hasattr(django_request, PARSED_JSON_ATTRIBUTE):
            return getattr(django_request, PARSED_JSON_ATTRIBUTE)
        try:
            return json_parse(stream.read() if stream is not None else b"")
        except InputRefused as refused:
            raise exceptions.ValidationError({refused.field: [refused.message]}) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
