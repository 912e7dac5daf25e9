"""Exports: the site's threads and comments as JSON (schema in docs/import.md) or as Disqus
XML that the Disqus importer reads back to the same tree.

Both stream: rows come from server-side cursors in chunks and leave as bytes, so a site of
any size exports in constant memory. Each function yields the file's bytes in pieces.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson
from django.db.models import QuerySet
from django.utils.timezone import now

from embed.models import Comment, Thread

CHUNK = 2000
FORMATS = ("json", "disqus")
JSON_VERSION = 1


def _threads() -> QuerySet[Thread]:
    return Thread.objects.order_by("id")


def _comments() -> QuerySet[Comment]:
    return (
        Comment.objects.select_related("author", "parent")
        .only(
            "id", "thread_id", "parent_id", "body", "body_html", "status", "created", "edited",
            "score", "pinned", "ip", "import_source", "import_id", "author__name",
            "author__email", "author__sso_id", "author__import_key", "parent__import_source",
            "parent__import_id",
        )
        .order_by("thread_id", "id")
    )  # fmt: skip


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_json(*, site: str) -> Iterator[bytes]:
    """`{"format": "palaver", "version": 1, "site", "exported", "threads": [{..., "comments":
    [...]}]}`: every thread with every comment, whatever its status, in id order."""
    head = orjson.dumps(
        {"format": "palaver", "version": JSON_VERSION, "site": site, "exported": _time(now())}
    )
    yield head[:-1] + b',"threads":['
    comments = _comments().iterator(chunk_size=CHUNK)
    pending = next(comments, None)
    out: list[bytes] = []
    for index, thread in enumerate(_threads().iterator(chunk_size=CHUNK)):
        out.append((b",\n" if index else b"\n") + _thread_head(thread))
        separator = b""
        # Both cursors go in thread order: each thread takes the comments that are its own.
        while pending is not None and pending.thread_id == thread.pk:
            out.append(separator + _comment_json(pending))
            separator = b","
            pending = next(comments, None)
            if len(out) >= CHUNK:
                yield b"".join(out)
                out = []
        out.append(b"]}")
    out.append(b"]}\n")
    yield b"".join(out)


def _thread_head(thread: Thread) -> bytes:
    """A thread's JSON up to the opening of its comments."""
    data = {
        "id": thread.pk, "url": thread.url, "key": thread.key, "title": thread.title,
        "closed": thread.closed, "created": _time(thread.created),
    }  # fmt: skip
    return orjson.dumps(data)[:-1] + b',"comments":['


def _comment_json(comment: Comment) -> bytes:
    data: dict[str, Any] = {
        "id": comment.pk,
        "parent": comment.parent_id,
        "status": comment.status,
        "author": {"name": comment.author.name, "email": comment.author.email},
        "body": comment.body,
        "html": comment.body_html,
        "created": _time(comment.created),
        "edited": _time(comment.edited),
        "score": comment.score,
        "pinned": comment.pinned,
        "ip": comment.ip,
        "source": (
            {"format": comment.import_source, "id": comment.import_id}
            if comment.import_source
            else None
        ),
    }
    return orjson.dumps(data)


def _post_id(source: str | None, source_id: str | None, pk: int) -> str:
    # A comment imported from Disqus keeps its id, so exporting and importing again finds it.
    return source_id if source == "disqus" and source_id else f"palaver-{pk}"


def export_disqus(*, site: str) -> Iterator[bytes]:
    """Disqus XML: every thread, then every comment (published, held as not approved,
    rejected as deleted, spam, deleted), parents by their post ids."""
    yield (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
    )
    chunk: list[str] = []
    for thread in _threads().iterator(chunk_size=CHUNK):
        chunk.append(
            f'<thread dsq:id="t{thread.pk}">'
            f"<id>{escape(thread.key or '')}</id><forum>{escape(site)}</forum>"
            f"<link>{escape(thread.url)}</link><title>{escape(thread.title)}</title>"
            f"<createdAt>{_time(thread.created)}</createdAt>"
            f"<isClosed>{str(thread.closed).lower()}</isClosed><isDeleted>false</isDeleted>"
            "</thread>\n"
        )
        if len(chunk) >= CHUNK:
            yield "".join(chunk).encode()
            chunk = []
    for comment in _comments().iterator(chunk_size=CHUNK):
        chunk.append(_post_xml(comment))
        if len(chunk) >= CHUNK:
            yield "".join(chunk).encode()
            chunk = []
    chunk.append("</disqus>\n")
    yield "".join(chunk).encode()


def _post_xml(comment: Comment) -> str:
    author = comment.author
    username = ""
    if author.import_key and author.import_key.startswith("disqus:u:"):
        username = author.import_key.removeprefix("disqus:u:")
    elif author.sso_id:
        username = author.sso_id
    status = comment.status
    parent = ""
    if comment.parent is not None:
        parent_id = _post_id(
            comment.parent.import_source, comment.parent.import_id, comment.parent.pk
        )
        parent = f"<parent dsq:id={quoteattr(parent_id)}/>"
    post_id = _post_id(comment.import_source, comment.import_id, comment.pk)
    return (
        f"<post dsq:id={quoteattr(post_id)}><id/>"
        f"<message>{escape(comment.body_html)}</message>"
        f"<createdAt>{_time(comment.created)}</createdAt>"
        f"<isDeleted>{str(status in ('deleted', 'rejected')).lower()}</isDeleted>"
        f"<isSpam>{str(status == 'spam').lower()}</isSpam>"
        f"<isApproved>{str(status != 'pending').lower()}</isApproved>"
        f"<author><email>{escape(author.email)}</email><name>{escape(author.name)}</name>"
        f"<isAnonymous>{str(not username).lower()}</isAnonymous>"
        f"<username>{escape(username)}</username></author>"
        f"<ipAddress>{comment.ip or ''}</ipAddress>"
        f'<thread dsq:id="t{comment.thread_id}"/>{parent}</post>\n'
    )
