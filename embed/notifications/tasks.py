"""Celery tasks of reply e-mails and moderator alerts (queued by `embed.outbox`'s fan-out and
by subscriptions). Each runs in the schema of the site that queued it."""

from celery import shared_task

from embed.background import TASK_OPTIONS
from embed.models import Comment, MailAddress, Subscription
from embed.notifications import alerts, replies
from embed.notifications.mail import message_build, message_send
from embed.sitelinks import CONFIRM_MAX_AGE_SECONDS, link


@shared_task(name="embed.reply_send", **TASK_OPTIONS)
def reply_send(*, notice_id: int) -> None:
    """Send one reply e-mail (nothing if it went already)."""
    replies.reply_notice_send(notice_id=notice_id)


@shared_task(name="embed.confirmation_send", **TASK_OPTIONS)
def confirmation_send(*, address_id: int) -> None:
    """The double opt-in e-mail: one link that confirms the address."""
    address = MailAddress.objects.filter(pk=address_id).first()
    if address is None or (address.confirmed and not address.suppressed):
        return
    latest = (
        Subscription.objects.filter(address=address, active=True)
        .select_related("thread")
        .order_by("-created")
        .first()
    )
    if latest is None:
        return
    page = latest.thread.title or latest.thread.url
    message_send(
        message_build(
            to=address.email,
            subject=f'Confirm e-mails about replies on "{page}"',
            template="confirm",
            context={
                "page": page,
                "page_url": latest.thread.url,
                "to_comment": bool(latest.comment_id),
                "confirm_url": link("confirm", "confirm", address.pk),
                "days": CONFIRM_MAX_AGE_SECONDS // 86400,
            },
        )
    )


@shared_task(name="embed.held_alert", **TASK_OPTIONS)
def held_alert(*, comment_id: int) -> None:
    """E-mail the moderators who want each held comment at once."""
    comment = Comment.objects.select_related("thread", "author").filter(pk=comment_id).first()
    if comment is not None:
        alerts.held_alerts_send(comment=comment)


@shared_task(name="embed.alert_digests", **TASK_OPTIONS)
def alert_digests(*, mode: str) -> None:
    """The hourly or daily digest of held comments (beat runs it on every site)."""
    alerts.digests_send(mode=mode)
