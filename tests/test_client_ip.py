"""The client's address: believed from a header only when a trusted proxy sent it.

Per-IP rate limits, sign-up limits and IP bans all read `core.clientip.client_ip`, so a
header written by the client itself must never move a reader to another address.
"""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from core.clientip import ProxyHeadersMiddleware, address_parse, client_ip
from embed.models import Ban
from embed.moderation.bans import ban_create
from tenants.models import Tenant
from tests.conftest import PAGE, host_of
from tests.test_settings import load_settings

STRANGER = "198.51.100.9"  # a client talking to the app directly
FORGED = "203.0.113.66"


def request_from(remote: str, **headers: Any) -> HttpRequest:
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.fixture
def behind_nginx(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1"]
    return settings


@pytest.fixture
def behind_a_chain(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    return settings


def test_it_ignores_the_header_from_an_untrusted_peer(behind_nginx):
    assert client_ip(request_from(STRANGER, HTTP_X_REAL_IP=FORGED)) == STRANGER


def test_it_believes_the_header_from_a_trusted_proxy(behind_nginx):
    assert client_ip(request_from("127.0.0.1", HTTP_X_REAL_IP="192.0.2.5")) == "192.0.2.5"
    assert client_ip(request_from("::1", HTTP_X_REAL_IP="2001:db8::7")) == "2001:db8::7"


def test_it_uses_the_peer_when_a_trusted_proxy_sends_no_usable_header(behind_nginx):
    assert client_ip(request_from("127.0.0.1")) == "127.0.0.1"
    assert client_ip(request_from("127.0.0.1", HTTP_X_REAL_IP="not-an-ip")) == "127.0.0.1"


def test_it_ignores_every_header_without_a_client_ip_header_setting(settings):
    settings.CLIENT_IP_HEADER = "REMOTE_ADDR"
    request = request_from("127.0.0.1", HTTP_X_REAL_IP=FORGED, HTTP_X_FORWARDED_FOR=FORGED)
    assert client_ip(request) == "127.0.0.1"


def test_it_takes_the_right_most_untrusted_address_of_a_chain(behind_a_chain):
    # The client wrote the first entry itself; our proxies appended the rest.
    chain = f"{FORGED}, 192.0.2.5, 10.1.2.3"
    assert client_ip(request_from("127.0.0.1", HTTP_X_FORWARDED_FOR=chain)) == "192.0.2.5"


def test_it_stops_at_an_entry_that_is_not_an_address(behind_a_chain):
    request = request_from("127.0.0.1", HTTP_X_FORWARDED_FOR=f"{FORGED}, 10.1.2.3, junk")
    assert client_ip(request) == "127.0.0.1"
    request = request_from("127.0.0.1", HTTP_X_FORWARDED_FOR="junk, 192.0.2.5")
    assert client_ip(request) == "192.0.2.5"


def test_a_chain_of_proxies_only_gives_the_left_most(behind_a_chain):
    request = request_from("127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 10.1.2.3")
    assert client_ip(request) == "10.9.9.9"


def test_a_chain_from_an_untrusted_peer_is_ignored(behind_a_chain):
    request = request_from(STRANGER, HTTP_X_FORWARDED_FOR=f"{FORGED}, 10.1.2.3")
    assert client_ip(request) == STRANGER


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:5123 ", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ('"[2001:db8::1]"', "2001:db8::1"),
        ("::ffff:192.0.2.5", "192.0.2.5"),
        ("unknown", None),
        ("", None),
    ],
)
def test_it_reads_addresses_as_proxies_write_them(written, address):
    parsed = address_parse(written)
    assert (str(parsed) if parsed else None) == address


def test_it_drops_x_forwarded_proto_from_an_untrusted_peer(behind_nginx):
    seen = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request.is_secure())
        return HttpResponse()

    middleware = ProxyHeadersMiddleware(view)
    middleware(request_from(STRANGER, HTTP_X_FORWARDED_PROTO="https"))
    middleware(request_from("127.0.0.1", HTTP_X_FORWARDED_PROTO="https"))
    assert seen == [False, True]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.example", "127.0.0.1, nope"])
def test_it_refuses_a_bad_trusted_proxies_value_at_start_up(value):
    result = load_settings(DEBUG="true", TRUSTED_PROXIES=value)
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_it_refuses_a_client_ip_header_that_is_not_a_wsgi_name():
    result = load_settings(DEBUG="true", CLIENT_IP_HEADER="X-Real-IP")
    assert result.returncode != 0
    assert "HTTP_X_REAL_IP" in result.stderr


# --- what depends on it: limits and bans ----------------------------------------------------


def post_from(tenant: Tenant, remote: str, **headers: Any):
    client = Client(HTTP_HOST=host_of(tenant), REMOTE_ADDR=remote)
    body = {"url": PAGE, "body": "Hello there", "author_name": "Ann"}
    return client.post("/api/v1/comments", body, content_type="application/json", **headers)


def test_a_forged_header_does_not_dodge_the_per_ip_limit(alpha, behind_nginx):
    behind_nginx.PALAVER_RATE_LIMITS = "ip=2/60"
    codes = [
        post_from(alpha, STRANGER, HTTP_X_REAL_IP=f"203.0.113.{n}").status_code for n in range(3)
    ]
    assert codes == [201, 201, 429]


def test_readers_behind_the_proxy_are_limited_each_on_their_own(alpha, behind_nginx):
    behind_nginx.PALAVER_RATE_LIMITS = "ip=2/60"
    first = [post_from(alpha, "127.0.0.1", HTTP_X_REAL_IP="192.0.2.1").status_code for _ in "ab"]
    other = post_from(alpha, "127.0.0.1", HTTP_X_REAL_IP="192.0.2.200")
    again = post_from(alpha, "127.0.0.1", HTTP_X_REAL_IP="192.0.2.1")
    assert (first, other.status_code, again.status_code) == ([201, 201], 201, 429)


def test_a_forged_header_does_not_dodge_an_ip_ban(alpha, behind_nginx, in_schema):
    with in_schema(alpha):
        ban_create(kind=Ban.Kind.IP, value=STRANGER)
    forged = post_from(alpha, STRANGER, HTTP_X_REAL_IP=FORGED)
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "banned"
    # Behind the proxy, the banned reader is recognised by the address the proxy saw.
    proxied = post_from(alpha, "127.0.0.1", HTTP_X_REAL_IP=STRANGER)
    assert proxied.status_code == 403
    assert post_from(alpha, "127.0.0.1", HTTP_X_REAL_IP=FORGED).status_code == 201


def test_a_forged_header_does_not_dodge_the_sign_up_limit(db, behind_nginx):
    behind_nginx.PALAVER_SIGNUP_LIMITS = "ip=1/3600"

    def sign_up(slug: str, forged: str):
        return Client(HTTP_HOST=behind_nginx.PLATFORM_DOMAIN, REMOTE_ADDR=STRANGER).post(
            "/api/v1/sites",
            {"name": slug, "slug": slug, "owner_email": f"me@{slug}.example",
             "password": "a-long-enough-passphrase"},
            content_type="application/json",
            HTTP_X_REAL_IP=forged,
        )  # fmt: skip

    assert sign_up("ipspoof-one", "203.0.113.1").status_code == 201
    assert sign_up("ipspoof-two", "203.0.113.2").status_code == 429
