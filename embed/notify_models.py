"""Rows of reply e-mails, moderator alerts and webhooks. They belong to the `embed` app (one
copy per site schema) and are registered by `embed.models`, which imports them; they name
the app's other models by string, so this module imports nothing of the app."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class MailSettings(models.Model):
    """How the site's e-mails look and how many may go out (one row per site)."""

    sender_name = models.CharField(
        max_length=100, blank=True, help_text="Shown as the sender; the site's name when blank."
    )
    reply_to = models.EmailField(blank=True, help_text="Where replies to the e-mails go.")
    site_hourly_cap = models.PositiveIntegerField(
        default=500, help_text="Reply e-mails the site may send per hour."
    )
    recipient_daily_cap = models.PositiveIntegerField(
        default=20, help_text="Reply e-mails one address may receive per day."
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "embed"
        verbose_name_plural = "mail settings"

    def __str__(self) -> str:
        return "mail settings"


class MailAddress(models.Model):
    """A reader's e-mail address on this site: confirmed once (double opt-in), suppressed for
    good after a bounce, a complaint or an unsubscribe from everything."""

    class Suppression(models.TextChoices):
        BOUNCE = "bounce"
        COMPLAINT = "complaint"
        UNSUBSCRIBED = "unsubscribed"
        MANUAL = "manual"

    email = models.EmailField(unique=True)  # lower-cased
    created = models.DateTimeField(auto_now_add=True)
    confirmed = models.DateTimeField(null=True, blank=True)
    # The last confirmation e-mail: at most one a day, so nobody can flood an address.
    confirm_sent = models.DateTimeField(null=True, blank=True)
    suppressed = models.DateTimeField(null=True, blank=True)
    suppressed_reason = models.CharField(max_length=16, choices=Suppression.choices, blank=True)

    class Meta:
        app_label = "embed"
        verbose_name_plural = "mail addresses"

    def __str__(self) -> str:
        return self.email

    @property
    def deliverable(self) -> bool:
        return self.confirmed is not None and self.suppressed is None


class Subscription(models.Model):
    """A reader's wish to hear of replies: to one comment of theirs, or to a whole thread."""

    address = models.ForeignKey(MailAddress, on_delete=models.CASCADE, related_name="subscriptions")
    thread = models.ForeignKey(
        "embed.Thread", on_delete=models.CASCADE, related_name="subscriptions"
    )
    # Replies to this comment; null: every comment on the thread.
    comment = models.ForeignKey(
        "embed.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    active = models.BooleanField(default=True)  # false once unsubscribed
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "embed"
        constraints = [
            models.UniqueConstraint(
                fields=["address", "comment"],
                condition=Q(comment__isnull=False),
                name="subscription_comment_uniq",
            ),
            models.UniqueConstraint(
                fields=["address", "thread"],
                condition=Q(comment__isnull=True),
                name="subscription_thread_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "comment"], name="subscription_target_idx"),
        ]

    def __str__(self) -> str:
        target = f"comment {self.comment_id}" if self.comment_id else f"thread {self.thread_id}"
        return f"{self.address_id} on {target}"


class ReplyNotice(models.Model):
    """One reply e-mail to one address: at most one per (address, reply), whatever retries,
    duplicate tasks or overlapping subscriptions happen."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        CAPPED = "capped"  # over the site's or the address's cap: not sent

    address = models.ForeignKey(MailAddress, on_delete=models.CASCADE, related_name="notices")
    comment = models.ForeignKey("embed.Comment", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created = models.DateTimeField(auto_now_add=True)
    sent = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "embed"
        constraints = [
            models.UniqueConstraint(fields=["address", "comment"], name="notice_once_uniq")
        ]
        indexes = [
            models.Index(fields=["status", "sent"], name="notice_sent_idx"),
            models.Index(fields=["address", "sent"], name="notice_address_idx"),
        ]

    def __str__(self) -> str:
        return f"notice of comment {self.comment_id} to {self.address_id}"


class AlertPreference(models.Model):
    """How a moderator hears of held comments."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "An e-mail for each held comment"
        HOURLY = "hourly", "An hourly digest"
        DAILY = "daily", "A daily digest"
        OFF = "off", "No e-mail"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IMMEDIATE)
    # The newest held comment the last digest covered (digests send only what is newer).
    digest_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "embed"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.mode}"


class ActionLink(models.Model):
    """An approve/reject link in a moderator's e-mail: signed, single-use, expiring. The
    signed token carries `nonce`; the row is what makes it single-use."""

    nonce = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey("embed.Comment", on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    used = models.DateTimeField(null=True, blank=True)
    used_for = models.CharField(max_length=16, blank=True)

    class Meta:
        app_label = "embed"

    def __str__(self) -> str:
        return f"link for comment {self.comment_id}"


class Webhook(models.Model):
    """An endpoint of the site owner's and the events it wants."""

    class Event(models.TextChoices):
        COMMENT_CREATED = "comment.created"
        COMMENT_EDITED = "comment.edited"
        COMMENT_APPROVED = "comment.approved"
        COMMENT_REMOVED = "comment.removed"
        COMMENT_FLAGGED = "comment.flagged"
        THREAD_CLOSED = "thread.closed"

    url = models.URLField(max_length=2000)
    events = ArrayField(models.CharField(max_length=32, choices=Event.choices))
    # Signs every delivery (HMAC-SHA256); shown to the owner, never sent.
    secret = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        app_label = "embed"

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with what the last attempt got back."""

    class Status(models.TextChoices):
        PENDING = "pending"  # queued, not tried yet
        RETRYING = "retrying"  # failed, tried again at `next_attempt`
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # gave up after RETRY_HOURS

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, unique=True)  # Palaver-Webhook-Id
    event = models.CharField(max_length=32)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    last_attempt = models.DateTimeField(null=True, blank=True)
    next_attempt = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)  # the first RESPONSE_EXCERPT characters
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        app_label = "embed"
        indexes = [
            models.Index(fields=["webhook", "-created"], name="delivery_log_idx"),
            models.Index(
                fields=["next_attempt"],
                condition=Q(status="retrying"),
                name="delivery_due_idx",
            ),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} to webhook {self.webhook_id}"
