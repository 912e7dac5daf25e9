"""Readers' data rights: what the site holds about one reader (export), and erasing it.

One home for both, used by the widget (`/api/v1/me/…`, the reader's own commenter token),
the admin API (`/api/v1/admin/readers/…`) and the dashboard's readers page.

What belongs to a reader: their `Commenter` row (name, e-mail, picture, badge), its
`ReaderIdentity` rows of every kind (SSO, and whichever ways in a site adds), their comments
(text, page, times, status, the anonymised network), their votes and reports, and their
reply e-mail subscriptions. Subscriptions hang on an e-mail address, not on a reader, and a
guest's address is only what they typed: so a guest's subscriptions are those to their own
comments and to threads they wrote on, while a signed-in reader, whose address the sign-in
vouches for, owns every subscription of that address. Otherwise anyone could type someone
else's address into a comment and read (or cancel) what that person follows.

Erasing follows the rule the thread already has for deleted comments: a comment that
replies hang from stays as an empty "deleted" placeholder (its text, network and moderation
notes cleared, its author an anonymous stand-in with no token), so other readers' replies
keep their place; every other comment goes. Then the reader's votes (taken off the scores),
reports, subscriptions, identities and the reader row itself go. Tokens are signed commenter
ids that the server checks against the row, so with the row gone every token of the reader
is refused (401). Counts, cached pages and live readers of each touched thread are told
after COMMIT, and `comment.removed` webhooks go out for the published comments erased, with
their text already empty.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core.errors import ErrorCode, Refused
from core.staff import StaffUser
from embed import cache
from embed.models import (
    Comment,
    Commenter,
    Flag,
    MagicLink,
    MailAddress,
    Subscription,
    Thread,
    Vote,
)
from embed.moderation.audit import audit
from embed.notifications.subscriptions import HARD_SUPPRESSIONS
from embed.webhooks import services as webhooks

# What a reader's erasure must be confirmed with (`{"confirm": "erase"}`), so no stray
# request or replayed form erases anyone.
CONFIRMATION = "erase"
READERS_PAGE = 50


def reader_addresses(commenter: Commenter) -> list[str]:
    """The e-mail addresses the site knows the reader by (lower-cased, no blanks)."""
    found = {commenter.email.strip().lower()} if commenter.email else set()
    found |= {e.strip().lower() for e in commenter.identities.values_list("email", flat=True)}
    return sorted(e for e in found if e)


def reader_sign_in_links(commenter: Commenter) -> QuerySet[MagicLink]:
    """The e-mailed sign-in links asked for the reader's addresses, for a signed-in reader
    only (a guest's address is only what they typed); newest last."""
    if not commenter.identities.exists():
        return MagicLink.objects.none()
    return MagicLink.objects.filter(email__in=reader_addresses(commenter)).order_by("created", "pk")


def reader_subscriptions(commenter: Commenter) -> QuerySet[Subscription]:
    """The reply e-mail subscriptions that are the reader's (see the module's docstring)."""
    addresses = reader_addresses(commenter)
    subscriptions = Subscription.objects.filter(address__email__in=addresses)
    if not commenter.identities.exists():
        own = Comment.objects.filter(author=commenter)
        subscriptions = subscriptions.filter(
            Q(comment__author=commenter)
            | Q(comment__isnull=True, thread__in=own.values("thread_id"))
        )
    return subscriptions.select_related("address", "thread", "comment").order_by("created", "pk")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def reader_export(
    *, commenter: Commenter, as_reader: bool, token: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the site holds about `commenter`, as plain JSON-ready data (the shape of
    `embed.api.serializers.ReaderDataSerializer`; times as ISO 8601 strings).

    `as_reader`: the reader asks for their own data. A comment hidden by a shadow ban then
    shows as published, as it does to them in the thread (the ban is the moderators' defence
    against abuse); moderators see its real status. `token`: what the presented commenter
    token says of itself ({"issued", "expires"}), never the token.
    """
    identities = commenter.identities.order_by("created", "pk")
    comments = (
        Comment.objects.filter(author=commenter).select_related("thread").order_by("created", "pk")
    )
    votes = (
        Vote.objects.filter(commenter=commenter)
        .select_related("comment__thread")
        .order_by("created", "pk")
    )
    flags = (
        Flag.objects.filter(commenter=commenter)
        .select_related("comment__thread")
        .order_by("created", "pk")
    )
    subscriptions = list(reader_subscriptions(commenter))
    addresses = {s.address for s in subscriptions}

    def status(comment: Comment) -> str:
        if as_reader and comment.shadowed and comment.status == Comment.Status.SPAM:
            return Comment.Status.PUBLISHED
        return comment.status

    return {
        "exported": _iso(timezone.now()),
        "reader": {
            "id": commenter.pk,
            "name": commenter.name,
            "email": commenter.email,
            "avatar": commenter.avatar,
            "badge": commenter.badge,
            "created": _iso(commenter.created),
        },
        "token": token,
        "identities": [
            {
                "kind": i.kind,
                "subject": i.subject,
                "email": i.email,
                "url": i.url,
                "created": _iso(i.created),
                "last_seen": _iso(i.last_seen),
            }
            for i in identities
        ],
        "comments": [
            {
                "id": c.pk,
                "url": c.thread.url,
                "title": c.thread.title,
                "parent": c.parent_id,
                "status": status(c),
                "body": c.body,
                "html": c.body_html,
                "created": _iso(c.created),
                "edited": _iso(c.edited),
                "score": c.score,
                "ip": c.ip,
            }
            for c in comments
        ],
        "votes": [
            {
                "comment": v.comment_id,
                "url": v.comment.thread.url,
                "value": v.value,
                "network": v.network,
                "created": _iso(v.created),
            }
            for v in votes
        ],
        "flags": [
            {
                "comment": f.comment_id,
                "url": f.comment.thread.url,
                "reason": f.reason,
                "created": _iso(f.created),
            }
            for f in flags
        ],
        "subscriptions": [
            {
                "email": s.address.email,
                "url": s.thread.url,
                "comment": s.comment_id,
                "active": s.active,
                "created": _iso(s.created),
            }
            for s in subscriptions
        ],
        # Never the link's digest: what it signs in with stays out of every export.
        "sign_in_links": [
            {
                "email": link.email,
                "url": link.url,
                "created": _iso(link.created),
                "sent": _iso(link.sent),
                "expires": _iso(link.expires),
                "used": _iso(link.used),
            }
            for link in reader_sign_in_links(commenter)
        ],
        "mail_addresses": [
            {
                "email": a.email,
                "created": _iso(a.created),
                "confirmed": _iso(a.confirmed),
                "suppressed": _iso(a.suppressed),
                "suppressed_reason": a.suppressed_reason,
            }
            for a in sorted(addresses, key=lambda a: a.email)
        ],
    }


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, in rows (the answer of the erase endpoints, and the audit's)."""

    comments_removed: int  # comments deleted (with the reader's own replies below them)
    comments_kept_as_placeholders: int  # comments others' replies hang from, now empty
    votes: int
    flags: int
    subscriptions: int
    identities: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _comments_that_go(comments: list[Comment]) -> set[int]:
    """Of the reader's `comments`, those that can go: every reply below them goes too (is
    the reader's and goes). Bottom-up, so a chain of the reader's own replies goes whole."""
    ids = {c.pk for c in comments}
    children: dict[int, set[int]] = defaultdict(set)
    for child, parent in Comment.objects.filter(parent_id__in=ids).values_list("pk", "parent_id"):
        children[parent].add(child)
    gone: set[int] = set()
    # A reply is always one level below its parent (capped replies attach at the cap).
    for comment in sorted(comments, key=lambda c: -c.depth):
        if children[comment.pk] <= gone:
            gone.add(comment.pk)
    return gone


def reader_erase(*, commenter: Commenter, actor: StaffUser | None, confirm: object) -> Erasure:
    """Erase `commenter` from this site (see the module's docstring for what goes and what
    stays). `actor`: the moderator acting on the reader's request, None when the reader
    asks themselves. Audited either way, by counts only (an audit entry naming the reader
    would keep what was erased).

    Raises ValidationError unless `confirm` is `CONFIRMATION`, Refused (`not_found`, 404)
    when the reader is gone by the time their row is locked. Call outside a transaction or
    inside one: the work is one transaction, its side effects run after COMMIT.
    """
    if confirm != CONFIRMATION:
        raise ValidationError({"confirm": f'Send "confirm": "{CONFIRMATION}" to erase.'})
    with transaction.atomic():
        found = Commenter.objects.select_for_update().filter(pk=commenter.pk).first()
        if found is None:  # a second erasure (a double click) that waited for the first
            raise Refused(ErrorCode.NOT_FOUND, "This reader's data was erased already.")
        commenter = found
        # First, while the reader's comments still say which threads they wrote on.
        subscriptions = _subscriptions_erase(commenter)
        reader_sign_in_links(commenter).delete()
        # Locking the comments first makes a reply racing to one of them wait for the
        # erasure, so the replies counted below are all there are.
        comments = list(
            Comment.objects.select_for_update(of=("self",))
            .select_related("thread", "author")
            .filter(author=commenter)
        )
        gone = _comments_that_go(comments)
        kept = [c for c in comments if c.pk not in gone]
        touched: dict[int, Thread] = {}
        removed_published: dict[int, int] = defaultdict(int)
        for comment in comments:
            touched[comment.thread_id] = comment.thread
            if comment.status == Comment.Status.PUBLISHED:
                removed_published[comment.thread_id] += 1
                cache.thread_changed(
                    url=comment.thread.url,
                    key=comment.thread.key,
                    event={"type": "comment.removed", "id": comment.pk},
                )
                _removed_webhook(comment)
        for thread_id, count in removed_published.items():
            Thread.objects.filter(pk=thread_id).update(comment_count=F("comment_count") - count)
        if kept:
            stand_in = Commenter.objects.create()  # no token was ever made for it
            Comment.objects.filter(pk__in=[c.pk for c in kept]).update(
                status=Comment.Status.DELETED,
                author=stand_in,
                body="",
                body_html="",
                ip=None,
                reasons=[],
                spam_score=None,
                shadowed=False,
                pinned=False,
            )
        Comment.objects.filter(pk__in=gone).delete()
        votes = _votes_withdraw(commenter, touched)
        flags = Flag.objects.filter(commenter=commenter).delete()[0]
        identities = commenter.identities.count()
        reader_id = commenter.pk
        commenter.delete()  # its identities go with it (every kind)
        for thread in touched.values():
            cache.thread_changed(url=thread.url, key=thread.key)
        result = Erasure(
            comments_removed=len(gone),
            comments_kept_as_placeholders=len(kept),
            votes=votes,
            flags=flags,
            subscriptions=subscriptions,
            identities=identities,
        )
        audit(
            actor,
            "reader_erase",
            f"reader {reader_id}",
            requested_by="moderator" if actor else "reader",
            **result.as_dict(),
        )
    return result


def _removed_webhook(comment: Comment) -> None:
    # The outbox's task reads the comment after COMMIT, and most erased comments are gone
    # by then: the `comment.removed` deliveries are made here, without the text.
    payload = webhooks.comment_payload(comment)
    payload.update(status=Comment.Status.DELETED, author={"name": ""}, html="", text="")
    webhooks.deliveries_create(
        event="comment.removed",
        data={"comment": payload, "thread": webhooks.thread_payload(comment.thread)},
    )


def _votes_withdraw(commenter: Commenter, touched: dict[int, Thread]) -> int:
    """Take the reader's votes off the scores and delete them; the number of votes."""
    votes = list(
        Vote.objects.filter(commenter=commenter)
        .exclude(comment__author=commenter)  # those went with the comments, or stay at 0
        .select_related("comment__thread")
    )
    for vote in votes:
        Comment.objects.filter(pk=vote.comment_id).update(score=F("score") - vote.value)
        thread = vote.comment.thread
        touched[thread.pk] = thread
        cache.thread_changed(
            url=thread.url, key=thread.key, event={"type": "comment.score", "id": vote.comment_id}
        )
    return Vote.objects.filter(commenter=commenter).delete()[0]


def _subscriptions_erase(commenter: Commenter) -> int:
    """Delete the reader's subscriptions (and the reply notices made for them), then each of
    their addresses left with none, unless it bounced or complained: that suppression stays,
    so nothing is ever sent to it again."""
    subscriptions = reader_subscriptions(commenter)
    count = len(subscriptions)
    Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).delete()
    MailAddress.objects.filter(email__in=reader_addresses(commenter)).annotate(
        left=Count("subscriptions")
    ).filter(left=0).exclude(suppressed_reason__in=HARD_SUPPRESSIONS).delete()
    return count


def readers_find(text: str) -> QuerySet[Commenter]:
    """Readers matching `text` for moderators: `#12` or `12` is a reader id, else a part of a
    name, an e-mail address (the reader's or an identity's) or an identity's subject.
    Annotated with `comment_count`; newest first."""
    text = text.strip()
    readers = Commenter.objects.all()
    if text:
        number = text.lstrip("#")
        match = (
            Q(name__icontains=text)
            | Q(email__icontains=text)
            | Q(identities__email__icontains=text)
            | Q(identities__subject=text)
        )
        if number.isdigit() and int(number) < 2**31:  # ids are PostgreSQL integers
            match |= Q(pk=int(number))
        readers = readers.filter(match)
    return (
        readers.annotate(comment_count=Count("comments", distinct=True))
        .distinct()
        .order_by("-created", "-pk")
    )


def reader_export_for_moderator(*, commenter: Commenter, actor: StaffUser) -> dict[str, Any]:
    """`reader_export` for a moderator answering a reader's request; audited."""
    data = reader_export(commenter=commenter, as_reader=False)
    audit(actor, "reader_export", f"reader {commenter.pk}")
    return data
