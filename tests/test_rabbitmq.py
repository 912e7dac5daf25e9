"""Celery on RabbitMQ, as production runs it: quorum queues, a real worker, a real task.

Needs a RabbitMQ broker (`TEST_AMQP_URL`, default guest on 127.0.0.1:5672); skipped without
one. The worker is configured by settings alone (CELERY_BROKER_URL set to the broker), so
what is checked is what a deployment gets: its queue is a quorum queue, and a task queued in
a site's schema runs there and sends its e-mail to a real SMTP server.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context
from kombu import Connection

from embed.models import MailAddress
from palaver.celery import app
from tests.celery_worker import ROOT, database_url
from tests.conftest import committed
from tests.mailsink import MailSink

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
PAGE = "https://alpha.example/posts/on-rabbitmq"
READER = "rabbit@mail.example"


def broker_or_skip() -> str:
    parts = urlsplit(AMQP_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 5672), timeout=2).close()
    except OSError:
        pytest.skip(f"no RabbitMQ at {parts.hostname}:{parts.port or 5672} (TEST_AMQP_URL)")
    return AMQP_URL


@pytest.fixture
def queue() -> Iterator[str]:
    """The run's queue on RabbitMQ, deleted afterwards."""
    name = app.conf.task_default_queue
    yield name
    with Connection(AMQP_URL) as conn:
        conn.default_channel.queue_delete(name)


def queue_exists(name: str) -> bool:
    with Connection(AMQP_URL) as conn:
        try:
            conn.default_channel.queue_declare(name, passive=True)
        except Exception:  # noqa: BLE001 - NotFound closes the channel; any error means "no"
            return False
        return True


QUEUE_SCRIPT = """
from django_tenants.utils import schema_context
from embed.notifications.tasks import confirmation_send
with schema_context("site_alpha"):
    confirmation_send.delay(address_id={address_id})
"""


def queue_in_the_app(url: str, queue: str, address_id: int) -> None:
    """Queue the confirmation as the app does, in a process configured by settings alone."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PALAVER_QUIET": "1",
    }
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", QUEUE_SCRIPT.format(address_id=address_id)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@committed
def test_a_site_task_runs_through_a_quorum_queue(
    celery_worker, mail_sink_server: MailSink, queue: str
):
    url = broker_or_skip()
    sink = mail_sink_server
    sink.clear()
    celery_worker(
        CELERY_BROKER_URL=url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port)
    )  # settings alone make the worker's queue a quorum queue
    deadline = time.monotonic() + 60
    while not queue_exists(queue):
        assert time.monotonic() < deadline, "the worker never declared its queue"
        time.sleep(0.5)
    with Connection(url) as conn:
        # Declaring an existing queue with other arguments is refused (406): this one is a
        # quorum queue (a classic queue would refuse it).
        conn.default_channel.queue_declare(
            queue, durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"}
        )

    # A reader asks for replies; the in-process API queues on the tests' Redis broker, which
    # no worker here takes: the confirmation is sent again through RabbitMQ instead.
    client = Client(HTTP_HOST=f"alpha.{settings.PLATFORM_DOMAIN}")
    body = {"url": PAGE, "body": "Hello", "author_name": "Rabbit", "author_email": READER,
            "notify": "replies"}  # fmt: skip
    response = client.post("/api/v1/comments", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    with schema_context("site_alpha"):
        address_id = MailAddress.objects.get(email=READER).pk
    queue_in_the_app(url, queue, address_id)
    (message,) = sink.wait_for(lambda got: len(got) == 1, timeout=60)
    assert READER in message["To"] and "Confirm" in message["Subject"]
