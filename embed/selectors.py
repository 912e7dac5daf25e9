"""Reads. The thread tree costs a constant number of queries whatever its size:
thread, one page of top-level comments, all their replies (via `root`).

What readers see, and what the counts count: every published comment, each in its place. A
comment that is not published (deleted, rejected, spam, held) is left out, unless published
replies hang below it: then it stays as an empty placeholder ("deleted": true, no author, no
text) that holds them. So a thread's `comment_count` is simply its number of published
comments, and it always equals the comments a reader can read in the tree."""

import base64
import hmac
import struct
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Case, Count, Exists, OuterRef, Q, When
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.urlnorm import url_search_terms
from embed.avatars import author_data
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


class Cursor(NamedTuple):
    """A position in a thread's top-level order: the last comment of the page before.

    Keyset paging (`pinned, [score,] created, id`), not an offset: a comment posted, held or
    removed between two page loads moves no other comment to another page, so nothing repeats
    or goes missing. Pinned comments come first and are part of the position, so they are on
    the first page(s) only. `top` ranks by the score the last comment had when its page was
    read: a vote in between can move a comment across the page boundary (a live ranking has
    no fixed order to page through), a new comment cannot.
    """

    sort: str
    pinned: bool
    score: int  # 0 unless sort == "top"
    created_us: int  # microseconds since the Unix epoch, UTC
    id: int


_CURSOR_VERSION = 1
_CURSOR_SORTS = ("oldest", "newest", "top")
_CURSOR = struct.Struct(">BB?qqq")  # version, sort, pinned, score, created_us, id
_CURSOR_MAC_BYTES = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _cursor_mac(body: bytes, scope: str) -> bytes:
    mac = salted_hmac("palaver.cursor", body + scope.encode(), algorithm="sha256")
    return mac.digest()[:_CURSOR_MAC_BYTES]


def cursor_encode(cursor: Cursor, *, scope: str) -> str:
    """An opaque, signed token for `cursor`, valid only for the read it was made for
    (`scope`: the site's schema and the page's idents)."""
    body = _CURSOR.pack(
        _CURSOR_VERSION, _CURSOR_SORTS.index(cursor.sort), cursor.pinned, cursor.score,
        cursor.created_us, cursor.id,
    )  # fmt: skip
    return base64.urlsafe_b64encode(body + _cursor_mac(body, scope)).decode().rstrip("=")


def cursor_decode(token: str | None, *, sort: str, scope: str) -> Cursor | None:
    """The position `token` names, or None for the first page. Raises BadCursor for anything
    this server did not issue for this read and sort."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, UnicodeEncodeError):
        raise BadCursor("The cursor is not valid.") from None
    body, mac = raw[: _CURSOR.size], raw[_CURSOR.size :]
    if len(raw) != _CURSOR.size + _CURSOR_MAC_BYTES or not hmac.compare_digest(
        mac, _cursor_mac(body, scope)
    ):
        raise BadCursor("The cursor is not valid.")
    version, sort_code, pinned, score, created_us, pk = _CURSOR.unpack(body)
    if version != _CURSOR_VERSION or sort_code >= len(_CURSOR_SORTS):
        raise BadCursor("The cursor is not valid.")
    if _CURSOR_SORTS[sort_code] != sort:
        raise BadCursor("The cursor belongs to another sort order; start from the first page.")
    return Cursor(sort, pinned, score, created_us, pk)


def _cursor_after(comment: Comment, sort: str) -> Cursor:
    created_us = (comment.created - _EPOCH) // timedelta(microseconds=1)
    score = comment.score if sort == "top" else 0
    return Cursor(sort, comment.pinned, score, created_us, comment.pk)


def _after(cursor: Cursor) -> Q:
    """Top-level comments after `cursor` in its sort order (SORTS)."""
    created = _EPOCH + timedelta(microseconds=cursor.created_us)
    later = "lt" if cursor.sort == "newest" else "gt"
    tail = Q(**{f"created__{later}": created}) | Q(created=created, **{f"id__{later}": cursor.id})
    if cursor.sort == "top":
        tail = Q(score__lt=cursor.score) | (Q(score=cursor.score) & tail)
    after = Q(pinned=cursor.pinned) & tail
    if cursor.pinned:  # pinned come first: after a pinned one, the rest of them, then all others
        after |= Q(pinned=False)
    return after


# Among several threads for one URL (see `thread_find`): the key-less one, else the newest.
_URL_PREFERENCE = (Case(When(key__isnull=True, then=0), default=1), "-created", "-id")


def thread_find(*, url: str | None, key: str | None) -> Thread | None:
    """The thread of a page, by the site's key or the page's normalised URL; one query.

    The one thread lookup: reads, the reader's state, live events, counts and posts all
    resolve a page through these rules (docs/api.md, "Threads, URLs and keys"):

    - with a key: the thread that has the key; else the thread at `url` that has no key yet
      (a post then gives it the key: the site started sending `data-key`); else none;
    - with a URL only: the thread at `url` that has no key; else the newest keyed thread at
      `url` (the site stopped sending `data-key`); else none.

    A thread at `url` with a *different* key is never returned for a key: the site said the
    page is another one. `url` must already be normalised (`core.urlnorm.url_normalize`).
    """
    if key:
        match = Q(key=key) | Q(url=url, key__isnull=True) if url else Q(key=key)
        order: tuple = (Case(When(key=key, then=0), default=1),)
    elif url:
        match, order = Q(url=url), _URL_PREFERENCE
    else:
        return None
    return Thread.objects.filter(match).order_by(*order).first()


def comment_or_404(pk: int, *, with_flag_count: bool = False) -> Comment:
    """This site's comment `pk` with its thread and author (and, when asked, `flag_count`:
    its number of reader reports). Raises Http404, which the API answers as its JSON 404."""
    comments = Comment.objects.select_related("thread", "author")
    if with_flag_count:
        comments = comments.annotate(flag_count=Count("flags"))
    comment = comments.filter(pk=pk).first()
    if comment is None:
        raise Http404("No such comment on this site.")
    return comment


def comment_data(comment: Comment) -> dict[str, Any]:
    """A comment as the public API shows it (without replies); a deleted one is emptied."""
    if comment.status == Comment.Status.DELETED:
        author: dict[str, Any] = {"name": "", "avatar": None, "badge": None}
        html, score = "", 0
    else:
        author = author_data(comment.author)
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


def thread_page(
    *, thread: Thread, sort: str, after: Cursor | None
) -> tuple[list[dict], Cursor | None]:
    """One page of top-level comments with all their replies, and the next page's cursor."""
    comments_top = Comment.objects.filter(SHOWN_TOP_LEVEL, thread=thread, parent__isnull=True)
    if after is not None:
        comments_top = comments_top.filter(_after(after))
    top = list(comments_top.select_related("author").order_by(*SORTS[sort])[: PAGE_SIZE + 1])
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
    return comments, (_cursor_after(top[-1], sort) if has_more else None)


def thread_payload(
    *,
    url: str | None,
    key: str | None,
    sort: str,
    after: Cursor | None,
    cursor_scope: str,
    site: SiteConfig,
) -> dict[str, Any]:
    """The public page of a thread: `after` from `cursor_decode`, `cursor_scope` as given
    to it (the next page's cursor is made for the same read)."""
    thread = thread_find(url=url, key=key)
    if thread is None:
        return {"thread": None, "site": site.public(), "comments": [], "next": None}
    comments, following = thread_page(thread=thread, sort=sort, after=after)
    return {
        "thread": thread_data(thread, site),
        "site": site.public(),
        "comments": comments,
        "next": cursor_encode(following, scope=cursor_scope) if following else None,
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
    """Comment counts by normalised URL, each URL resolved as `thread_find` resolves it."""
    rows = (
        Thread.objects.filter(url__in=urls)
        .order_by("url", *_URL_PREFERENCE)
        .distinct("url")
        .values_list("url", "comment_count")
    )
    found = dict(rows)
    return {url: found.get(url, 0) for url in urls}


def thread_search(text: str) -> Q:
    """Threads whose URL or title contains `text`, for moderators' searches; the URL is also
    matched in its stored spelling (`/posts/café` finds `/posts/caf%C3%A9`)."""
    match = Q(title__icontains=text)
    for term in url_search_terms(text):
        match |= Q(url__icontains=term)
    return match


def name_taken(name: str, *, by_other_than: Commenter | None) -> bool:
    """Whether a signed-in reader of this site (team members among them) other than
    `by_other_than` shows this name, ignoring case: guests may not take it."""
    signed_in = Commenter.objects.exclude(badge="").filter(name__iexact=name)
    if by_other_than is not None:
        signed_in = signed_in.exclude(pk=by_other_than.pk)
    return signed_in.exists()
