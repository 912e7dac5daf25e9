"""What the write services call when a comment or thread changes in a way someone outside
may hear of, and the task that fans each change out.

One call per change, one Celery task per call, queued after COMMIT: the worker decides who is
told (reply e-mails, moderator alerts, webhooks), so a post's own latency does not grow with
the number of subscribers or endpoints.
"""

from celery import shared_task

from embed.background import TASK_OPTIONS, task_after_commit
from embed.models import Comment, Thread
from embed.notifications import replies
from embed.notifications.tasks import held_alert, reply_send
from embed.webhooks import services as webhooks


class CommentEvent:
    """Kinds of change to a comment."""

    CREATED = "created"  # posted, whatever the moderation outcome
    EDITED = "edited"  # its author changed a published comment
    APPROVED = "approved"  # became published after being held, spam or removed
    REMOVED = "removed"  # was published, is not any more
    HELD = "held"  # waits in the moderation queue
    FLAGGED = "flagged"  # a reader reported it


# Which webhook event each kind of comment change is.
WEBHOOK_EVENTS = {
    CommentEvent.CREATED: "comment.created",
    CommentEvent.EDITED: "comment.edited",
    CommentEvent.APPROVED: "comment.approved",
    CommentEvent.REMOVED: "comment.removed",
    CommentEvent.FLAGGED: "comment.flagged",
}


def comment_changed(*, kind: str, comment: Comment) -> None:
    """Tell the outside world of `kind` happening to `comment`, once the write commits."""
    task_after_commit(comment_event, kind=kind, comment_id=comment.pk)


def thread_closed(*, thread: Thread) -> None:
    """A thread was closed to new comments (by a moderator or by its age)."""
    task_after_commit(thread_event, kind="closed", thread_id=thread.pk)


@shared_task(name="embed.comment_event", **TASK_OPTIONS)
def comment_event(*, kind: str, comment_id: int) -> None:
    """Fan a change of a comment out: reply e-mails when it became visible to all, alerts
    when it was held, and the webhook deliveries of its event. Idempotent: each e-mail and
    alert is recorded before it is sent, and a second run finds it."""
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


@shared_task(name="embed.thread_event", **TASK_OPTIONS)
def thread_event(*, kind: str, thread_id: int) -> None:
    """Webhook deliveries of a thread's change (`closed`)."""
    thread = Thread.objects.filter(pk=thread_id).first()
    if thread is not None and kind == "closed":
        webhooks.deliveries_create(
            event="thread.closed", data={"thread": webhooks.thread_payload(thread)}
        )
