"""Webhooks: endpoints the site owner manages, the deliveries an event makes, and each attempt.

An event makes one `WebhookDelivery` per active endpoint that wants it; each is tried at once
by a Celery task, and after a failure again and again with exponential backoff
(`delivery.next_wait`) until it succeeds or RETRY_FOR (24 h) has passed since the event. A
retry waits in the database (`next_attempt`) and in a Redis sorted set of due deliveries of all
sites (`palaver:webhooks:due`, members `<schema>:<id>`), which a beat job reads every few
seconds; an hourly job per site puts back whatever Redis lost. The Celery tasks are at the
end of this module.
"""

import secrets
from datetime import datetime
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from core import keys, redis
from core.effects import after_commit
from core.tenancy import current_schema
from embed.background import TASK_OPTIONS, task_after_commit
from embed.models import Comment, Thread, Webhook, WebhookDelivery
from embed.sanitize import html_text
from embed.site import comment_permalink
from embed.sitelinks import site_base
from embed.webhooks import delivery

DUE_KEY = keys.WEBHOOKS_DUE
EVENTS = tuple(Webhook.Event.values)


def _events_clean(events: object) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": f"Choose one or more of: {', '.join(EVENTS)}."})
    unknown = [str(event) for event in events if event not in EVENTS]
    if unknown:
        raise ValidationError({"events": f"Unknown events: {', '.join(unknown)}."})
    return sorted({str(event) for event in events})


def _url_clean(url: object) -> str:
    if not isinstance(url, str) or len(url) > 2000:
        raise ValidationError({"url": "Give the endpoint's URL (at most 2,000 characters)."})
    try:
        delivery.url_check(url.strip())
    except delivery.Refused as exc:
        raise ValidationError({"url": str(exc)}) from None
    return url.strip()


def webhook_create(*, url: str, events: list[str], description: str = "", actor: Any) -> Webhook:
    """A new endpoint with a fresh signing secret (`whsec_` + 32 random bytes, base64url)."""
    webhook = Webhook(
        url=_url_clean(url),
        events=_events_clean(events),
        description=(description or "")[:200],
        secret="whsec_" + secrets.token_urlsafe(32),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    webhook.full_clean()
    webhook.save()
    return webhook


def webhook_update(*, webhook: Webhook, **fields: Any) -> Webhook:
    """Change url, events, description or active; `rotate_secret=True` makes a new secret."""
    if "url" in fields:
        webhook.url = _url_clean(fields["url"])
    if "events" in fields:
        webhook.events = _events_clean(fields["events"])
    if "description" in fields:
        webhook.description = str(fields["description"] or "")[:200]
    if "active" in fields:
        webhook.active = bool(fields["active"])
    if fields.get("rotate_secret"):
        webhook.secret = "whsec_" + secrets.token_urlsafe(32)
    webhook.full_clean()
    webhook.save()
    return webhook


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def thread_payload(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "url": thread.url,
        "key": thread.key,
        "title": thread.title,
        "closed": thread.closed,
        "comment_count": thread.comment_count,
    }


def comment_payload(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "thread": comment.thread_id,
        "parent": comment.parent_id,
        "status": comment.status,
        "author": {"name": comment.author.name},
        "html": comment.body_html,
        "text": html_text(comment.body_html),
        "created": _iso(comment.created),
        "edited": _iso(comment.edited),
        "url": comment_permalink(url=comment.thread.url, comment_id=comment.pk),
        "dashboard_url": f"{site_base()}/dashboard/comments/{comment.pk}/",
    }


def deliveries_create(*, event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery per active endpoint that wants `event`, each queued after commit."""
    made = []
    for webhook in Webhook.objects.filter(active=True, events__contains=[event]):
        made.append(_delivery_make(webhook, event, data))
    for item in made:
        task_after_commit(webhook_deliver, delivery_id=item.pk)
    return made


def _delivery_make(webhook: Webhook, event: str, data: dict[str, Any]) -> WebhookDelivery:
    item = WebhookDelivery(webhook=webhook, event=event, payload={})
    item.payload = {
        "id": str(item.event_id),
        "type": event,
        "created": _iso(timezone.now()),
        "site": current_schema().removeprefix("site_"),
        "data": data,
    }
    item.save()
    return item


def test_delivery_send(*, webhook: Webhook) -> WebhookDelivery:
    """The dashboard's "send test event": a `ping` delivery, tried at once in this request
    (no retries), so the owner sees the endpoint's answer straight away."""
    item = _delivery_make(webhook, "ping", {"message": "A test event from Palaver."})
    delivery_attempt(delivery_id=item.pk, retry=False)
    item.refresh_from_db()
    return item


def delivery_attempt(*, delivery_id: int, retry: bool = True) -> str | None:
    """Try delivery `delivery_id` once, unless it is done; returns its new status (None when
    there was nothing to do). A failure schedules the next attempt, or gives up after
    RETRY_FOR; with `retry=False` a failure is final."""
    with transaction.atomic():
        item = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id)
            .first()
        )
        if item is None or item.status in (
            WebhookDelivery.Status.SUCCEEDED,
            WebhookDelivery.Status.FAILED,
        ):
            return None
        now = timezone.now()
        due = item.next_attempt
        if item.status == WebhookDelivery.Status.RETRYING and due is not None and due > now:
            return None  # not due: a duplicate of a task that ran already
        outcome = delivery.post(
            url=item.webhook.url,
            secret=item.webhook.secret,
            event=item.event,
            event_id=str(item.event_id),
            payload=item.payload,
        )
        item.attempts += 1
        item.last_attempt = now
        item.response_status = outcome.status
        item.latency_ms = outcome.latency_ms
        item.response_excerpt = outcome.excerpt
        item.error = outcome.error
        item.next_attempt = None
        if outcome.ok:
            item.status = WebhookDelivery.Status.SUCCEEDED
        else:
            wait = delivery.next_wait(item.attempts)
            if retry and now + wait <= item.created + delivery.RETRY_FOR:
                item.status = WebhookDelivery.Status.RETRYING
                item.next_attempt = now + wait
                due_add(item)
            else:
                item.status = WebhookDelivery.Status.FAILED
        item.save()
    return item.status


def due_add(item: WebhookDelivery) -> None:
    """Put a retry in the due set once the transaction commits."""
    member = f"{current_schema()}:{item.pk}"
    when = item.next_attempt.timestamp() if item.next_attempt else 0.0
    after_commit(lambda: redis.call("zadd", DUE_KEY, {member: when}))


def due_take(limit: int = 500) -> list[tuple[str, int]]:
    """Take the deliveries whose time has come from the due set: (schema, id) pairs. Each
    member is taken by one caller only (ZREM answers 1 to one of them)."""
    now = timezone.now().timestamp()
    members = redis.call("zrangebyscore", DUE_KEY, "-inf", now, start=0, num=limit) or []
    taken = []
    for member in members:
        if redis.call("zrem", DUE_KEY, member) == 1:
            schema, _, pk = member.decode().rpartition(":")
            taken.append((schema, int(pk)))
    return taken


def due_restore() -> int:
    """Put this site's waiting retries back in the due set (after Redis lost them)."""
    waiting = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.RETRYING)
    mapping = {
        f"{current_schema()}:{pk}": (when.timestamp() if when else 0.0)
        for pk, when in waiting.values_list("pk", "next_attempt")
    }
    if mapping:
        redis.call("zadd", DUE_KEY, mapping)
    return len(mapping)


@shared_task(name="embed.webhook_deliver", **TASK_OPTIONS)
def webhook_deliver(*, delivery_id: int) -> None:
    """Try one delivery now (nothing when it is done or not due)."""
    delivery_attempt(delivery_id=delivery_id)


@shared_task(name="embed.webhooks_due", ignore_result=True)
def webhooks_due() -> None:
    """Beat, every few seconds, in the public schema: queue each site's retries whose time
    has come, each in its own site's schema."""
    for schema, delivery_id in due_take():
        with schema_context(schema):
            webhook_deliver.apply_async(kwargs={"delivery_id": delivery_id})


@shared_task(name="embed.webhooks_restore", **TASK_OPTIONS)
def webhooks_restore() -> None:
    """Beat, hourly on every site: put back retries the due set lost (Redis restarted)."""
    due_restore()
