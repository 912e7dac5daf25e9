"""What services call when a comment or thread changes in a way someone outside may hear of.

One call per change, one Celery task per call, queued after COMMIT: the worker decides who is
told (reply e-mails, moderator alerts, webhooks), so a post's own latency does not grow with
the number of subscribers or endpoints.
"""

from embed.background import task_after_commit
from embed.models import Comment, Thread


class CommentEvent:
    """Kinds of change to a comment."""

    CREATED = "created"  # posted, whatever the moderation outcome
    EDITED = "edited"  # its author changed a published comment
    APPROVED = "approved"  # became published after being held, spam or removed
    REMOVED = "removed"  # was published, is not any more
    HELD = "held"  # waits in the moderation queue
    FLAGGED = "flagged"  # a reader reported it


def comment_changed(*, kind: str, comment: Comment) -> None:
    """Tell the outside world of `kind` happening to `comment`, once the write commits."""
    from embed.notifications import tasks

    task_after_commit(tasks.comment_event, kind=kind, comment_id=comment.pk)


def thread_closed(*, thread: Thread) -> None:
    """A thread was closed to new comments (by a moderator or by its age)."""
    from embed.notifications import tasks

    task_after_commit(tasks.thread_event, kind="closed", thread_id=thread.pk)
