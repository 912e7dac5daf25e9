"""Reply e-mails end to end: the API, a real Celery worker over the Redis broker running the
tasks in the site's schema, and a real SMTP server on loopback.

These tests commit (the worker is another process), so they clean up what they made.
"""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

from embed.models import (
    ActionLink,
    Comment,
    Commenter,
    MailAddress,
    ReplyNotice,
    Subscription,
    Thread,
)
from embed.site import site_settings_update
from tests.celery_worker import worker_log
from tests.mailsink import MailSink, parts
from tests.notify_support import link_in, local

PAGE = "https://alpha.example/posts/worker-mail"
ANN = "ann@mail.example"
CARL = "carl@mail.example"


@pytest.fixture
def committed_alpha(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        yield
        with schema_context("site_alpha"):
            site_settings_update(moderation_mode="post")
            ReplyNotice.objects.all().delete()
            ActionLink.objects.all().delete()
            Subscription.objects.all().delete()
            MailAddress.objects.all().delete()
            threads = Thread.objects.filter(url=PAGE)
            Comment.objects.filter(thread__in=threads).delete()
            threads.delete()
            Commenter.objects.filter(comments__isnull=True).delete()


@pytest.mark.django_db
def test_every_task_and_beat_job_is_registered_under_its_name():
    # Also makes pytest-django set the test database up when this module runs alone: the
    # worker test below commits, so it cannot use the `db` fixture itself.
    from palaver.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    names = {"embed.comment_event", "embed.reply_send", "embed.confirmation_send",
             "embed.held_alert", "embed.alert_digests", "embed.webhook_deliver",
             "embed.webhooks_due", "embed.webhooks_restore", "embed.thread_event",
             "tenants.domain_claims_check", "embed.ip_purge", "embed.magic_link_send"}  # fmt: skip
    assert names <= set(app.tasks)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= names


def api_post(client: Client, path: str, body: dict) -> dict:
    response = client.post(path, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201, 202), response.content
    return response.json()


def test_reply_mail_through_a_real_worker_and_smtp_server(
    committed_alpha, celery_worker, mail_sink_server: MailSink, tmp_path: Path
):
    sink = mail_sink_server
    sink.clear()
    celery_worker(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port))
    host = f"alpha.{settings.PLATFORM_DOMAIN}"
    ann, bob = Client(HTTP_HOST=host), Client(HTTP_HOST=host)

    def wait(predicate, what: str) -> list:
        try:
            return sink.wait_for(predicate, timeout=60)
        except AssertionError:
            raise AssertionError(f"{what}\n{worker_log(tmp_path)}") from None

    mine = api_post(ann, "/api/v1/comments", {
        "url": PAGE, "body": "Ann's comment", "author_name": "Ann",
        "author_email": ANN, "notify": "replies",
    })  # fmt: skip
    (confirmation,) = wait(lambda got: len(got) == 1, "no confirmation e-mail")
    assert ann.post(local(link_in(parts(confirmation)[0], "confirm"))).status_code == 200

    # Carl follows the whole thread (confirmed already), so there is always a mail to wait for.
    with schema_context("site_alpha"):
        thread = Thread.objects.get(url=PAGE)
        carl = MailAddress.objects.create(email=CARL, confirmed=thread.created)
        Subscription.objects.create(address=carl, thread=thread)

    reply = api_post(bob, "/api/v1/comments", {
        "url": PAGE, "body": "Bob's *reply*", "author_name": "Bob", "parent": mine["id"],
    })  # fmt: skip
    wait(lambda got: len(sink.to(ANN)) == 2 and len(sink.to(CARL)) == 1, "no reply e-mails")
    message = sink.to(ANN)[1]
    text, html = parts(message)
    assert f"{PAGE}#comment-{reply['id']}" in text and "<em>reply</em>" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A held reply sends nothing until a moderator approves it through the admin API.
    with schema_context("site_alpha"):
        site_settings_update(moderation_mode="pre")
    held = api_post(bob, "/api/v1/comments", {
        "url": PAGE, "body": "A held reply", "author_name": "Bob", "parent": mine["id"],
    })  # fmt: skip
    assert held["status"] == "pending"
    owner = Client(HTTP_HOST=host)
    with schema_context("site_alpha"):
        owner.force_login(get_user_model().objects.get(email="owner@alpha.example"))
    # The owner's alert arrives (immediate is the default); until then Ann has nothing new.
    wait(lambda got: any("Held for review" in m["Subject"] for m in got), "no alert")
    assert len(sink.to(ANN)) == 2
    api_post(owner, f"/api/v1/admin/comments/{held['id']}/approve", {})
    wait(lambda got: len(sink.to(ANN)) == 3, "no e-mail after approval")
    assert "A held reply" in parts(sink.to(ANN)[2])[0]

    # One-click unsubscribe, as a mail client does it: a bare form POST.
    unsubscribe = local(link_in(parts(message)[0], "unsubscribe"))
    response = Client(HTTP_HOST=host).post(
        unsubscribe, "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 200
    with schema_context("site_alpha"):
        site_settings_update(moderation_mode="post")
    api_post(bob, "/api/v1/comments", {
        "url": PAGE, "body": "After unsubscribing", "author_name": "Bob", "parent": mine["id"],
    })  # fmt: skip
    wait(lambda got: len(sink.to(CARL)) == 3, "Carl's e-mail did not come")
    time.sleep(0.5)
    assert len(sink.to(ANN)) == 3  # exactly one e-mail per approved reply, then none
