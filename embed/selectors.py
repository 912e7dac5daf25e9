"""Reads. The thread tree costs a constant number of queries whatever its size:
thread, one page of top-level comments, all their replies (via `root`).

What readers see, and what the counts count: every published comment, each in its place. A
comment that is not published (deleted, rejected, spam, held) is left out, unless published
replies hang below it: then it stays as an empty placeholder ("deleted": true, no author, no
text) that holds them. So a thread's `comment_count` is simply its number of published
comments, and it always equals the comments a reader can read in the tree."""

import base64
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from embed.models import Comment, Commenter, Thread, Vote
from embed.site import SiteConfig

PAGE_SIZE = 50
SORTS: dict[str, tuple[str, ...]] = {
    "oldest": ("-pinned", "created", "id"),
    "newest": ("-pinned", "-created", "-id"),
    "top": ("-pinned", "-score", "created", "id"),
}
PUBLISHED = Comment.Status.PUBLISHED
# A top-level comment is shown when it is published or holds a published reply anywhere below.
SHOWN_TOP_LEVEL = Q(status=PUBLISHED) | Exists(
    Comment.objects.filter(root=OuterRef("pk"), status=PUBLISHED)
)
# A reply is fetched when it is published or holds replies (placeholder candidates; `_tree`
# keeps those whose subtree has something published).
SHOWN_REPLY = Q(status=PUBLISHED) | Exists(Comment.objects.filter(parent=OuterRef("pk")))


class BadCursor(ValueError):
    pass


def cursor_encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("o"):
            raise ValueError(raw)
        offset = int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        raise BadCursor("The cursor is not valid.") from None
    if offset < 0 or offset > 1_000_000:
        raise BadCursor("The cursor is not valid.")
    return offset


def thread_find(*, url: str | None, key: str | None) -> Thread | None:
    query = Q(key=key) if key else Q(url=url)
    return Thread.objects.filter(query).first()


def comment_data(comment: Comment) -> dict[str, Any]:
    """A comment as the public API shows it (without replies); a deleted one is emptied."""
    if comment.status == Comment.Status.DELETED:
        author: dict[str, Any] = {"name": "", "avatar": None, "badge": None}
        html, score = "", 0
    else:
        person = comment.author
        author = {
            "name": person.name,
            "avatar": person.avatar or None,
            "badge": person.badge or None,
        }
        html, score = comment.body_html, comment.score
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": author,
        "html": html,
        "created": comment.created,
        "edited": comment.edited,
        "score": score,
        "pinned": comment.pinned,
        "deleted": comment.status == Comment.Status.DELETED,
    }


def comment_placeholder(comment: Comment) -> dict[str, Any]:
    """What readers see of a hidden comment that holds published replies: its place only."""
    return {
        **comment_data(comment),
        "author": {"name": "", "avatar": None, "badge": None},
        "html": "",
        "score": 0,
        "deleted": True,
    }


def thread_closed(thread: Thread, site: SiteConfig) -> bool:
    if thread.closed:
        return True
    days = site.auto_close_days
    return bool(days) and timezone.now() - thread.created > timedelta(days=days)


def thread_data(thread: Thread, site: SiteConfig) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "url": thread.url,
        "title": thread.title,
        "comment_count": thread.comment_count,
        "closed": thread_closed(thread, site),
    }


def _tree(node: Comment, children: dict[int, list[Comment]]) -> dict[str, Any] | None:
    replies = [tree for child in children.get(node.pk, []) if (tree := _tree(child, children))]
    if node.status == PUBLISHED:
        return {**comment_data(node), "replies": replies}
    if replies:  # a hidden comment stays only as the placeholder that holds replies
        return {**comment_placeholder(node), "replies": replies}
    return None


def thread_page(*, thread: Thread, sort: str, offset: int) -> tuple[list[dict], int | None]:
    """One page of top-level comments with all their replies, and the next page's offset."""
    top = list(
        Comment.objects.filter(SHOWN_TOP_LEVEL, thread=thread, parent__isnull=True)
        .select_related("author")
        .order_by(*SORTS[sort])[offset : offset + PAGE_SIZE + 1]
    )
    has_more = len(top) > PAGE_SIZE
    top = top[:PAGE_SIZE]
    children: dict[int, list[Comment]] = defaultdict(list)
    if top:
        replies = (
            Comment.objects.filter(SHOWN_REPLY, root_id__in=[c.pk for c in top])
            .select_related("author")
            .order_by("created", "id")
        )
        for reply in replies:
            children[reply.parent_id].append(reply)  # type: ignore[index]
    comments = [tree for comment in top if (tree := _tree(comment, children))]
    return comments, (offset + PAGE_SIZE if has_more else None)


def thread_payload(
    *, url: str | None, key: str | None, sort: str, offset: int, site: SiteConfig
) -> dict[str, Any]:
    thread = thread_find(url=url, key=key)
    if thread is None:
        return {"thread": None, "site": site.public(), "comments": [], "next": None}
    comments, next_offset = thread_page(thread=thread, sort=sort, offset=offset)
    return {
        "thread": thread_data(thread, site),
        "site": site.public(),
        "comments": comments,
        "next": cursor_encode(next_offset) if next_offset is not None else None,
    }


def reader_state(*, commenter: Commenter, thread: Thread | None) -> dict[str, Any]:
    """What only this reader sees of a thread: own comments, own votes, own pending comments."""
    state: dict[str, Any] = {
        "commenter": {"id": commenter.pk, "name": commenter.name},
        "own": [],
        "sources": {},
        "votes": {},
        "pending": [],
        "shadowed": [],
    }
    if thread is None:
        return state
    own = list(
        Comment.objects.filter(thread=thread, author=commenter)
        .exclude(status=Comment.Status.DELETED)
        .select_related("author")
        .order_by("created", "id")
    )
    state["own"] = [c.pk for c in own]
    # The Markdown each comment was written in, so an edit starts from it, not from HTML.
    state["sources"] = {str(c.pk): c.body for c in own}
    state["pending"] = [
        {**comment_data(c), "status": c.status, "replies": []}
        for c in own
        if c.status == Comment.Status.PENDING
    ]
    # A shadow-banned reader sees their comments as if published; nobody else sees them.
    state["shadowed"] = [
        {**comment_data(c), "status": Comment.Status.PUBLISHED, "replies": []}
        for c in own
        if c.shadowed and c.status == Comment.Status.SPAM
    ]
    votes = Vote.objects.filter(commenter=commenter, comment__thread=thread)
    state["votes"] = {str(v.comment_id): v.value for v in votes}
    return state


def thread_counts(urls: list[str]) -> dict[str, int]:
    rows = Thread.objects.filter(url__in=urls).values_list("url", "comment_count")
    found = dict(rows)
    return {url: found.get(url, 0) for url in urls}
