"""Rows of webhooks: the site owner's endpoints and every delivery made to them. They belong
to the `embed` app (one copy per site schema) and are registered by `embed.models`."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


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
