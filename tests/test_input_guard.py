"""Every endpoint refuses text no reader means to send, and deep JSON, with a 4xx: the URL
resolvers are walked so that an endpoint added later is covered without a new test."""

import json
import re
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

import pytest
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory

from core.text import MAX_JSON_DEPTH, InputRefused, json_check
from embed.api.comments import CommentCreateApi
from tenants.models import Tenant
from tests.conftest import PAGE, Api, host_of

pytestmark = pytest.mark.django_db

# Sample values for path converters and regex groups, by converter type or group name.
SAMPLES = {"int": "1", "str": "approve", "slug": "x", "path": "x", "uuid": "0" * 32}
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _route(pattern: Any) -> str:
    route = getattr(pattern, "_route", None)
    if route is not None:
        return _CONVERTER.sub(lambda m: SAMPLES.get(m.group(1) or "str", "x"), str(route))
    regex = pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    return _GROUP.sub("x", regex).replace("\\", "")


def paths(urlconf: str) -> Iterator[str]:
    """A concrete path for every URL pattern of `urlconf`, includes followed."""

    def walk(patterns: list, prefix: str) -> Iterator[str]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + _route(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield "/" + prefix + _route(entry.pattern)

    return walk(get_resolver(urlconf).url_patterns, "")


TENANT_PATHS = sorted(set(paths("palaver.urls_tenant")))
PUBLIC_PATHS = sorted(set(paths("palaver.urls_public")))
NUL = "a\x00b"
DEEP = "[" * 1000 + "]" * 1000  # 2 KB
WRAPPED = '{"body": ' + DEEP + "}"
VERY_DEEP = "[" * 5000 + "]" * 5000
REFUSED = ["\x00", "\x07", "\x1b", "\x7f", "\x85"]


def test_the_walk_finds_every_kind_of_endpoint():
    for expected in ("/api/v1/thread", "/api/v1/admin/team/1", "/dashboard/queue/", "/embed.js"):
        assert expected in TENANT_PATHS
    for expected in ("/", "/api/v1/sites", "/admin/login/"):
        assert expected in PUBLIC_PATHS


def assert_refused(response: Any, path: str, field: str | None = None) -> None:
    assert response.status_code == 400, (path, response.status_code, response.content[:300])
    if path.startswith("/api/"):
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert "not allowed" in error["message"]
        if field is not None:
            assert field in error["fields"], error
    else:
        assert b"not allowed" in response.content


@pytest.fixture
def owner(staff_client: Callable[..., Client], alpha: Tenant) -> Client:
    return staff_client(alpha)


@pytest.fixture
def anonymous(alpha: Tenant) -> Client:
    return Client(HTTP_HOST=host_of(alpha))


@pytest.mark.parametrize("path", TENANT_PATHS)
def test_every_site_endpoint_refuses_a_nul_query_parameter(owner, anonymous, path):
    for client in (owner, anonymous):
        for method in ("get", "post", "delete"):
            response = getattr(client, method)(f"{path}?url=https://blog.example/p%00x")
            assert_refused(response, path, "url")
        assert_refused(client.get(f"{path}?q=%01"), path, "q")
        assert_refused(client.get(f"{path}?a%00b=1"), path, "aU+0000b")


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_platform_endpoint_refuses_a_nul_query_parameter(public_client, path):
    for method in ("get", "post"):
        response = getattr(public_client, method)(f"{path}?name=%00")
        assert_refused(response, path, "name")


@pytest.mark.parametrize("path", TENANT_PATHS)
def test_every_site_endpoint_refuses_a_nul_json_field(owner, anonymous, path):
    payloads = (
        {"body": NUL, "url": PAGE},
        {"ids": [1, "x\x1b"]},
        {"nested": {"key\x00": 1}},
        [NUL],
    )
    for client in (owner, anonymous):
        for method, payload in zip(("post", "put", "patch", "delete"), payloads, strict=True):
            response = getattr(client, method)(
                path, json.dumps(payload), content_type="application/json"
            )
            assert_refused(response, path)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_platform_endpoint_refuses_a_nul_json_field(public_client, path):
    payload = {"name": NUL, "slug": "gamma", "owner_email": "o@gamma.example"}
    response = public_client.post(path, json.dumps(payload), content_type="application/json")
    assert_refused(response, path, "name")


@pytest.mark.parametrize("path", TENANT_PATHS)
def test_every_site_endpoint_refuses_a_nul_form_field(owner, path):
    for data in ({"q": NUL}, {"body": "x\x08"}, {"csrfmiddlewaretoken": "x", "value": "1\x00"}):
        assert_refused(owner.post(path, data), path)
        multipart = owner.post(path, {**data, "file": BytesIO(b"x")})
        assert_refused(multipart, path)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_platform_endpoint_refuses_a_nul_form_field(public_client, path):
    data = {"name": "Gamma\x00", "slug": "gamma", "owner_email": "o@gamma.example"}
    assert_refused(public_client.post(path, data), path, "name")


@pytest.mark.parametrize("char", REFUSED)
def test_the_widget_read_refuses_control_characters(api: Api, char: str):
    for path in ("/api/v1/thread", "/api/v1/counts", "/api/v1/thread/me", "/api/v1/thread/events"):
        response = api.get(path, {"url": f"https://alpha.example/p{char}x"})
        assert_refused(response, path, "url")
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("body", ['{"value": 1', VERY_DEEP, '{"value": NaN}'])
def test_malformed_json_is_a_parse_error(api: Api, body: str):
    response = api.send("POST", "/api/v1/comments/1/vote", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_lone_surrogate_in_json_is_a_400(api: Api):
    raw = '{"url": "https://alpha.example/p", "body": "hi \\ud800", "author_name": "Ann"}'
    response = api.send("POST", "/api/v1/comments", raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_tabs_and_line_breaks_are_text(api: Api):
    response = api.post_comment("line one\r\nline\ttwo")
    assert response.status_code == 201


def wsgi_get(host: str, path: str, query: str) -> tuple[str, bytes]:
    """A GET through the deployed WSGI entry point (and its short public-read chain)."""
    from palaver.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": host,
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": BytesIO(),
    }
    statuses: list[str] = []
    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, lambda status, headers: statuses.append(status)))
    finally:
        request_started.connect(close_old_connections)
    return statuses[0], body


@pytest.mark.parametrize("path", ["/api/v1/thread", "/api/v1/counts", "/embed.js", "/count.js"])
def test_the_public_read_chain_refuses_a_nul_too(alpha: Tenant, path: str):
    status, body = wsgi_get(host_of(alpha), path, "url=https://blog.example/p%00x")
    assert status.startswith("400"), (status, body)
    if path.startswith("/api/"):
        assert json.loads(body)["error"]["fields"]["url"]


@pytest.mark.parametrize("path", [path for path in TENANT_PATHS if path.startswith("/api/")])
def test_deep_json_is_a_400_on_every_endpoint(owner, anonymous, path):
    for client in (owner, anonymous):
        bodies = (DEEP, WRAPPED) * 2
        for method, body in zip(("post", "put", "patch", "delete"), bodies, strict=True):
            response = getattr(client, method)(path, body, content_type="application/json")
            assert response.status_code == 400, (path, method, response.status_code)
            assert "nested deeper" in response.json()["error"]["message"]
        # Deeper than orjson itself parses: not well-formed JSON, refused by whichever view
        # reads the body; never a 500.
        response = client.post(path, VERY_DEEP, content_type="application/json")
        assert 400 <= response.status_code < 500, (path, response.status_code)
        if path not in ("/api/docs/", "/api/schema/"):  # their errors come as the docs page
            assert response.json()["error"]["code"]


def test_deep_json_is_a_400_on_signup(public_client):
    response = public_client.post("/api/v1/sites", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.json()["error"]["message"]


def test_the_parser_applies_the_rules_without_the_middleware(alpha: Tenant):
    view = CommentCreateApi.as_view()
    factory = APIRequestFactory()
    for body, code in (
        (DEEP, "invalid"),
        ('{"body": "a\\u0000b"}', "invalid"),
        ("{", "parse_error"),
    ):
        request = factory.post("/api/v1/comments", body, content_type="application/json")
        request.tenant = alpha  # type: ignore[attr-defined]
        response = view(request)
        assert response.status_code == 400
        assert response.data["error"]["code"] == code


def test_the_depth_limit_is_exact():
    def nested(levels: int) -> object:
        value: object = 1
        for _ in range(levels):
            value = [value]
        return value

    json_check(nested(MAX_JSON_DEPTH))
    with pytest.raises(InputRefused):
        json_check(nested(MAX_JSON_DEPTH + 1))
    json_check({"a": [{"b": [1]}]})
