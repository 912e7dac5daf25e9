"""Readers' subscriptions to replies: ask (double opt-in), confirm, unsubscribe, suppress.

An address is confirmed once per site: the first subscription sends a confirmation e-mail and
nothing else is sent to the address until its link is followed. Later subscriptions of a
confirmed address are active at once. A confirmation e-mail goes out at most once a day per
address, so a form cannot be used to flood someone's inbox. Bounces, complaints and "stop all
e-mail from this site" suppress the address: nothing is sent to it again (an unsubscribe from
everything ends when the reader subscribes again and confirms).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from embed.background import task_after_commit
from embed.models import Comment, MailAddress, Subscription, Thread

CONFIRM_EVERY = timedelta(days=1)
HARD_SUPPRESSIONS = (MailAddress.Suppression.BOUNCE, MailAddress.Suppression.COMPLAINT)


class NotifyMode:
    """What a reader asked to hear of (the `notify` field of a post)."""

    NONE = "none"
    REPLIES = "replies"  # replies to the comment they posted
    THREAD = "thread"  # every new comment on the thread
    ALL = (NONE, REPLIES, THREAD)


def subscription_request(
    *, email: str, thread: Thread, comment: Comment | None
) -> Subscription | None:
    """Subscribe `email` to replies to `comment` (or to all of `thread` when None).

    Returns the subscription, or None for an address that bounced or complained. Queues the
    confirmation e-mail after commit when the address is not confirmed yet.
    """
    from embed.notifications import tasks

    email = email.strip().lower()
    if not email:
        return None
    with transaction.atomic():
        address, _ = MailAddress.objects.get_or_create(email=email)
        address = MailAddress.objects.select_for_update().get(pk=address.pk)
        if address.suppressed and address.suppressed_reason in HARD_SUPPRESSIONS:
            return None
        subscription, created = Subscription.objects.get_or_create(
            address=address, thread=thread, comment=comment
        )
        if not created and not subscription.active:
            subscription.active = True
            subscription.save(update_fields=["active"])
        # An address that left everything must say again that it wants mail.
        needs_confirming = address.confirmed is None or address.suppressed is not None
        now = timezone.now()
        if needs_confirming and (
            address.confirm_sent is None or now - address.confirm_sent >= CONFIRM_EVERY
        ):
            address.confirm_sent = now
            address.save(update_fields=["confirm_sent"])
            task_after_commit(tasks.confirmation_send, address_id=address.pk)
    return subscription


def address_confirm(*, address_id: int) -> MailAddress | None:
    """Follow a confirmation link: the address may now receive e-mails. Confirming twice is
    not an error. None when the address no longer exists or bounced or complained."""
    address = MailAddress.objects.filter(pk=address_id).first()
    if address is None:
        return None
    if address.suppressed and address.suppressed_reason in HARD_SUPPRESSIONS:
        return None
    if address.confirmed is None or address.suppressed is not None:
        address.confirmed = address.confirmed or timezone.now()
        address.suppressed, address.suppressed_reason = None, ""
        address.save(update_fields=["confirmed", "suppressed", "suppressed_reason"])
    return address


def subscription_end(*, subscription_id: int) -> Subscription | None:
    """Unsubscribe (idempotent); None when the subscription is gone."""
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is not None and subscription.active:
        subscription.active = False
        subscription.save(update_fields=["active"])
    return subscription


def address_suppress(*, email: str, reason: str) -> bool:
    """Send nothing more to `email` on this site (bounce, complaint, unsubscribe from all,
    or an operator's decision). True when the site knew the address."""
    if reason not in MailAddress.Suppression.values:
        raise ValueError(f"unknown suppression reason {reason!r}")
    email = email.strip().lower()
    changed = MailAddress.objects.filter(email=email).exclude(
        suppressed_reason__in=HARD_SUPPRESSIONS
    )
    if reason not in HARD_SUPPRESSIONS:
        changed = changed.filter(suppressed__isnull=True)
    changed.update(suppressed=timezone.now(), suppressed_reason=reason)
    return MailAddress.objects.filter(email=email).exists()
