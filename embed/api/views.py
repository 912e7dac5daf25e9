"""The widget's API. Each view validates, calls one selector or service, and serializes.

The thread read is the hot path: tenant from the in-process host cache, site settings from
the in-process site cache, payload bytes from Redis in one round trip, no SQL.
"""

import hashlib
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from embed import cache, selectors, services
from embed.models import Comment, Commenter, Flag
from embed.ratelimit import rate_limit_hit
from embed.site import SiteConfig, site_config, site_config_seen
from embed.tokens import commenter_token_issue, commenter_token_read
from embed.urlnorm import InvalidURL, url_normalize

JSON = "application/json"


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(data, option=orjson.OPT_UTC_Z), status=status, content_type=JSON
    )


def client_ip(request: HttpRequest) -> str:
    raw = request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR") or ""
    return raw.split(",")[0].strip()


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
        return url_normalize(value)  # type: ignore[arg-type]
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


def comment_out(comment: Comment, *, site: SiteConfig, token: str | None = None) -> dict:
    # A shadow-banned author is told their comment is published, like any other.
    status = Comment.Status.PUBLISHED if comment.shadowed else comment.status
    data = {**selectors.comment_data(comment), "replies": [], "status": status}
    data["editable_until"] = services.editable_until(comment, site)
    if token:
        data["commenter_token"] = token
    return data


def comment_of_thread(pk: int) -> Comment:
    comment = Comment.objects.select_related("thread", "author").filter(pk=pk).first()
    if comment is None:
        raise exceptions.NotFound("No such comment on this site.")
    return comment


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
    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing or bad token a 401, as it should be, rather than DRF's default 403.
        return 'Bearer realm="palaver"'


COMMENT_SCHEMA = inline_serializer(
    "Comment",
    {
        "id": serializers.IntegerField(),
        "parent": serializers.IntegerField(allow_null=True),
        "author": inline_serializer(
            "Author",
            {
                "name": serializers.CharField(),
                "avatar": serializers.URLField(allow_null=True),
                "badge": serializers.CharField(allow_null=True),
            },
        ),
        "html": serializers.CharField(),
        "created": serializers.DateTimeField(),
        "edited": serializers.DateTimeField(allow_null=True),
        "score": serializers.IntegerField(),
        "pinned": serializers.BooleanField(),
        "deleted": serializers.BooleanField(),
        "replies": serializers.ListField(child=serializers.DictField()),
    },
)
URL_PARAMS = [
    OpenApiParameter("url", OpenApiTypes.URI, description="The page's canonical URL"),
    OpenApiParameter("key", OpenApiTypes.STR, description="The site's own id for the page"),
]


class ThreadQuery(NamedTuple):
    url: str | None
    key: str | None
    sort: str
    offset: int


def thread_query(params: QueryDict) -> ThreadQuery:
    """The thread read's parameters, or a ValidationError naming the bad one."""
    key = thread_key(params.get("key"))
    url = page_url(params.get("url")) if params.get("url") or not key else None
    sort = params.get("sort") or "oldest"
    if sort not in selectors.SORTS:
        raise exceptions.ValidationError({"sort": [f"Use one of: {', '.join(selectors.SORTS)}."]})
    try:
        offset = selectors.cursor_decode(params.get("cursor"))
    except selectors.BadCursor as exc:
        raise exceptions.ValidationError({"cursor": [str(exc)]}) from None
    return ThreadQuery(url, key, sort, offset)


THREAD_CACHE_CONTROL = "public, max-age=0, s-maxage=1"


def thread_response(request: HttpRequest, query: ThreadQuery) -> HttpResponse:
    """The cached payload's bytes (or a 304), building and storing them on a miss."""
    site = site_config()
    ident = cache.thread_ident(url=query.url, key=query.key)
    suffix = f"{site.version}:{query.sort}:{query.offset}"
    version, stored, site_version = cache.payload_get(ident, suffix)
    if not site_config_seen(site_version):
        # Another process changed the settings since this one cached them.
        site = site_config()
        suffix = f"{site.version}:{query.sort}:{query.offset}"
        version, stored, _ = cache.payload_get(ident, suffix)
    if stored is None:
        payload = selectors.thread_payload(
            url=query.url, key=query.key, sort=query.sort, offset=query.offset, site=site
        )
        body = orjson.dumps(payload, option=orjson.OPT_UTC_Z)
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        stored = etag.encode() + b"\n" + body
        cache.payload_put(ident, version, suffix, stored)
    etag_bytes, _, body = stored.partition(b"\n")
    etag = etag_bytes.decode()
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=JSON)
    response["ETag"] = etag
    # Browsers revalidate every time (cheap: a 304); a shared cache such as the nginx front
    # (deploy/nginx.conf) may serve its copy for one second.
    response["Cache-Control"] = THREAD_CACHE_CONTROL
    return response


class ThreadApi(WidgetApi):
    """The public thread: top-level comments paged, with all their replies.

    The platform's hottest request. A well-formed GET is answered straight from `dispatch`,
    without DRF's request wrapper, content negotiation, authentication and throttling, none
    of which it uses (docs/performance.md). Malformed parameters take the regular DRF path,
    which answers with the usual error body.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "GET":
            try:
                query = thread_query(request.GET)
            except exceptions.ValidationError:
                pass
            else:
                return thread_response(request, query)
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            *URL_PARAMS,
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS)),
            OpenApiParameter("cursor", OpenApiTypes.STR),
        ],
        responses={
            200: inline_serializer(
                "ThreadPage",
                {
                    "thread": serializers.DictField(allow_null=True),
                    "site": serializers.DictField(),
                    "comments": serializers.ListField(child=COMMENT_SCHEMA),
                    "next": serializers.CharField(allow_null=True),
                },
            )
        },
    )
    def get(self, request: Request) -> HttpResponse:
        return thread_response(request, thread_query(request.query_params))


class ThreadMeApi(WidgetApi):
    """What only the reader holding the token sees: own comments, votes, pending comments."""

    @extend_schema(parameters=URL_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        commenter = reader_required(request)
        key = thread_key(request.query_params.get("key"))
        url = page_url(request.query_params.get("url")) if not key else None
        thread = selectors.thread_find(url=url, key=key)
        response = json_response(selectors.reader_state(commenter=commenter, thread=thread))
        response["Cache-Control"] = "private, no-store"
        return response


class CommentCreateApi(WidgetApi):
    class CommentInputSerializer(serializers.Serializer):
        url = Text(max_length=2000)
        key = Text(max_length=200, required=False, allow_blank=True)
        title = Text(max_length=300, required=False, allow_blank=True)
        # The field is named by the public contract; it shadows Serializer.parent for mypy.
        parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)  # type: ignore[assignment]
        body = Text(max_length=20_000, allow_blank=True, trim_whitespace=False)
        author_name = Text(max_length=200, required=False, allow_blank=True)
        author_email = Text(max_length=254, required=False, allow_blank=True)
        notify = serializers.BooleanField(required=False, default=False)
        hp = serializers.CharField(required=False, allow_blank=True, max_length=500)
        t = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(
        request=CommentInputSerializer, responses={201: COMMENT_SCHEMA, 202: COMMENT_SCHEMA}
    )
    def post(self, request: Request) -> HttpResponse:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        data_in = self.CommentInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        commenter = commenter_from_request(request, required=False)
        rate_limit(request, "post", commenter)
        site = site_config(fresh=True)
        comment = services.comment_post(
            url=page_url(data["url"]),
            key=thread_key(data.get("key")),
            title=data.get("title", ""),
            parent_id=data.get("parent"),
            body=data["body"],
            commenter=commenter,
            author_name=data.get("author_name"),
            author_email=data.get("author_email"),
            site=site,
            ip=client_ip(request),
            honeypot=data.get("hp", ""),
            elapsed_ms=data.get("t"),
        )
        token = commenter_token_issue(comment.author_id)
        published = comment.status == Comment.Status.PUBLISHED or comment.shadowed
        status = 201 if published else 202
        return json_response(comment_out(comment, site=site, token=token), status=status)


class CommentDetailApi(WidgetApi):
    class CommentEditSerializer(serializers.Serializer):
        body = Text(max_length=20_000, allow_blank=True, trim_whitespace=False)

    @extend_schema(request=CommentEditSerializer, responses={200: COMMENT_SCHEMA})
    def patch(self, request: Request, pk: int) -> HttpResponse:
        commenter = reader_required(request)
        data_in = self.CommentEditSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        site = site_config(fresh=True)
        comment = services.comment_edit(
            comment=comment_of_thread(pk),
            commenter=commenter,
            body=data_in.validated_data["body"],
            site=site,
        )
        return json_response(comment_out(comment, site=site))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> HttpResponse:
        commenter = reader_required(request)
        services.comment_delete(
            comment=comment_of_thread(pk), commenter=commenter, site=site_config(fresh=True)
        )
        return HttpResponse(status=204)


def reader_or_new(request: HttpRequest) -> tuple[Commenter, str | None]:
    """The token's reader, or a new anonymous one (whose token the response hands back)."""
    commenter = commenter_from_request(request, required=False)
    if commenter is not None:
        return commenter, None
    commenter = Commenter.objects.create()
    return commenter, commenter_token_issue(commenter.pk)


class CommentVoteApi(WidgetApi):
    class VoteInputSerializer(serializers.Serializer):
        value = serializers.ChoiceField(choices=[-1, 0, 1])

    @extend_schema(request=VoteInputSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> HttpResponse:
        data_in = self.VoteInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        comment = comment_of_thread(pk)
        rate_limit(request, "vote", None)
        commenter, token = reader_or_new(request)
        score, vote = services.comment_vote(
            comment=comment, commenter=commenter, value=int(data_in.validated_data["value"])
        )
        body: dict[str, Any] = {"score": score, "vote": vote}
        if token:
            body["commenter_token"] = token
        return json_response(body)


class CommentFlagApi(WidgetApi):
    class FlagInputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=Flag.Reason.choices)

    @extend_schema(request=FlagInputSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> HttpResponse:
        data_in = self.FlagInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        comment = comment_of_thread(pk)
        rate_limit(request, "flag", None)
        commenter, token = reader_or_new(request)
        services.comment_flag(
            comment=comment,
            commenter=commenter,
            reason=data_in.validated_data["reason"],
            site=site_config(fresh=True),
        )
        body: dict[str, Any] = {"flagged": True}
        if token:
            body["commenter_token"] = token
        return json_response(body)


class CountsApi(WidgetApi):
    """Published-comment counts for up to 100 pages, for blog index pages."""

    MAX_URLS = 100

    @extend_schema(
        parameters=[OpenApiParameter("url", OpenApiTypes.URI, many=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> HttpResponse:
        raw_urls = request.query_params.getlist("url")
        if not raw_urls:
            raise exceptions.ValidationError({"url": ["Give at least one url parameter."]})
        if len(raw_urls) > self.MAX_URLS:
            raise exceptions.ValidationError(
                {"url": [f"At most {self.MAX_URLS} URLs per request."]}
            )
        normal: dict[str, str | None] = {}
        for raw in raw_urls:
            try:
                normal[raw] = url_normalize(raw)
            except InvalidURL:
                normal[raw] = None  # a malformed link on an index page counts as no comments
        wanted = sorted({url for url in normal.values() if url})
        counts = dict(zip(wanted, cache.counts_get(wanted), strict=True))
        missing = [url for url, count in counts.items() if count is None]
        if missing:
            found = selectors.thread_counts(missing)
            cache.counts_put(found)
            counts.update(found)
        response = json_response(
            {raw: counts.get(url, 0) if url else 0 for raw, url in normal.items()}
        )
        response["Cache-Control"] = "public, max-age=30"
        return response
