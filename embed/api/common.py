"""What the widget API's views share: JSON answers, the reader's token, page URLs, rate
limits. The responses' shapes are in embed.api.serializers."""

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from core.clientip import client_ip
from core.ratelimit import rate_limit_hit
from core.urlnorm import InvalidURL, url_normalize
from embed.models import Commenter
from embed.tokens import commenter_token_read

JSON = "application/json"


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(data, option=orjson.OPT_UTC_Z), status=status, content_type=JSON
    )


def bearer_token(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def reader_required(request: HttpRequest) -> Commenter:
    commenter = commenter_from_request(request, required=True)
    if commenter is None:  # pragma: no cover - required=True raises instead
        raise exceptions.NotAuthenticated()
    return commenter


def commenter_from_request(request: HttpRequest, *, required: bool) -> Commenter | None:
    """The reader named by the Bearer token. A token that is present but invalid is a 401."""
    token = bearer_token(request)
    if token is None:
        if required:
            raise exceptions.NotAuthenticated("Send your commenter token as a Bearer token.")
        return None
    commenter_id = commenter_token_read(token)
    commenter = Commenter.objects.filter(pk=commenter_id).first() if commenter_id else None
    if commenter is None:
        raise exceptions.AuthenticationFailed("The commenter token is not valid on this site.")
    return commenter


def page_url(value: object, field: str = "url") -> str:
    try:
        return url_normalize(value)
    except InvalidURL as exc:
        raise exceptions.ValidationError({field: [str(exc)]}) from None


def thread_key(value: object) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise exceptions.ValidationError(
            {"key": ["The site key must be text of 1-200 characters."]}
        )
    return value


def page_params(params: Any) -> tuple[str | None, str | None]:
    """(url, key) of a page from query parameters, for `selectors.thread_find`: the URL
    normalised, either may be absent but not both. ValidationError names the bad one."""
    key = thread_key(params.get("key"))
    url = page_url(params.get("url")) if params.get("url") or not key else None
    return url, key


def rate_limit(request: HttpRequest, action: str, commenter: Commenter | None) -> None:
    wait = rate_limit_hit(
        action=action, ip=client_ip(request), commenter_id=commenter.pk if commenter else None
    )
    if wait is not None:
        raise exceptions.Throttled(wait=wait, detail=f"Slow down: try again in {wait} seconds.")


class Text(serializers.CharField):
    """A CharField that takes only JSON strings: 42 is not a comment body."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WidgetApi(APIView):
    """Base of the widget API's views. `error_statuses` lists the error answers a view can
    give beyond those every operation can (core.openapi), for the schema."""

    error_statuses: tuple[int, ...] = ()

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing or bad token a 401, as it should be, rather than DRF's default 403.
        return 'Bearer realm="palaver"'


URL_PARAMS = [
    OpenApiParameter("url", OpenApiTypes.URI, description="The page's canonical URL"),
    OpenApiParameter("key", OpenApiTypes.STR, description="The site's own id for the page"),
]
