"""Reading: the thread (the hot path), the reader's own state, counts.

The thread read is the hot path: tenant from the in-process host cache, site settings from
the in-process site cache, payload bytes from Redis (or this worker's copy) in one round
trip, no SQL.
"""

import gzip
import hashlib
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

import orjson
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request

from core import replicas
from core.http import accepts_gzip, etag_matches, gzip_etag
from core.tenancy import current_schema
from core.urlnorm import InvalidURL, url_normalize
from embed import cache, selectors
from embed.api.common import (
    JSON,
    URL_PARAMS,
    Text,
    WidgetApi,
    json_response,
    page_params,
    reader_required,
)
from embed.api.serializers import CountsSerializer, ReaderStateSerializer, ThreadPageSerializer
from embed.site import site_config, site_config_seen


class ThreadQuery(NamedTuple):
    url: str | None
    key: str | None
    sort: str
    cursor: str  # as sent ("" for the first page): part of the cache key
    after: selectors.Cursor | None  # the position it names
    idents: list[str]  # what the cached answer depends on (cache.thread_idents)
    scope: str  # what a cursor is valid for: this site and this page


def thread_query(params: QueryDict) -> ThreadQuery:
    """The thread read's parameters, or a ValidationError naming the bad one."""
    url, key = page_params(params)
    sort = params.get("sort") or "oldest"
    if sort not in selectors.SORTS:
        raise exceptions.ValidationError({"sort": [f"Use one of: {', '.join(selectors.SORTS)}."]})
    idents = cache.thread_idents(url=url, key=key)
    scope = f"{current_schema()}:{'+'.join(idents)}"
    cursor = params.get("cursor") or ""
    try:
        after = selectors.cursor_decode(cursor, sort=sort, scope=scope)
    except selectors.BadCursor as exc:
        raise exceptions.ValidationError({"cursor": [str(exc)]}) from None
    return ThreadQuery(url, key, sort, cursor, after, idents, scope)


class Inflated:
    """This process's plain copies of recent payloads, by ETag, so a client that does not take
    gzip costs no inflate per request. A payload's ETag is a hash of its plain bytes, so an
    entry is never stale; the oldest go first past `max_bytes` (a few hot threads' worth)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.held: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def plain(self, etag: str, packed: bytes) -> bytes:
        """The plain bytes of `packed` (a gzip member) whose ETag is `etag`."""
        body = self.held.get(etag)
        if body is not None:
            return body
        body = gzip.decompress(packed)
        with self.lock:
            if etag not in self.held:
                self.held[etag] = body
                self.size += len(body)
                while self.size > self.max_bytes and len(self.held) > 1:
                    self.size -= len(self.held.popitem(last=False)[1])
        return body


inflated = Inflated(max_bytes=8 * 1024 * 1024)
THREAD_CACHE_CONTROL = "public, max-age=0, s-maxage=1"
GZIP_LEVEL = 6  # on a cache miss only: 118 KB of JSON in about a millisecond, to ~15 KB
PAYLOAD_FORMAT = "gz"  # in the payload key: entries of another format are never read


class ThreadAnswer(NamedTuple):
    """What the thread read answers, before any middleware: status, body, view headers."""

    status: int
    body: bytes
    headers: list[tuple[str, str]]


def cached_payload(query: ThreadQuery) -> tuple[str, bytes] | None:
    """The cached payload of `query` in this site (its ETag and gzip bytes), or None on a
    miss. Needs the site set (current_schema); reads Redis (one script) and, at most once a
    minute per process and site, the site's settings row."""
    site = site_config()
    suffix = f"{site.version}:{query.sort}:{query.cursor}:{PAYLOAD_FORMAT}"
    _, stored, site_version = cache.payload_get(query.idents, suffix)
    if stored is None or not site_config_seen(site_version):
        return None
    etag_bytes, _, packed = stored.partition(b"\n")
    return etag_bytes.decode(), packed


def thread_answer(
    etag: str, packed: bytes, *, gzipped: bool, if_none_match: str | None
) -> ThreadAnswer:
    """The answer for a payload (`etag`, gzip bytes `packed`): the gzip bytes as they are to a
    client that takes gzip, the plain bytes otherwise, or a 304 when If-None-Match names
    either representation. The two representations have their own strong ETags."""
    if etag_matches(if_none_match, etag, gzip_etag(etag)):
        status, body, headers = 304, b"", []
    elif gzipped:
        status, body = 200, packed
        headers = [("Content-Type", JSON), ("Content-Encoding", "gzip")]
    else:
        status, body, headers = 200, inflated.plain(etag, packed), [("Content-Type", JSON)]
    headers += [
        ("ETag", gzip_etag(etag) if gzipped else etag),
        ("Vary", "Accept-Encoding"),
        # Browsers revalidate every time (cheap: a 304); a shared cache such as the nginx
        # front (deploy/nginx.conf) may serve its copy for one second.
        ("Cache-Control", THREAD_CACHE_CONTROL),
    ]
    return ThreadAnswer(status, body, headers)


def thread_response(request: HttpRequest, query: ThreadQuery) -> HttpResponse:
    """The cached payload's bytes (or a 304), building and storing them on a miss.

    A payload is gzipped once, when it is cached (`etag\n` + gzip bytes), and sent as it is
    to every client that takes gzip (browsers all do); the rare one that does not gets it
    inflated (once per process and payload: `inflated`). See `thread_answer`."""
    site = site_config()
    idents = query.idents
    suffix = f"{site.version}:{query.sort}:{query.cursor}:{PAYLOAD_FORMAT}"
    version, stored, site_version = cache.payload_get(idents, suffix)
    if not site_config_seen(site_version):
        # Another process changed the settings since this one cached them.
        site = site_config()
        suffix = f"{site.version}:{query.sort}:{query.cursor}:{PAYLOAD_FORMAT}"
        version, stored, _ = cache.payload_get(idents, suffix)
    if stored is None:
        cache.fill_begin(idents)  # before the rows are read: see its docstring
        replicas.fresh_reads()  # built from rows at least as new as `version` says
        payload = selectors.thread_payload(
            url=query.url, key=query.key, sort=query.sort, after=query.after,
            cursor_scope=query.scope, site=site,
        )  # fmt: skip
        body = orjson.dumps(payload, option=orjson.OPT_UTC_Z)
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        stored = etag.encode() + b"\n" + packed
        cache.payload_put(idents, version, suffix, stored)
    etag_bytes, _, packed = stored.partition(b"\n")
    answer = thread_answer(
        etag_bytes.decode(), packed, gzipped=accepts_gzip(request),
        if_none_match=request.META.get("HTTP_IF_NONE_MATCH"),
    )  # fmt: skip
    response = HttpResponse(answer.body, status=answer.status)
    if answer.status == 304:
        del response["Content-Type"]  # a 304 has no body, so no type (RFC 9110 15.4.5)
    for name, value in answer.headers:
        response[name] = value
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
            OpenApiParameter(
                "v",
                OpenApiTypes.STR,
                description="Ignored by the server: the thread's version from the event "
                "stream, which the widget adds so a shared cache cannot answer with an "
                "older copy",
            ),
        ],
        responses={
            # Built by selectors.thread_payload; tests/test_contracts.py holds it to this.
            200: ThreadPageSerializer,
            304: OpenApiResponse(description="Not modified: the ETag in If-None-Match is current."),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        return thread_response(request, thread_query(request.query_params))


class ThreadMeApi(WidgetApi):
    """What only the reader holding the token sees: own comments, votes, pending comments."""

    error_statuses = (401,)

    # Built by selectors.reader_state; tests/test_contracts.py holds it to this.
    @extend_schema(parameters=URL_PARAMS, responses={200: ReaderStateSerializer})
    def get(self, request: Request) -> HttpResponse:
        commenter = reader_required(request)
        url, key = page_params(request.query_params)
        thread = selectors.thread_find(url=url, key=key)
        response = json_response(selectors.reader_state(commenter=commenter, thread=thread))
        response["Cache-Control"] = "private, no-store"
        return response


class CountsInput(serializers.Serializer):
    """The POST body: `{"urls": [...]}`; a URL that is not a page URL counts as 0."""

    urls = serializers.ListField(
        child=Text(allow_blank=True, trim_whitespace=False),
        allow_empty=False,
        max_length=1000,
    )


def counts_for(raw_urls: list[str]) -> dict[str, int]:
    """Published-comment counts keyed by the URLs exactly as given (Redis first, then SQL)."""
    normal: dict[str, str | None] = {}
    for raw in raw_urls:
        try:
            normal[raw] = url_normalize(raw)
        except InvalidURL:
            normal[raw] = None  # a malformed link on an index page counts as no comments
    wanted = sorted({url for url in normal.values() if url})
    cached = dict(zip(wanted, cache.counts_get(wanted), strict=True))
    counts = {url: count for url, count in cached.items() if count is not None}
    missing = [url for url in wanted if url not in counts]
    if missing:
        replicas.fresh_reads()
        found = selectors.thread_counts(missing)
        cache.counts_put(found)
        counts.update(found)
    return {raw: counts.get(url, 0) if url else 0 for raw, url in normal.items()}


class CountsApi(WidgetApi):
    """Published-comment counts for blog index pages.

    GET takes up to 100 `url` parameters and is cacheable; a long list of real URLs passes
    the servers' request-line limit (4 KB in gunicorn) at about 50, so POST takes up to
    1,000 URLs in a JSON body (`{"urls": [...]}`, at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes).
    Both answer `{url: count}` with each URL as it was sent.
    """

    MAX_URLS = 100

    @extend_schema(
        parameters=[OpenApiParameter("url", OpenApiTypes.URI, many=True)],
        responses={200: CountsSerializer()},
    )
    def get(self, request: Request) -> HttpResponse:
        raw_urls = request.query_params.getlist("url")
        if not raw_urls:
            raise exceptions.ValidationError({"url": ["Give at least one url parameter."]})
        if len(raw_urls) > self.MAX_URLS:
            raise exceptions.ValidationError(
                {"url": [f"At most {self.MAX_URLS} URLs per request; POST takes more."]}
            )
        response = json_response(CountsSerializer().to_representation(counts_for(raw_urls)))
        response["Cache-Control"] = "public, max-age=30"
        return response

    @extend_schema(request=CountsInput, responses={200: CountsSerializer()})
    def post(self, request: Request) -> HttpResponse:
        data = CountsInput(data=request.data)
        data.is_valid(raise_exception=True)
        counts = counts_for(data.validated_data["urls"])
        response = json_response(CountsSerializer().to_representation(counts))
        response["Cache-Control"] = "no-store"
        return response
