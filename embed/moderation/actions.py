"""What moderators do to comments and threads. Every action updates counts, invalidates the
cached thread once it commits, teaches the site's spam model where it is a verdict, and is
audited. Two moderators (or one double click) doing the same thing change counts and teach
the model once: the status is compared under the comment's row lock."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.staff import StaffUser
from embed import cache
from embed.models import Comment, Thread
from embed.moderation.audit import audit
from embed.outbox import thread_closed
from embed.policy.spammodel import spam_learn
from embed.services import comment_status_set

STATUS_ACTIONS = {
    "approve": Comment.Status.PUBLISHED,
    "reject": Comment.Status.REJECTED,
    "spam": Comment.Status.SPAM,
    "delete": Comment.Status.DELETED,
    "restore": Comment.Status.PUBLISHED,
}
FLAG_ACTIONS = {"pin": True, "unpin": False}
ACTIONS = tuple(STATUS_ACTIONS) + tuple(FLAG_ACTIONS)


def comment_moderate(*, comment: Comment, action: str, actor: StaffUser) -> Comment:
    if action not in ACTIONS:
        raise ValidationError({"action": f"Use one of: {', '.join(ACTIONS)}."})
    if action in ("approve", "restore") and not comment.body:
        # Only an erasure leaves a comment without text (embed.privacy): nothing to bring back.
        raise ValidationError({"action": "This comment was erased at its author's request."})
    with transaction.atomic():
        if action in FLAG_ACTIONS:
            before = comment.status
            comment.pinned = FLAG_ACTIONS[action]
            Comment.objects.filter(pk=comment.pk).update(pinned=comment.pinned)
            visible = comment.status == Comment.Status.PUBLISHED
            event = {"type": "comment.pinned", "id": comment.pk} if visible else None
            cache.thread_changed(url=comment.thread.url, key=comment.thread.key, event=event)
        else:
            if comment.shadowed and action in ("approve", "restore"):
                comment.shadowed = False
                comment.save(update_fields=["shadowed"])
            before = comment_status_set(comment=comment, status=STATUS_ACTIONS[action])
            # A moderator's verdict is the site's own training data.
            if action == "spam" and before != Comment.Status.SPAM:
                spam_learn(text=comment.body, is_spam=True)
            elif action == "approve" and before in (Comment.Status.PENDING, Comment.Status.SPAM):
                spam_learn(text=comment.body, is_spam=False)
        audit(actor, action, f"comment {comment.pk}", status_before=before)
    return comment


def comments_moderate_bulk(*, ids: list[int], action: str, actor: StaffUser) -> int:
    """Apply one action to many comments; returns how many were found and changed."""
    comments = list(Comment.objects.select_related("thread").filter(pk__in=ids))
    with transaction.atomic():
        for comment in comments:
            comment_moderate(comment=comment, action=action, actor=actor)
    return len(comments)


def thread_set_closed(*, thread: Thread, closed: bool, actor: StaffUser) -> Thread:
    """Close a thread to readers' writes (posts, edits, deletes, votes, reports), or reopen it."""
    with transaction.atomic():
        thread.closed = closed
        thread.save(update_fields=["closed"])
        cache.thread_changed(url=thread.url, key=thread.key)
        if closed:
            thread_closed(thread=thread)
        audit(actor, "close" if closed else "reopen", f"thread {thread.pk}", url=thread.url)
    return thread
