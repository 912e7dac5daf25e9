"""The per-site app's Celery tasks, for the worker's autodiscovery (`celery -A palaver`).

Each task lives beside the service it runs and is listed here; each runs in the schema of
the site that queued it (tenant-schemas-celery puts the schema in the task's headers and
switches to it before the task runs).
"""

from embed.importers.jobs import import_run_task
from embed.magiclinks import magic_link_send
from embed.moderation.retention import ip_purge
from embed.notifications.tasks import (
    alert_digests,
    confirmation_send,
    held_alert,
    reply_send,
)
from embed.outbox import comment_event, thread_event
from embed.webhooks.services import webhook_deliver, webhooks_due, webhooks_restore

__all__ = [
    "alert_digests", "comment_event", "confirmation_send", "held_alert", "import_run_task",
    "ip_purge", "magic_link_send", "reply_send", "thread_event", "webhook_deliver",
    "webhooks_due", "webhooks_restore",
]  # fmt: skip
