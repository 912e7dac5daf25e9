"""Celery tasks of webhooks: one attempt of a delivery, and the beat jobs that bring retries
round when they are due."""

from django_tenants.utils import schema_context

from embed.background import TASK_OPTIONS
from embed.webhooks import services
from palaver.celery import app


@app.task(name="embed.webhook_deliver", **TASK_OPTIONS)
def webhook_deliver(*, delivery_id: int) -> None:
    """Try one delivery now (nothing when it is done or not due)."""
    services.delivery_attempt(delivery_id=delivery_id)


@app.task(name="embed.webhooks_due", ignore_result=True)
def webhooks_due() -> None:
    """Beat, every few seconds, in the public schema: queue each site's retries whose time
    has come, each in its own site's schema."""
    for schema, delivery_id in services.due_take():
        with schema_context(schema):
            webhook_deliver.apply_async(kwargs={"delivery_id": delivery_id})


@app.task(name="embed.webhooks_restore", **TASK_OPTIONS)
def webhooks_restore() -> None:
    """Beat, hourly on every site: put back retries the due set lost (Redis restarted)."""
    services.due_restore()
