"""Moderator alerts: an e-mail when a comment is held, at once or in an hourly or daily digest,
as each moderator chose (`AlertPreference`; at once when they chose nothing).

Each alert carries approve and reject links. A link is signed for this site (see `links`),
names an `ActionLink` row that makes it single-use (approve and reject of one alert share the
row: the first decision wins), and expires after LINK_DAYS. Following it shows the comment and
one button; the action happens on that POST, so a mail scanner that fetches every link in an
e-mail approves nothing.
"""

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from embed.models import ActionLink, AlertPreference, Comment
from embed.notifications.mail import message_build, message_send
from embed.sanitize import html_text
from embed.sitelinks import link, site_base

LINK_DAYS = 7
DIGEST_LIMIT = 50
DIGEST_PERIOD: dict[str, timedelta] = {
    AlertPreference.Mode.HOURLY: timedelta(hours=1),
    AlertPreference.Mode.DAILY: timedelta(days=1),
}


def moderators(mode: str) -> QuerySet[Any]:
    """Active staff with an address who chose `mode` (no choice counts as IMMEDIATE)."""
    users = (
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
    )
    if mode == AlertPreference.Mode.IMMEDIATE:
        return users.filter(
            Q(alert_preference__isnull=True) | Q(alert_preference__mode=mode)
        ).order_by("pk")
    return users.filter(alert_preference__mode=mode).order_by("pk")


def _links(user: Any, comment: Comment) -> dict[str, str]:
    action = ActionLink.objects.create(
        nonce=secrets.token_urlsafe(18),
        user=user,
        comment=comment,
        expires=timezone.now() + timedelta(days=LINK_DAYS),
    )
    return {
        verb: link("moderate", "moderate", {"n": action.nonce, "a": verb})
        for verb in ("approve", "reject")
    }


def _item(user: Any, comment: Comment) -> dict[str, Any]:
    thread = comment.thread
    return {
        "id": comment.pk,
        "author": comment.author.name or "A reader",
        "page": thread.title or thread.url,
        "page_url": thread.url,
        "text": html_text(comment.body_html),
        "html": comment.body_html,
        "reasons": ", ".join(comment.reasons),
        "dashboard_url": f"{site_base()}/dashboard/comments/{comment.pk}/",
        **_links(user, comment),
    }


def held_alerts_send(*, comment: Comment) -> int:
    """E-mail each moderator who wants held comments at once; returns how many were sent.

    Run twice, it sends nothing new: a moderator who holds an unused, unexpired link for this
    comment has had the alert."""
    if comment.status != Comment.Status.PENDING:
        return 0
    sent = 0
    for user in moderators(AlertPreference.Mode.IMMEDIATE):
        alerted = ActionLink.objects.filter(
            user=user, comment=comment, used__isnull=True, expires__gt=timezone.now()
        )
        if alerted.exists():
            continue
        with transaction.atomic():  # a failed send leaves no link, so a retry sends again
            item = _item(user, comment)
            message_send(
                message_build(
                    to=user.email,
                    subject=f"Held for review: a comment by {item['author']} on {item['page']}",
                    template="held",
                    context={"item": item},
                )
            )
        sent += 1
    return sent


def digests_send(*, mode: str) -> int:
    """Send the `mode` digest (hourly or daily) to each moderator who chose it and has held
    comments newer than their last digest; returns how many were sent."""
    period = DIGEST_PERIOD[mode]
    sent = 0
    for user in moderators(mode).select_related("alert_preference"):
        preference = user.alert_preference
        since = preference.digest_until or timezone.now() - period
        held = list(
            Comment.objects.filter(status=Comment.Status.PENDING, created__gt=since)
            .select_related("thread", "author")
            .order_by("created")[:DIGEST_LIMIT]
        )
        if not held:
            continue
        with transaction.atomic():
            items = [_item(user, comment) for comment in held]
            total = Comment.objects.filter(status=Comment.Status.PENDING).count()
            message_send(
                message_build(
                    to=user.email,
                    subject=f"{len(held)} comments held for review",
                    template="digest",
                    context={
                        "items": items,
                        "total": total,
                        "queue_url": f"{site_base()}/dashboard/queue/",
                    },
                )
            )
            preference.digest_until = held[-1].created
            preference.save(update_fields=["digest_until"])
        sent += 1
    return sent
