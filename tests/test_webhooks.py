"""Webhooks: signed deliveries to a real HTTP receiver on loopback, retries with backoff after
a failing endpoint, the delivery log, the admin API, and no deliveries to private addresses
unless the operator allows them."""

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import Webhook, WebhookDelivery
from embed.webhooks import delivery, services
from tests.conftest import Api
from tests.servers import free_port, loopback_http_server

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP endpoint on 127.0.0.1 answering each POST with the next queued status."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/palaver?x=1"


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on loopback
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status = state.statuses.pop(0) if state.statuses else 200
            answer = b'{"ok": true}' if status < 300 else b"endpoint is down" * 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    with loopback_http_server(state.port, Handler):
        yield state


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> bool:
    """The verification example of docs/notifications.md, as a receiver would run it."""
    timestamp = headers["Palaver-Webhook-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    given = headers["Palaver-Webhook-Signature"].removeprefix("v1=")
    return hmac.compare_digest(expected.hexdigest(), given)


def add_webhook(client, url: str, events: list[str]) -> dict:
    response = client.post(
        "/api/v1/admin/webhooks",
        json.dumps({"url": url, "events": events}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_new_comment_is_delivered_signed(alpha, staff_client, receiver, eager):
    owner = staff_client(alpha)
    hook = add_webhook(owner, receiver.url, ["comment.created", "comment.removed"])
    assert hook["secret"].startswith("whsec_")
    api = Api(alpha)
    with eager():
        created = api.post_comment("Hello **hooks**").json()
    (request,) = receiver.requests
    assert request["path"] == "/hooks/palaver?x=1"
    headers, body = request["headers"], request["body"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Palaver-Event"] == "comment.created"
    assert verify(hook["secret"], headers, body)
    assert not verify("whsec_other", headers, body)
    assert not verify(hook["secret"], headers, body.replace(b"hooks", b"hacks"))
    payload = json.loads(body)
    assert payload["type"] == "comment.created" and payload["site"] == "alpha"
    assert payload["id"] == headers["Palaver-Webhook-Id"]
    comment = payload["data"]["comment"]
    assert comment["id"] == created["id"] and comment["status"] == "published"
    assert comment["html"] == "<p>Hello <strong>hooks</strong></p>"
    assert comment["url"].endswith(f"#comment-{created['id']}")
    # Events the endpoint did not choose are not sent.
    with eager():
        api.send("PATCH", f"/api/v1/comments/{created['id']}", {"body": "Edited"})
    assert len(receiver.requests) == 1
    log = owner.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert [(d["event"], d["status"], d["response_status"]) for d in log] == [
        ("comment.created", "succeeded", 200)
    ]
    assert log[0]["latency_ms"] is not None and log[0]["response_excerpt"] == '{"ok": true}'


def test_a_failing_endpoint_is_retried_with_backoff_then_succeeds(alpha, receiver, eager):
    receiver.statuses = [500, 503]
    with schema_context(alpha.schema_name):
        webhook = services.webhook_create(url=receiver.url, events=["comment.created"], actor=None)
    with eager():
        Api(alpha).post_comment("Retry me")
    with schema_context(alpha.schema_name):
        item = WebhookDelivery.objects.get(webhook=webhook)
        assert (item.status, item.attempts, item.response_status) == ("retrying", 1, 500)
        assert item.response_excerpt.startswith("endpoint is down")
        assert len(item.response_excerpt) == delivery.RESPONSE_EXCERPT
        assert item.next_attempt and item.last_attempt
        first_wait = item.next_attempt - item.last_attempt
        assert timedelta(seconds=29) < first_wait <= timedelta(seconds=31)
        # Not due yet: a duplicate task does nothing.
        assert services.delivery_attempt(delivery_id=item.pk) is None
        # Due: the beat job finds it in the due set and the worker tries again.
        WebhookDelivery.objects.filter(pk=item.pk).update(next_attempt=timezone.now())
        services.due_add(WebhookDelivery.objects.get(pk=item.pk))
    from embed.webhooks.services import webhooks_due

    with eager():
        webhooks_due.delay()
    with schema_context(alpha.schema_name):
        item.refresh_from_db()
        assert (item.status, item.attempts) == ("retrying", 2)
        assert item.next_attempt and item.last_attempt
        assert item.next_attempt - item.last_attempt > first_wait  # the wait doubled
        WebhookDelivery.objects.filter(pk=item.pk).update(next_attempt=timezone.now())
        assert services.delivery_attempt(delivery_id=item.pk) == "succeeded"
    assert len(receiver.requests) == 3
    ids = {r["headers"]["Palaver-Webhook-Id"] for r in receiver.requests}
    assert len(ids) == 1  # the same delivery each time, so a receiver can drop duplicates


def test_a_delivery_gives_up_after_24_hours(alpha, receiver):
    receiver.statuses = [500]
    with schema_context(alpha.schema_name):
        webhook = services.webhook_create(url=receiver.url, events=["thread.closed"], actor=None)
        item = services._delivery_make(webhook, "thread.closed", {"thread": {}})
        WebhookDelivery.objects.filter(pk=item.pk).update(
            created=timezone.now() - timedelta(hours=23, minutes=59, seconds=50)
        )
        assert services.delivery_attempt(delivery_id=item.pk) == "failed"


def test_backoff_doubles_up_to_four_hours():
    waits = [delivery.next_wait(n).total_seconds() for n in range(1, 12)]
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == 4 * 3600


def test_private_and_loopback_addresses_are_refused_by_default(alpha, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://10.0.0.8/x",
                "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
                "http://[::ffff:127.0.0.1]/x", "http://100.64.0.1/x"):  # fmt: skip
        outcome = delivery.post(url=url, secret="s", event="ping", event_id="e", payload={})
        assert not outcome.ok and "private address" in outcome.error, url


def test_the_admin_api_validates_endpoints(alpha, staff_client):
    owner = staff_client(alpha)

    def add(body: dict) -> Any:
        return owner.post(
            "/api/v1/admin/webhooks", json.dumps(body), content_type="application/json"
        )

    assert add({"url": "ftp://x.example/", "events": ["comment.created"]}).status_code == 400
    assert add({"url": "https://u:p@x.example/", "events": ["comment.created"]}).status_code == 400
    bad = add({"url": "https://x.example/", "events": ["comment.exploded"]})
    assert bad.status_code == 400 and "events" in bad.json()["error"]["fields"]
    assert add({"url": "https://x.example/", "events": []}).status_code == 400
    hook = add({"url": "https://x.example/h", "events": ["thread.closed"]}).json()
    changed = owner.patch(
        f"/api/v1/admin/webhooks/{hook['id']}",
        json.dumps({"active": False, "rotate_secret": True}),
        content_type="application/json",
    ).json()
    assert changed["active"] is False and changed["secret"] != hook["secret"]
    assert owner.delete(f"/api/v1/admin/webhooks/{hook['id']}").status_code == 204


def test_webhooks_are_the_owners_and_never_cross_sites(alpha, beta, staff_client):
    owner = staff_client(alpha)
    hook = add_webhook(owner, "https://x.example/h", ["comment.created"])
    moderator = staff_client(alpha, role="moderator")
    assert moderator.get("/api/v1/admin/webhooks").status_code == 403
    foreign = staff_client(beta)
    for path in ("", "/deliveries"):
        assert foreign.get(f"/api/v1/admin/webhooks/{hook['id']}{path}").status_code == 404
    assert staff_client(beta).get("/api/v1/admin/webhooks").json() == {"webhooks": []}


def test_send_test_event_answers_with_the_endpoints_reply(alpha, staff_client, receiver):
    owner = staff_client(alpha)
    hook = add_webhook(owner, receiver.url, ["comment.created"])
    receiver.statuses = [418]
    result = owner.post(f"/api/v1/admin/webhooks/{hook['id']}/test").json()
    assert (result["event"], result["status"], result["response_status"]) == ("ping", "failed", 418)
    result = owner.post(f"/api/v1/admin/webhooks/{hook['id']}/test").json()
    assert result["status"] == "succeeded"
    (_, request) = receiver.requests
    assert verify(hook["secret"], request["headers"], request["body"])


def test_thread_closed_and_flags_are_delivered(alpha, staff_client, receiver, eager):
    owner = staff_client(alpha)
    add_webhook(owner, receiver.url, ["thread.closed", "comment.flagged", "comment.removed"])
    api = Api(alpha)
    with eager():
        comment = api.post_comment("Flag me").json()
        Api(alpha).send("POST", f"/api/v1/comments/{comment['id']}/flag", {"reason": "spam"})
        owner.post(f"/api/v1/admin/comments/{comment['id']}/reject")
        with schema_context(alpha.schema_name):
            from embed.models import Comment

            thread = Comment.objects.get(pk=comment["id"]).thread_id
        owner.post(f"/api/v1/admin/threads/{thread}/close")
    events = [json.loads(r["body"])["type"] for r in receiver.requests]
    assert events == ["comment.flagged", "comment.removed", "thread.closed"]
    with schema_context(alpha.schema_name):
        assert Webhook.objects.count() == 1


def test_the_dashboard_adds_an_endpoint_and_sends_a_test_event(alpha, staff_client, receiver):
    owner = staff_client(alpha)
    response = owner.post(
        "/dashboard/webhooks/",
        {"form": "webhook", "url": receiver.url, "events": ["comment.created", "thread.closed"]},
    )
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        webhook = Webhook.objects.get()
    assert webhook.events == ["comment.created", "thread.closed"]
    response = owner.post(f"/dashboard/webhooks/{webhook.pk}/test/", follow=True)
    assert b"Test event sent to" in response.content and b"HTTP 200" in response.content
    (request,) = receiver.requests
    assert verify(webhook.secret, request["headers"], request["body"])
    page = owner.get("/dashboard/webhooks/")
    assert b"Recent deliveries" in page.content and b"ping" in page.content
    assert staff_client(alpha, role="moderator").get("/dashboard/webhooks/").status_code == 403
    bad = owner.post("/dashboard/webhooks/", {"form": "webhook", "url": "ftp://x", "events": []})
    assert bad.status_code == 400


def test_each_moderator_chooses_their_alerts_in_the_dashboard(alpha, staff_client):
    from embed.models import AlertPreference

    moderator = staff_client(alpha, role="moderator")
    page = moderator.get("/dashboard/alerts/")
    assert page.status_code == 200 and b"Held comments" in page.content
    assert moderator.post("/dashboard/alerts/", {"mode": "daily"}).status_code == 302
    with schema_context(alpha.schema_name):
        assert AlertPreference.objects.get().mode == "daily"
    assert moderator.post("/dashboard/alerts/", {"mode": "weekly"}).status_code == 400
