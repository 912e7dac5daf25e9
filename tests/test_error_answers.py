"""Errors under /api/ are answered in the API's JSON shape, whatever produces them: an unknown
path, a method no view takes, a body over the size limit, an unknown host, a server fault."""

import json
from collections.abc import Callable

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from core.errorpages import server_error
from tenants.models import Tenant
from tests.conftest import PAGE, host_of
from tests.test_input_guard import PUBLIC_PATHS, TENANT_PATHS

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# The API's only answers that are not JSON: the OpenAPI document and its browsable docs.
NOT_JSON = {"/api/schema/", "/api/docs/"}


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def call(client: Client, method: str, path: str):
    body = "" if method == "get" else "{}"
    return client.generic(method.upper(), path, body, content_type="application/json")


@pytest.fixture
def owner(staff_client: Callable[..., Client], alpha: Tenant) -> Client:
    return staff_client(alpha)


@pytest.mark.parametrize("path", [p for p in TENANT_PATHS if p.startswith("/api/")])
def test_every_api_answer_of_a_site_is_json(owner: Client, alpha: Tenant, path: str):
    if path in NOT_JSON:
        return
    for client in (owner, Client(HTTP_HOST=host_of(alpha))):
        for method in METHODS:
            response = call(client, method, path)
            assert response.status_code < 500, (path, method, response.status_code)
            assert response["Content-Type"].startswith(("application/json", "text/event-stream"))
            if response.status_code >= 400:
                assert response.json()["error"]["code"], (path, method)
            if response.status_code == 405:
                assert response["Allow"]


@pytest.mark.parametrize("path", [p for p in PUBLIC_PATHS if p.startswith("/api/")])
def test_every_api_answer_of_the_platform_is_json(public_client: Client, path: str):
    if path in NOT_JSON:
        return
    for method in METHODS:
        response = call(public_client, method, path)
        assert response.status_code < 500
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v2/thread", "/api/", "/api/v1/comments/", "/api/v1/thread/x"]
)
def test_an_unknown_api_path_is_a_json_404(api, public_client, path):
    assert_error_shape(api.get(path), 404, "not_found")
    assert_error_shape(api.send("POST", path, {}), 404, "not_found")
    assert_error_shape(public_client.get(path), 404, "not_found")


def test_pages_keep_their_html_404(api, public_client):
    for response in (api.client.get("/dashboard/nope/"), public_client.get("/nope")):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


def test_an_unknown_host_is_a_json_404_under_api_only(db):
    client = Client(HTTP_HOST="nosuchsite.localhost")
    error = assert_error_shape(client.get("/api/v1/thread", {"url": PAGE}), 404, "not_found")
    assert "nosuchsite.localhost" in error["message"]
    page = client.get("/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "method, path",
    [
        ("put", "/api/v1/comments"),
        ("delete", "/api/v1/thread"),
        ("patch", "/api/v1/counts"),
        ("post", "/api/v1/thread/events"),
        ("get", "/api/v1/comments/1/vote"),
    ],
)
def test_a_method_no_view_takes_is_a_json_405(api, method, path):
    response = call(api.client, method, path)
    assert_error_shape(response, 405, "method_not_allowed")
    assert response["Allow"]


def test_a_body_over_the_limit_is_a_json_413(api, owner):
    big = json.dumps({"url": PAGE, "body": "x" * 300_000, "author_name": "Ann"})
    assert_error_shape(api.send("POST", "/api/v1/comments", big), 413, "too_large")
    patch = owner.patch("/api/v1/admin/settings", big, content_type="application/json")
    assert_error_shape(patch, 413, "too_large")
    form = api.client.post("/api/v1/comments", {"body": "x" * 300_000})
    assert_error_shape(form, 413, "too_large")


def test_a_server_fault_under_api_is_a_json_500(alpha):
    request = RequestFactory().get("/api/v1/thread")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert json.loads(response.content)["error"]["code"] == "unavailable"
