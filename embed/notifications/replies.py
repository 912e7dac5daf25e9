"""Reply e-mails: who hears of a published comment, and the one e-mail each of them gets.

A published comment (posted and published at once, or approved later) is a reply to every
confirmed, active subscription to its parent and to every thread subscription of its thread.
Each address gets at most one e-mail per comment (`ReplyNotice` is unique per address and
comment), never for its own comment, and never for a comment that is held, spam, shadowed or
removed by the time the e-mail would go.
"""

from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from embed.models import Comment, ReplyNotice, Subscription
from embed.notifications.mail import mail_settings, message_build, message_send
from embed.sanitize import html_text
from embed.site import comment_permalink
from embed.sitelinks import link


def visible_to_all(comment: Comment) -> bool:
    return comment.status == Comment.Status.PUBLISHED and not comment.shadowed


def reply_notices_create(*, comment: Comment) -> list[int]:
    """Record the e-mails `comment` calls for; returns the ids of those still to send."""
    if not visible_to_all(comment):
        return []
    subscriptions = (
        Subscription.objects.filter(
            thread_id=comment.thread_id,
            active=True,
            address__confirmed__isnull=False,
            address__suppressed__isnull=True,
        )
        .filter(Q(comment__isnull=True) | Q(comment_id=comment.parent_id))
        .exclude(comment_id=comment.pk)
        .order_by("address_id", "comment_id")  # a comment's subscription before the thread's
        .only("pk", "address_id")
    )
    if comment.author.email:  # nobody hears of their own comment
        subscriptions = subscriptions.exclude(address__email=comment.author.email.lower())
    chosen: dict[int, int] = {}
    for subscription in subscriptions:
        chosen.setdefault(subscription.address_id, subscription.pk)
    ReplyNotice.objects.bulk_create(
        [
            ReplyNotice(address_id=address, comment=comment, subscription_id=subscription)
            for address, subscription in chosen.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return list(
        ReplyNotice.objects.filter(comment=comment, status=ReplyNotice.Status.QUEUED).values_list(
            "pk", flat=True
        )
    )


def _over_cap(notice: ReplyNotice) -> bool:
    row = mail_settings()
    now = timezone.now()
    sent = ReplyNotice.objects.filter(status=ReplyNotice.Status.SENT)
    if sent.filter(sent__gte=now - timedelta(hours=1)).count() >= row.site_hourly_cap:
        return True
    mine = sent.filter(address_id=notice.address_id, sent__gte=now - timedelta(days=1))
    return mine.count() >= row.recipient_daily_cap


def reply_notice_send(*, notice_id: int) -> str | None:
    """Send one reply e-mail unless it went already; returns what became of it ("sent",
    "capped", "dropped") or None when there was nothing to do. SMTP errors propagate, with
    the notice still queued, so a retry sends it."""
    with transaction.atomic():
        notice = (
            ReplyNotice.objects.select_for_update(of=("self",))
            .select_related("address", "subscription", "comment__thread", "comment__author")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.status != ReplyNotice.Status.QUEUED:
            return None
        comment, subscription = notice.comment, notice.subscription
        if not visible_to_all(comment) or not (subscription.active and notice.address.deliverable):
            # Not sent; if the comment is approved again it may be sent then.
            notice.delete()
            return "dropped"
        if _over_cap(notice):
            notice.status = ReplyNotice.Status.CAPPED
            notice.save(update_fields=["status"])
            return "capped"
        message_send(reply_message(notice))
        notice.status, notice.sent = ReplyNotice.Status.SENT, timezone.now()
        notice.save(update_fields=["status", "sent"])
    return "sent"


def reply_message(notice: ReplyNotice) -> EmailMultiAlternatives:
    """The e-mail telling `notice.address` of `notice.comment`."""
    comment, subscription = notice.comment, notice.subscription
    thread = comment.thread
    page = thread.title or thread.url
    author = comment.author.name or "Someone"
    if subscription.comment_id:
        subject = f'{author} replied to your comment on "{page}"'
    else:
        subject = f'New comment by {author} on "{page}"'
    unsubscribe = link("unsubscribe", "unsubscribe", subscription.pk)
    return message_build(
        to=notice.address.email,
        subject=subject,
        template="reply",
        context={
            "author": author,
            "page": page,
            "to_comment": bool(subscription.comment_id),
            "text": html_text(comment.body_html),
            "html": comment.body_html,  # sanitized on write (embed.sanitize)
            "comment_url": comment_permalink(url=thread.url, comment_id=comment.pk),
            "unsubscribe_url": unsubscribe,
            "stop_all_url": link("stop", "stop-all", notice.address_id),
        },
        unsubscribe=unsubscribe,
    )
