"""Writes. Each service validates, changes the rows in one transaction, and hands the
invalidation of the thread's cached payloads to `cache.thread_changed`, which runs it after
COMMIT (so no reader caches the state before an acknowledged write).

Readers and moderators can send the same request twice (a double click) or at the same time
as another: a status change locks the comment row and changes counts only when the status
really changed, and votes and reports lock the comment so two of them never race to insert
the same row."""

from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from core.clientip import ip_anonymise
from core.errors import ErrorCode, Refused
from core.text import display_name_clean, forbidden_character, forbidden_message
from core.urlnorm import origin_of
from embed import cache, selectors
from embed.models import Comment, Commenter, Flag, Thread, Vote
from embed.outbox import CommentEvent, comment_changed, thread_closed
from embed.policy.akismet import akismet_opinion
from embed.policy.pipeline import Submission, moderation_decide
from embed.sanitize import has_visible_text, render_markdown
from embed.site import SiteConfig

BODY_MAX = 10_000


def body_clean(body: object) -> tuple[str, str]:
    """(source, html) for a comment body, or ValidationError.

    The rendered HTML must show something: a body of `&nbsp;`, zero-width spaces or an empty
    link renders to nothing a reader can see, and would be published as a blank comment."""
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": "Write something before posting."})
    bad = forbidden_character(body)
    if bad:
        raise ValidationError({"body": forbidden_message(bad)})
    source = body.strip()
    if len(source) > BODY_MAX:
        raise ValidationError({"body": f"Keep it under {BODY_MAX:,} characters."})
    html = render_markdown(source)
    if not has_visible_text(html):
        raise ValidationError({"body": "Write something readers can see before posting."})
    return source, html


def commenter_resolve(
    *,
    commenter: Commenter | None,
    name: str | None,
    email: str | None,
    site: SiteConfig,
) -> Commenter:
    """Who is posting: a signed-in reader as their sign-in named them (the name and e-mail
    sent are ignored), else the guest's commenter (name/email refreshed) or a new one.

    A guest may not take a name a signed-in reader of this site shows (`name_taken`)."""
    if commenter is not None and commenter.badge:
        return commenter
    email = (email or "").strip().lower()
    if not site.guests_allowed:
        raise Refused(
            ErrorCode.GUESTS_NOT_ALLOWED, "This site takes comments from signed-in readers only."
        )
    name = display_name_clean(name or "", field="author_name")
    if not name and not (commenter and commenter.name):
        raise ValidationError({"author_name": "Tell us your name."})
    shown = name or (commenter.name if commenter else "")
    if selectors.name_taken(shown, by_other_than=commenter):
        raise ValidationError(
            {"author_name": "A signed-in reader of this site goes by this name; choose another."}
        )
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"author_email": "Enter a valid email address."}) from None
    if site.guest_email_required and not email and not (commenter and commenter.email):
        raise ValidationError({"author_email": "This site asks for your email address."})
    if commenter is None:
        return Commenter.objects.create(name=name, email=email)
    changed = []
    if name and name != commenter.name:
        commenter.name = name
        changed.append("name")
    if email and email != commenter.email:
        commenter.email = email
        changed.append("email")
    if changed:
        commenter.save(update_fields=changed)
    return commenter


def thread_for_post(
    *, url: str, key: str | None, title: str, site: SiteConfig, found: Thread | None
) -> Thread:
    """The thread a post goes to: `found` (what `selectors.thread_find` answered for this
    url and key), given the key if it has none yet, or a new thread if there was none and
    the page's origin is allowed.

    Call inside a transaction. Races answer the row that won: two first posts on one page,
    or a key given to two threads at once, end on one thread, never on an IntegrityError.
    """
    thread = found
    for _ in range(3):
        if thread is None:
            if origin_of(url) not in site.allowed_origins:
                raise ValidationError(
                    {"url": "Comments are not enabled for pages on this origin. "
                     "Add it in the settings."}
                )  # fmt: skip
            try:
                with transaction.atomic():
                    return Thread.objects.create(url=url, key=key, title=title[:300])
            except IntegrityError:
                pass  # another post created the thread (or took the key) first
        elif key and thread.key is None:
            # The site started sending data-key: the page's thread takes it on.
            try:
                with transaction.atomic():
                    taken = Thread.objects.filter(pk=thread.pk, key__isnull=True).update(key=key)
            except IntegrityError:
                taken = 0  # a thread elsewhere got this key first
            if taken:
                thread.key = key
                return thread
        else:
            return thread
        thread = selectors.thread_find(url=url, key=key)
    # Only reachable when other posts keep changing this page's thread under this one.
    raise Refused(ErrorCode.UNAVAILABLE, "This page's thread is changing; try again.")


def comment_create(
    *,
    thread: Thread,
    author: Commenter,
    body: str,
    parent: Comment | None = None,
    site: SiteConfig,
    ip: str | None = None,
    honeypot: str = "",
    elapsed_ms: int | None = None,
    akismet_spam: bool | None = None,
) -> Comment:
    """Create a comment on `thread`, as the moderation pipeline decides (published, held,
    spam or rejected). Replies deeper than the site's cap attach at the cap. `akismet_spam`
    is Akismet's verdict, asked before the caller's transaction (None: not asked)."""
    thread_check_open(thread=thread, site=site)
    source, html = body_clean(body)
    depth, root_id = 0, None
    if parent is not None:
        if parent.thread_id != thread.pk or parent.status != Comment.Status.PUBLISHED:
            raise ValidationError({"parent": "You can only reply to a published comment here."})
        if parent.depth + 1 >= site.max_depth and parent.parent is not None:
            parent = parent.parent
        depth = parent.depth + 1
        root_id = parent.root_id or parent.pk
    network = ip_anonymise(ip)
    decision = moderation_decide(
        site=site,
        item=Submission(
            source=source, html=html, author=author, ip=network, honeypot=honeypot,
            elapsed_ms=elapsed_ms, page_url=thread.url, akismet_spam=akismet_spam,
        ),
    )  # fmt: skip
    # Inside the caller's transaction (comment_post) no savepoint: an error here undoes the
    # whole post anyway, and a savepoint costs two round trips per comment.
    with transaction.atomic(savepoint=False):
        comment = Comment.objects.create(
            thread=thread,
            parent=parent,
            root_id=root_id,
            depth=depth,
            author=author,
            body=source,
            body_html=html,
            status=decision.status,
            ip=network,
            reasons=decision.reasons,
            spam_score=decision.spam_score,
            shadowed=decision.shadowed,
        )
        updates: dict = {"last_activity": timezone.now()}
        if decision.status == Comment.Status.PUBLISHED:
            updates["comment_count"] = F("comment_count") + 1
        Thread.objects.filter(pk=thread.pk).update(**updates)
        published = decision.status == Comment.Status.PUBLISHED
        event = {"type": "comment.new", "id": comment.pk} if published else None
        cache.thread_changed(url=thread.url, key=thread.key, event=event)
        comment_changed(kind=CommentEvent.CREATED, comment=comment)
    return comment


def comment_post(
    *,
    url: str,
    key: str | None,
    title: str,
    parent_id: int | None,
    body: str,
    commenter: Commenter | None,
    author_name: str | None,
    author_email: str | None,
    site: SiteConfig,
    ip: str | None,
    honeypot: str = "",
    elapsed_ms: int | None = None,
) -> Comment:
    """The widget's POST: resolve the author and the thread, then create the comment.

    One transaction: a body the comment refuses leaves no new commenter or thread behind.
    """
    existing = selectors.thread_find(url=url, key=key)
    if existing is not None:
        # Outside the transaction below, so an automatic close sticks when we refuse.
        thread_check_open(thread=existing, site=site)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.select_related("parent").filter(pk=parent_id).first()
        if parent is None:
            raise ValidationError({"parent": "The comment you are replying to does not exist."})
    # A network call: made before the transaction, so no lock waits on Akismet.
    akismet_spam = akismet_opinion(
        site=site, page_url=url, ip=ip_anonymise(ip), text=body,
        name=author_name or (commenter.name if commenter else ""),
        email=author_email or (commenter.email if commenter else ""),
    )  # fmt: skip
    with transaction.atomic():
        author = commenter_resolve(
            commenter=commenter, name=author_name, email=author_email, site=site
        )
        thread = thread_for_post(url=url, key=key, title=title, site=site, found=existing)
        return comment_create(
            thread=thread,
            author=author,
            body=body,
            parent=parent,
            site=site,
            ip=ip,
            honeypot=honeypot,
            elapsed_ms=elapsed_ms,
            akismet_spam=akismet_spam,
        )


def editable_until(comment: Comment, site: SiteConfig) -> datetime:
    return comment.created + timedelta(minutes=site.edit_window_minutes)


def _check_author(comment: Comment, commenter: Commenter, site: SiteConfig) -> None:
    if comment.author_id != commenter.pk:
        raise Refused(ErrorCode.NOT_AUTHOR, "You can only change your own comments.")
    if comment.status in (Comment.Status.DELETED, Comment.Status.SPAM, Comment.Status.REJECTED):
        raise Refused(ErrorCode.NOT_EDITABLE, "This comment can no longer be changed.")
    if timezone.now() > editable_until(comment, site):
        raise Refused(
            ErrorCode.EDIT_WINDOW_CLOSED,
            f"Comments can be changed for {site.edit_window_minutes} minutes after posting.",
        )


def _comment_locked(pk: int) -> Comment:
    """The comment as committed now, its row locked until the transaction ends.

    Call inside `transaction.atomic()`. Only the comment's row is locked, not its thread's.
    """
    return (
        Comment.objects.select_for_update(of=("self",))
        .select_related("thread", "author")
        .get(pk=pk)
    )


def comment_edit(*, comment: Comment, commenter: Commenter, body: str, site: SiteConfig) -> Comment:
    """The author's edit, which goes through the moderation pipeline again: an edit can
    hold a published comment, never publish a held one."""
    thread_check_open(thread=comment.thread, site=site)
    _check_author(comment, commenter, site)
    source, html = body_clean(body)
    akismet_spam = akismet_opinion(
        site=site, page_url=comment.thread.url, ip=comment.ip, name=commenter.name,
        email=commenter.email, text=source,
    )  # fmt: skip
    decision = moderation_decide(
        site=site,
        item=Submission(
            source=source, html=html, author=commenter, ip=comment.ip,
            page_url=comment.thread.url, exclude_comment=comment.pk, akismet_spam=akismet_spam,
        ),
    )  # fmt: skip
    with transaction.atomic():
        # Checked again under the lock: a delete or a moderator may have come first.
        comment = _comment_locked(comment.pk)
        _check_author(comment, commenter, site)
        was_published = comment.status == Comment.Status.PUBLISHED
        comment.body, comment.body_html, comment.edited = source, html, timezone.now()
        comment.reasons, comment.spam_score = decision.reasons, decision.spam_score
        fields = ["body", "body_html", "edited", "reasons", "spam_score"]
        if decision.status != Comment.Status.PUBLISHED:
            comment.shadowed = comment.shadowed or decision.shadowed
            fields.append("shadowed")
        comment.save(update_fields=fields)
        if was_published and decision.status != Comment.Status.PUBLISHED:
            comment_status_set(comment=comment, status=decision.status)
        else:
            event = {"type": "comment.edited", "id": comment.pk} if was_published else None
            cache.thread_changed(url=comment.thread.url, key=comment.thread.key, event=event)
            if was_published:
                comment_changed(kind=CommentEvent.EDITED, comment=comment)
    return comment


def thread_check_open(*, thread: Thread, site: SiteConfig) -> None:
    """Refuse a reader's write on a closed thread, closing it first if its time has come.

    The one check every reader write goes through (post, reply, edit, delete, vote, report):
    a closed thread is frozen for readers. Moderators' actions do not call it.
    """
    if not thread.closed and site.auto_close_days:
        if timezone.now() - thread.created > timedelta(days=site.auto_close_days):
            Thread.objects.filter(pk=thread.pk).update(closed=True)
            thread.closed = True
            cache.thread_changed(url=thread.url, key=thread.key)
            thread_closed(thread=thread)
    if thread.closed:
        raise Refused(ErrorCode.THREAD_CLOSED, "This thread is closed.")


def comment_status_set(*, comment: Comment, status: str) -> str:
    """Move `comment` to `status`; returns the status it had, read under a row lock.

    Counts, the cache and live events change only when the status really changes, so a
    request that arrives twice, or two at once, changes them once. Updates `comment.status`.
    """
    with transaction.atomic():
        before = (
            Comment.objects.select_for_update().values_list("status", flat=True).get(pk=comment.pk)
        )
        comment.status = status
        if before == status:
            return before
        Comment.objects.filter(pk=comment.pk).update(status=status)
        delta = int(status == Comment.Status.PUBLISHED) - int(before == Comment.Status.PUBLISHED)
        event = None
        if delta:
            Thread.objects.filter(pk=comment.thread_id).update(
                comment_count=F("comment_count") + delta
            )
            event = {"type": "comment.new" if delta > 0 else "comment.removed", "id": comment.pk}
            kind = CommentEvent.APPROVED if delta > 0 else CommentEvent.REMOVED
            comment_changed(kind=kind, comment=comment)
        if status == Comment.Status.PENDING:
            comment_changed(kind=CommentEvent.HELD, comment=comment)
        cache.thread_changed(url=comment.thread.url, key=comment.thread.key, event=event)
    return before


def comment_delete(*, comment: Comment, commenter: Commenter, site: SiteConfig) -> None:
    """The author deletes their comment. Deleting it again (a double click) changes nothing
    and is not an error."""
    thread_check_open(thread=comment.thread, site=site)
    with transaction.atomic():
        comment = _comment_locked(comment.pk)
        if comment.author_id == commenter.pk and comment.status == Comment.Status.DELETED:
            return
        _check_author(comment, commenter, site)
        comment_status_set(comment=comment, status=Comment.Status.DELETED)


def reader_known(commenter: Commenter | None) -> bool:
    """Whether a reader has shown themselves: signed in (SSO), or wrote a comment on this site
    that was not refused as spam or rejected. Tokens cost nothing to make, so votes and
    reports from anyone else are limited per network (see comment_vote, comment_flag)."""
    if commenter is None:
        return False
    if commenter.sso_id:
        return True
    refused = (Comment.Status.SPAM, Comment.Status.REJECTED)
    return Comment.objects.filter(author=commenter).exclude(status__in=refused).exists()


class VoteResult(NamedTuple):
    score: int  # the comment's score after the vote
    vote: int  # this reader's vote now: 1, -1 or 0
    commenter: Commenter | None  # who voted; new when the request came without a token


def comment_vote(
    *,
    comment: Comment,
    commenter: Commenter | None,
    value: int,
    site: SiteConfig,
    ip: str | None,
) -> VoteResult:
    """Set this reader's vote (1, -1, or 0 to withdraw).

    A known reader (`reader_known`) has one vote per comment. Anyone else, token or not, votes
    for their anonymised network: one vote per comment per network, so sending requests
    without a token cannot add up. A reader without a token gets a new commenter (and the
    view a token for it) only when their vote is recorded. Raises Refused when the thread is
    closed, the comment is not published, or the network has voted already.
    """
    thread_check_open(thread=comment.thread, site=site)
    with transaction.atomic():
        # Locking the comment makes every vote on it wait its turn: the score moves by exactly
        # what changed, and two first votes of one reader cannot both insert.
        comment = _comment_locked(comment.pk)
        if comment.status != Comment.Status.PUBLISHED:
            raise Refused(ErrorCode.NOT_VOTABLE, "You can only vote on published comments.")
        existing = (
            Vote.objects.filter(comment=comment, commenter=commenter).first()
            if commenter is not None
            else None
        )
        old = existing.value if existing else 0
        if existing is None and value:
            network = None if reader_known(commenter) else _guest_network(ip, "vote")
            if network and Vote.objects.filter(comment=comment, network=network).exists():
                raise Refused(
                    ErrorCode.ALREADY_VOTED_HERE,
                    "Someone on your network has already voted on this comment. "
                    "Post a comment to vote as yourself.",
                )
            if commenter is None:
                commenter = Commenter.objects.create()
            Vote.objects.create(comment=comment, commenter=commenter, value=value, network=network)
        elif existing is not None and value:
            existing.value = value
            existing.save(update_fields=["value"])
        elif existing is not None:
            existing.delete()
        delta = value - old
        if delta:
            Comment.objects.filter(pk=comment.pk).update(score=F("score") + delta)
            event = {"type": "comment.score", "id": comment.pk}
            cache.thread_changed(url=comment.thread.url, key=comment.thread.key, event=event)
        score = comment.score + delta
    return VoteResult(score, value if commenter is not None else 0, commenter)


def _guest_network(ip: str | None, action: str) -> str:
    network = ip_anonymise(ip)
    if network is None:
        message = f"Post a comment before you {action}: your address is unknown."
        raise Refused(ErrorCode.READER_UNKNOWN, message)
    return network


class FlagResult(NamedTuple):
    flagged: bool  # the comment stands reported by this reader or their network
    commenter: Commenter | None  # who reported; new when the request came without a token


def comment_flag(
    *,
    comment: Comment,
    commenter: Commenter | None,
    reason: str,
    site: SiteConfig,
    ip: str | None,
) -> FlagResult:
    """Record a reader's report; past the site's threshold the comment is held for review.

    A known reader's report counts 1. A report from anyone else counts half, only one is
    taken per network, and such reports alone never hold a comment: at least one must come
    from a known reader (`reader_known`). Reporting again changes the reason only.
    """
    thread_check_open(thread=comment.thread, site=site)
    with transaction.atomic():
        comment = _comment_locked(comment.pk)
        if comment.status != Comment.Status.PUBLISHED:
            raise Refused(ErrorCode.NOT_FLAGGABLE, "This comment is not published.")
        existing = (
            Flag.objects.filter(comment=comment, commenter=commenter).first()
            if commenter is not None
            else None
        )
        if existing is not None:
            existing.reason = reason
            existing.save(update_fields=["reason"])
            return FlagResult(True, commenter)
        known = reader_known(commenter)
        network = None if known else _guest_network(ip, "report")
        if network and Flag.objects.filter(comment=comment, network=network).exists():
            return FlagResult(True, None)  # this network's report is in already
        if commenter is None:
            commenter = Commenter.objects.create()
        Flag.objects.create(
            comment=comment, commenter=commenter, reason=reason, network=network, trusted=known
        )
        comment_changed(kind=CommentEvent.FLAGGED, comment=comment)
        reports = comment.flags.aggregate(
            trusted=Count("pk", filter=Q(trusted=True)), total=Count("pk")
        )
        weight = reports["trusted"] + (reports["total"] - reports["trusted"]) / 2
        if reports["trusted"] and weight >= site.flag_threshold:
            comment.reasons = [*comment.reasons, f"{reports['total']} reader reports"]
            comment.save(update_fields=["reasons"])
            comment_status_set(comment=comment, status=Comment.Status.PENDING)
    return FlagResult(True, commenter)
