"""Atom feeds: a thread's comments and the site's latest comments, published ones only.

    GET /feeds/thread.atom?url=U[&key=K]   a page's thread (empty until its first comment;
                                           404 for a page on an origin the site does not allow)
    GET /feeds/comments.atom               the site's latest comments, every page

Newest FEED_SIZE first; held, spam, shadow-banned, rejected and deleted comments never
appear. Each answer has an ETag and Last-Modified (the newest comment's creation or edit), and
a conditional GET that matches is a 304 with no body, so feed readers polling every few
minutes cost one query. Served outside /api/ (they are XML, not the JSON API).
"""

import hashlib
from datetime import datetime

from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe
from rest_framework import exceptions

from core.errors import ErrorCode, error_body
from core.http import etag_matches
from core.urlnorm import origin_of
from embed import selectors
from embed.api.common import json_response, page_params
from embed.models import Comment, Thread
from embed.notifications.mail import site_name
from embed.site import comment_permalink, site_config
from embed.sitelinks import site_base

FEED_SIZE = 50
CACHE_SECONDS = 60


def published(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.filter(status=Comment.Status.PUBLISHED, shadowed=False)


def _stamp(comments: QuerySet[Comment]) -> tuple[datetime | None, str]:
    """(Last-Modified, ETag) of a feed over `comments`: one aggregate query."""
    found = comments.aggregate(
        created=Max("created"), edited=Max("edited"), newest=Max("id"), count=Count("id")
    )
    moments = [moment for moment in (found["created"], found["edited"]) if moment]
    modified = max(moments) if moments else None
    raw = f"{found['newest']}:{modified.timestamp() if modified else 0}:{found['count']}"
    return modified, '"' + hashlib.blake2b(raw.encode(), digest_size=12).hexdigest() + '"'


def _not_modified(request: HttpRequest, etag: str, modified: datetime | None) -> bool:
    if request.headers.get("If-None-Match"):
        return etag_matches(request.headers["If-None-Match"], etag)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return bool(since and modified and int(modified.timestamp()) <= since)


def _answer(
    request: HttpRequest, comments: QuerySet[Comment], *, title: str, link: str
) -> HttpResponse:
    modified, etag = _stamp(comments)
    if _not_modified(request, etag, modified):
        response = HttpResponse(status=304)
    else:
        feed = Atom1Feed(
            title=title,
            link=link,
            description="",
            feed_url=request.build_absolute_uri(),
            id=request.build_absolute_uri(),
            updateddate=modified,
        )
        for comment in comments.select_related("thread", "author").order_by("-created", "-id")[
            :FEED_SIZE
        ]:
            page = comment.thread.title or comment.thread.url
            url = comment_permalink(url=comment.thread.url, comment_id=comment.pk)
            feed.add_item(
                title=f"{comment.author.name or 'A reader'} on {page}",
                link=url,
                description=comment.body_html,  # sanitized on write
                content=comment.body_html,
                author_name=comment.author.name or "A reader",
                pubdate=comment.created,
                updateddate=comment.edited or comment.created,
                unique_id=f"{site_base()}/comments/{comment.pk}",
                unique_id_is_permalink=False,
            )
        response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
        feed.write(response, "utf-8")
    response["ETag"] = etag
    if modified:
        response["Last-Modified"] = http_date(modified.timestamp())
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@require_safe
def thread_feed(request: HttpRequest) -> HttpResponse:
    """The Atom feed of one page's thread."""
    try:
        url, key = page_params(request.GET)
    except exceptions.ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"url": exc.detail}
        fields = {name: [str(m) for m in messages] for name, messages in detail.items()}
        message = next(iter(fields.values()))[0]
        return json_response(error_body(ErrorCode.INVALID, message, fields), status=400)
    thread: Thread | None = selectors.thread_find(url=url, key=key)
    if thread is None:
        # A page of the site without comments yet has an empty feed, so a reader can follow
        # it before the first comment (the widget links to it from the start); any other
        # page is not the site's.
        if url is None or origin_of(url) not in site_config().allowed_origins:
            body = error_body(ErrorCode.NOT_FOUND, "This page is not one of this site's.")
            return json_response(body, status=404)
        return _answer(request, Comment.objects.none(), title=f"Comments on {url}", link=url)
    return _answer(
        request,
        published(Comment.objects.filter(thread=thread)),
        title=f"Comments on {thread.title or thread.url}",
        link=thread.url,
    )


@require_safe
def site_feed(request: HttpRequest) -> HttpResponse:
    """The Atom feed of the site's latest comments, on every page."""
    return _answer(
        request,
        published(Comment.objects.all()),
        title=f"Latest comments on {site_name()}",
        link=site_base(),
    )
