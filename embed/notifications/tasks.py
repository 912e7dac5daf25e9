"""Celery tasks of reply e-mails and moderator alerts, and the one task every change of a
comment or thread queues (`comment_event`, `thread_event`), which fans out to e-mails, alerts
and webhooks in the worker. Each runs in the schema of the site that queued it."""

from embed.background import TASK_OPTIONS, task_after_commit
from embed.models import Comment, Thread
from embed.notifications import alerts, replies
from embed.notifications.hooks import CommentEvent
from embed.notifications.links import CONFIRM_MAX_AGE_SECONDS, link
from embed.notifications.mail import message_build, message_send
from embed.notifications.models import MailAddress, Subscription
from embed.webhooks import services as webhooks
from palaver.celery import app

# Which webhook event each kind of comment change is.
WEBHOOK_EVENTS = {
    CommentEvent.CREATED: "comment.created",
    CommentEvent.EDITED: "comment.edited",
    CommentEvent.APPROVED: "comment.approved",
    CommentEvent.REMOVED: "comment.removed",
    CommentEvent.FLAGGED: "comment.flagged",
}


@app.task(name="embed.comment_event", **TASK_OPTIONS)
def comment_event(*, kind: str, comment_id: int) -> None:
    """Fan a change of a comment out: reply e-mails when it became visible to all, alerts
    when it was held, and the webhook deliveries of its event."""
    comment = Comment.objects.select_related("thread", "author").filter(pk=comment_id).first()
    if comment is None:
        return
    if kind in (CommentEvent.CREATED, CommentEvent.APPROVED):
        for notice_id in replies.reply_notices_create(comment=comment):
            task_after_commit(reply_send, notice_id=notice_id)
    if kind == CommentEvent.HELD or (
        kind == CommentEvent.CREATED and comment.status == Comment.Status.PENDING
    ):
        task_after_commit(held_alert, comment_id=comment.pk)
    event = WEBHOOK_EVENTS.get(kind)
    if event:
        webhooks.deliveries_create(
            event=event,
            data={
                "comment": webhooks.comment_payload(comment),
                "thread": webhooks.thread_payload(comment.thread),
            },
        )


@app.task(name="embed.thread_event", **TASK_OPTIONS)
def thread_event(*, kind: str, thread_id: int) -> None:
    """Webhook deliveries of a thread's change (`closed`)."""
    thread = Thread.objects.filter(pk=thread_id).first()
    if thread is not None and kind == "closed":
        webhooks.deliveries_create(
            event="thread.closed", data={"thread": webhooks.thread_payload(thread)}
        )


@app.task(name="embed.reply_send", **TASK_OPTIONS)
def reply_send(*, notice_id: int) -> None:
    """Send one reply e-mail (nothing if it went already)."""
    replies.reply_notice_send(notice_id=notice_id)


@app.task(name="embed.confirmation_send", **TASK_OPTIONS)
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


@app.task(name="embed.held_alert", **TASK_OPTIONS)
def held_alert(*, comment_id: int) -> None:
    """E-mail the moderators who want each held comment at once."""
    comment = Comment.objects.select_related("thread", "author").filter(pk=comment_id).first()
    if comment is not None:
        alerts.held_alerts_send(comment=comment)


@app.task(name="embed.alert_digests", **TASK_OPTIONS)
def alert_digests(*, mode: str) -> None:
    """The hourly or daily digest of held comments (beat runs it on every site)."""
    alerts.digests_send(mode=mode)
