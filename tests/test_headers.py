"""Security headers: CSP and framing on pages, HSTS over HTTPS, no-store on private pages,
CORS on the public widget API only.

The browser side (the dashboard still works under its CSP, nothing is blocked) is in
tests/browser/test_page_security.py.
"""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from embed.moderation.apitokens import api_token_create
from tests.conftest import OWNER_PASSWORD, PAGE, host_of
from tests.test_settings import ROOT

pytestmark = pytest.mark.django_db

ALLOWED = "https://alpha.example"  # one of alpha's allowed origins
DASHBOARD_PAGES = [
    "/dashboard/",
    "/dashboard/queue/",
    "/dashboard/bans/",
    "/dashboard/threads/",
    "/dashboard/settings/",
    "/dashboard/team/",
    "/dashboard/stats/",
    "/dashboard/audit/",
]
# What a Content-Security-Policy without 'unsafe-inline' blocks.
INLINE = [
    re.compile(r"<style\b", re.I),
    re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in pairs}


def assert_page_policy(response) -> None:
    policy = directives(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def assert_no_inline_code(html: str) -> None:
    for pattern in INLINE:
        assert not pattern.search(html), f"{pattern.pattern} in the page"


def test_dashboard_pages_carry_the_policy_and_no_inline_code(staff_client, alpha, api):
    comment = api.post_comment("Hello there").json()
    owner = staff_client(alpha)
    for path in [*DASHBOARD_PAGES, f"/dashboard/comments/{comment['id']}/"]:
        response = owner.get(path)
        assert response.status_code == 200, path
        assert_page_policy(response)
        assert_no_inline_code(response.content.decode())


def test_the_dashboard_log_in_page_carries_the_policy(client_for, alpha):
    response = client_for(alpha).get("/dashboard/login/")
    assert_page_policy(response)
    assert_no_inline_code(response.content.decode())


def test_platform_pages_carry_the_policy_and_no_inline_code(public_client):
    landing = public_client.get("/")
    done = public_client.post(
        "/", {"name": "Csp", "slug": "csp-site", "owner_email": "me@csp.example",
              "password": "a-long-enough-passphrase"},
    )  # fmt: skip
    unknown = Client(HTTP_HOST="nosuchsite.localhost").get("/")
    for response in (landing, done, unknown):
        assert_page_policy(response)
        assert_no_inline_code(response.content.decode())
    assert (landing.status_code, done.status_code, unknown.status_code) == (200, 201, 404)


def test_the_platform_admin_carries_the_policy(public_client):
    response = public_client.get("/admin/login/")
    assert response.status_code == 200
    assert_page_policy(response)


def test_the_api_docs_load_their_script_from_a_file(client_for, alpha):
    page = client_for(alpha).get("/api/docs/")
    html = page.content.decode()
    policy = directives(page)
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert not INLINE[1].search(html)
    script = client_for(alpha).get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_widget_api_is_no_page(api):
    assert "Content-Security-Policy" not in api.thread()


# --- HSTS -----------------------------------------------------------------------------------


@pytest.fixture
def hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


def test_hsts_is_sent_on_https_through_a_trusted_proxy(hsts, alpha):
    client = Client(HTTP_HOST=host_of(alpha), REMOTE_ADDR="127.0.0.1")
    for path in ("/dashboard/login/", f"/api/v1/thread?url={PAGE}"):
        response = client.get(path, HTTP_X_FORWARDED_PROTO="https")
        assert response["Strict-Transport-Security"] == "max-age=31536000", path


def test_hsts_is_not_sent_over_plain_http(hsts, alpha):
    response = Client(HTTP_HOST=host_of(alpha)).get("/dashboard/login/")
    assert "Strict-Transport-Security" not in response


def test_hsts_is_not_sent_when_an_untrusted_peer_claims_https(hsts, alpha):
    client = Client(HTTP_HOST=host_of(alpha), REMOTE_ADDR="198.51.100.9")
    response = client.get("/dashboard/login/", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in response


def settings_value(name: str, **env: str) -> object:
    """One setting as a fresh process reads it from `env` (on top of the test's own)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PLATFORM_DOMAIN", "PLATFORM_SCHEME", "SECURE_HSTS_SECONDS"}
    }
    environment.update(PALAVER_QUIET="1", **env)
    code = f"import json, palaver.settings as s; print(json.dumps(s.{name}))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True,
        cwd=ROOT, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_hsts_lasts_a_year_by_default_on_an_https_platform():
    assert settings_value("SECURE_HSTS_SECONDS", PLATFORM_DOMAIN="comments.example") == 31536000
    assert settings_value("SECURE_HSTS_SECONDS", PLATFORM_DOMAIN="localhost") == 0


# --- caching of private pages ---------------------------------------------------------------


def assert_no_store(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_dashboard_pages_are_never_stored(staff_client, client_for, alpha):
    owner = staff_client(alpha)
    for path in DASHBOARD_PAGES:
        assert_no_store(owner.get(path))
    assert_no_store(client_for(alpha).get("/dashboard/login/"))
    assert_no_store(client_for(alpha).get("/dashboard/queue/"))  # the redirect to log in
    assert_no_store(owner.post("/dashboard/settings/", {}))  # a form sent back with errors


def test_admin_api_answers_are_never_stored(staff_client, alpha):
    assert_no_store(staff_client(alpha).get("/api/v1/admin/settings"))


def test_public_reads_stay_cacheable(api):
    assert "no-store" not in api.thread()["Cache-Control"]
    assert "public" in api.thread()["Cache-Control"]


# --- CORS -----------------------------------------------------------------------------------


def test_cors_answers_the_public_widget_api(api):
    read = api.get("/api/v1/thread", {"url": PAGE}, HTTP_ORIGIN=ALLOWED)
    preflight = api.client.options(
        "/api/v1/comments", HTTP_ORIGIN=ALLOWED, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert read["Access-Control-Allow-Origin"] == ALLOWED
    assert preflight["Access-Control-Allow-Origin"] == ALLOWED


def test_cors_never_answers_the_admin_api(alpha, in_schema):
    with in_schema(alpha):
        owner = get_user_model().objects.get(email="owner@alpha.example")
        _, token = api_token_create(name="cors", scope="owner", actor=owner)
    client = Client(HTTP_HOST=host_of(alpha), HTTP_ORIGIN=ALLOWED)
    read = client.get("/api/v1/admin/settings", HTTP_AUTHORIZATION=f"Token {token}")
    preflight = client.options(
        "/api/v1/admin/settings",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert read.status_code == 200
    for response in (read, preflight):
        assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_cors_never_answers_the_dashboard_or_the_schema(staff_client, client_for, alpha):
    owner = staff_client(alpha)
    responses = [
        owner.get("/dashboard/queue/", HTTP_ORIGIN=ALLOWED),
        owner.post("/dashboard/settings/", {}, HTTP_ORIGIN=ALLOWED),
        client_for(alpha).post(
            "/dashboard/login/",
            {"username": "owner@alpha.example", "password": OWNER_PASSWORD},
            HTTP_ORIGIN=ALLOWED,
        ),
        client_for(alpha).get("/api/schema/", HTTP_ORIGIN=ALLOWED),
    ]
    for response in responses:
        assert "Access-Control-Allow-Origin" not in response


def test_cors_never_answers_the_platform_site(public_client):
    response = public_client.options(
        "/api/v1/sites", HTTP_ORIGIN=ALLOWED, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in response
    assert settings.CORS_ALLOWED_ORIGINS == []
