"""Charlie has no access to Alice's stuff: every widget endpoint, across tenants."""

import pytest
from django_tenants.utils import schema_context

from embed.models import Comment, Thread, Vote
from embed.site import site_settings_update
from tests.conftest import PAGE, Api

pytestmark = pytest.mark.django_db

SHARED_PAGE = "https://shared.example/article"


@pytest.fixture
def alice(alpha) -> Api:
    api = Api(alpha)
    api.post_comment("Alice's comment")
    return api


@pytest.fixture
def charlie(beta) -> Api:
    return Api(beta)


def test_a_thread_url_from_a_is_empty_on_b(alice, charlie):
    body = charlie.thread(url=PAGE).json()
    assert body["thread"] is None
    assert body["comments"] == []
    assert charlie.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 0}


def test_b_cannot_post_to_a_page_only_a_allows(alice, charlie, beta):
    response = charlie.post_comment("sneaky", url=PAGE)
    assert response.status_code == 400
    with schema_context(beta.schema_name):
        assert not Thread.objects.exists()


def test_a_token_from_a_is_worthless_on_b(alice, charlie, beta):
    charlie.token = alice.token
    assert charlie.get("/api/v1/thread/me", {"url": PAGE}).status_code == 401
    assert charlie.post_comment("as alice?", url="https://beta.example/x").status_code == 401
    with schema_context(beta.schema_name):
        assert not Comment.objects.exists()


def test_a_comment_id_from_a_is_worthless_on_b(alice, charlie, alpha, beta):
    comment_id = alice.thread().json()["comments"][0]["id"]
    charlie.post_comment("Charlie's own", url="https://beta.example/x")
    with schema_context(beta.schema_name):
        Comment.objects.filter(pk=comment_id).delete()  # ids are per schema; make sure
    for method, path, data in (
        ("PATCH", f"/api/v1/comments/{comment_id}", {"body": "defaced"}),
        ("DELETE", f"/api/v1/comments/{comment_id}", None),
        ("POST", f"/api/v1/comments/{comment_id}/vote", {"value": -1}),
        ("POST", f"/api/v1/comments/{comment_id}/flag", {"reason": "spam"}),
    ):
        response = charlie.send(method, path, data)
        assert response.status_code == 404, (method, path, response.content)
        # Even with Alice's own token the comment is out of reach from beta's host.
        assert charlie.send(method, path, data, token=alice.token).status_code in (401, 404)
    with schema_context(alpha.schema_name):
        comment = Comment.objects.get(pk=comment_id)
        assert comment.body == "Alice's comment"
        assert comment.status == "published"
        assert not Vote.objects.exists()


def test_the_same_page_on_two_sites_never_shares_a_cache_entry(alpha, beta):
    for tenant in (alpha, beta):
        with schema_context(tenant.schema_name):
            site_settings_update(allowed_origins=["https://shared.example"])
    a, b = Api(alpha), Api(beta)
    a.post_comment("on alpha", url=SHARED_PAGE)
    assert b.thread(url=SHARED_PAGE).json()["thread"] is None  # cached on beta as empty
    b.post_comment("on beta", url=SHARED_PAGE)
    b.post_comment("also beta", url=SHARED_PAGE)
    for _ in range(2):  # cold, then hot
        assert [c["html"] for c in a.thread(url=SHARED_PAGE).json()["comments"]] == [
            "<p>on alpha</p>"
        ]
        assert [c["html"] for c in b.thread(url=SHARED_PAGE).json()["comments"]] == [
            "<p>on beta</p>",
            "<p>also beta</p>",
        ]
        assert a.get("/api/v1/counts", {"url": SHARED_PAGE}).json() == {SHARED_PAGE: 1}
        assert b.get("/api/v1/counts", {"url": SHARED_PAGE}).json() == {SHARED_PAGE: 2}
    etag_a = a.thread(url=SHARED_PAGE)["ETag"]
    assert (
        b.get("/api/v1/thread", {"url": SHARED_PAGE}, HTTP_IF_NONE_MATCH=etag_a).status_code == 200
    )


def test_as_origin_gets_no_cors_headers_on_b(alice, charlie):
    response = charlie.get(
        "/api/v1/thread", {"url": "https://beta.example/x"}, HTTP_ORIGIN="https://alpha.example"
    )
    assert "Access-Control-Allow-Origin" not in response
    preflight = charlie.client.options(
        "/api/v1/comments",
        HTTP_ORIGIN="https://alpha.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_the_platform_host_serves_no_widget_api(alice, public_client):
    assert public_client.get("/api/v1/thread", {"url": PAGE}).status_code == 404
    assert public_client.post("/api/v1/comments", {}).status_code == 404
