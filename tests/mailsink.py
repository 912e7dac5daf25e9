"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests of
e-mails: the app sends through Django's SMTP backend, exactly as in production."""

import email
import email.policy
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port


class MailSink:
    """Messages received, parsed; `wait_for` polls until some arrive."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()

    def wait_for(
        self, predicate: Callable[[list[EmailMessage]], bool], timeout: float = 30.0
    ) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                messages = list(self.messages)
            if predicate(messages):
                return messages
            time.sleep(0.1)
        raise AssertionError(f"mail did not arrive in {timeout} s; got {len(messages)} messages")


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if text is not None else "",
        html.get_content() if html is not None else "",
    )


@pytest.fixture(scope="session")
def mail_sink_server() -> Iterator[MailSink]:
    sink = MailSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def mail_sink(mail_sink_server: MailSink, settings: Any) -> Iterator[MailSink]:
    """The sink, emptied, with Django's SMTP backend pointed at it for this test."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mail_sink_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    mail_sink_server.clear()
    yield mail_sink_server
    mail_sink_server.clear()
