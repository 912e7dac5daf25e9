"""Approve/reject links from moderator alerts (embed.notifications.alerts): spending one.

The link's token is signed for the site and names an `ActionLink` row; the row makes it
single-use and expiring, and the action is taken as the moderator the alert went to.
"""

from django.db import transaction
from django.utils import timezone

from embed.models import ActionLink, Comment
from embed.moderation.actions import comment_moderate


def action_link_use(*, nonce: str, action: str) -> tuple[str, Comment | None]:
    """Spend the link `nonce` on `action` (approve or reject).

    Returns (outcome, comment): "done" when the action was taken, "used" when the link was
    spent before, "expired", "forbidden" when its moderator lost the right, "moderated" when
    someone decided first (the comment is no longer held), "missing" for an unknown link.
    """
    with transaction.atomic():
        row = (
            ActionLink.objects.select_for_update()
            .select_related("user", "comment__thread", "comment__author")
            .filter(nonce=nonce)
            .first()
        )
        if row is None:
            return "missing", None
        comment = row.comment
        if row.used is not None:
            return "used", comment
        if row.expires <= timezone.now():
            return "expired", comment
        user = row.user
        if not user.is_active or not (user.is_staff or user.is_superuser):
            return "forbidden", comment
        row.used, row.used_for = timezone.now(), action
        row.save(update_fields=["used", "used_for"])
        if comment.status != Comment.Status.PENDING:
            return "moderated", comment
        comment_moderate(comment=comment, action=action, actor=user)
    return "done", comment


def action_link_peek(*, nonce: str) -> ActionLink | None:
    return (
        ActionLink.objects.select_related("comment__thread", "comment__author")
        .filter(nonce=nonce)
        .first()
    )
