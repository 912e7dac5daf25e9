"""Sending one webhook delivery: the signed JSON POST, the guard against private addresses,
and the exponential backoff after a failure.

Signature (docs/notifications.md has a verification example): each POST carries

    Palaver-Webhook-Id:        the delivery's UUID (the same on every retry of it)
    Palaver-Webhook-Timestamp: Unix seconds when this attempt was signed
    Palaver-Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>
    Palaver-Event:             the event's name, e.g. comment.created

The timestamp is inside the signed text, so a captured request cannot be replayed later with
a fresh timestamp; receivers should refuse timestamps more than five minutes old.

Endpoints are reached only at public addresses: the host name is resolved once, every address
it resolves to must be public (not loopback, private, link-local, shared, multicast or
reserved), and the connection is made to that vetted address, so DNS cannot swap in an
internal one between the check and the request. Redirects are not followed. The operator can
allow private addresses with WEBHOOKS_ALLOW_PRIVATE (for endpoints inside their own network).
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 10.0
RESPONSE_EXCERPT = 1000  # characters of the response body kept in the log
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=4)
USER_AGENT = "Palaver-Webhooks/1"


class Refused(Exception):
    """The endpoint may not be reached (its address is private, or its URL is unusable)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex>`: HMAC-SHA256 with `secret` over `b"<timestamp>." + body`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def next_wait(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ...
    doubling up to 4 h between attempts."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> None:
    """Refused unless `url` is an absolute http(s) URL (checked when an endpoint is saved)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Use an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        raise Refused("Leave credentials out of the URL; check the signature instead.")


def resolve(host: str, port: int) -> str:
    """The address to connect to for `host`; Refused if any of its addresses is private and
    the operator has not allowed private addresses."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"The host name does not resolve: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False):
        private = [address for address in addresses if not _public(address)]
        if private:
            raise Refused(f"{host} resolves to a private address ({private[0]}).")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Outcome:
    ok: bool  # a 2xx answer
    status: int | None  # the HTTP status, None when no answer came
    latency_ms: int
    excerpt: str  # the start of the response body
    error: str  # why it failed, "" when ok


def post(*, url: str, secret: str, event: str, event_id: str, payload: dict) -> Outcome:
    """POST `payload` as signed JSON to `url`; never raises for the endpoint's faults."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        url_check(url)
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
        address = resolve(host, port)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(host, port, address, TIMEOUT_SECONDS)
        timestamp = int(time.time())
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(
                "POST",
                path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Palaver-Event": event,
                    "Palaver-Webhook-Id": event_id,
                    "Palaver-Webhook-Timestamp": str(timestamp),
                    "Palaver-Webhook-Signature": signature(secret, timestamp, body),
                },
            )
            response = connection.getresponse()
            excerpt = response.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace")
        finally:
            connection.close()
    except Refused as exc:
        return Outcome(False, None, took(), "", str(exc))
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(False, None, took(), "", f"{type(exc).__name__}: {exc}"[:300])
    ok = 200 <= response.status < 300
    error = "" if ok else f"HTTP {response.status}"
    return Outcome(ok, response.status, took(), excerpt[:RESPONSE_EXCERPT], error)
