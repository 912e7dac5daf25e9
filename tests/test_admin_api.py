"""The dashboard's API: who may do what, bulk actions, cache invalidation, audit."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from embed.models import AuditEntry, Ban, Comment, Commenter, SiteSettings, Thread
from embed.moderation.apitokens import api_token_create
from tests.conftest import PAGE, Api, host_of

pytestmark = pytest.mark.django_db

STAFF_READS = [
    "/api/v1/admin/comments",
    "/api/v1/admin/threads",
    "/api/v1/admin/bans",
    "/api/v1/admin/audit",
    "/api/v1/admin/stats",
]
OWNER_READS = ["/api/v1/admin/settings", "/api/v1/admin/team"]


def held(api: Api, tenant, body: str = "please approve") -> int:
    with schema_context(tenant.schema_name):
        SiteSettings.objects.update(moderation_mode="pre")
    from embed.site import site_config_forget

    with schema_context(tenant.schema_name):
        site_config_forget()
    response = api.post_comment(body)
    assert response.status_code == 202
    return response.json()["id"]


def send(client: Client, method: str, path: str, data: object = None):
    return getattr(client, method.lower())(
        path, json.dumps(data) if data is not None else None, content_type="application/json"
    )


@pytest.mark.parametrize("path", STAFF_READS + OWNER_READS)
def test_anonymous_gets_401(client_for, alpha, path):
    response = client_for(alpha).get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("path", STAFF_READS + OWNER_READS)
def test_a_reader_token_gets_nothing(api, path):
    api.post_comment("I am just a reader")
    assert api.get(path).status_code == 401


@pytest.mark.parametrize("path", STAFF_READS)
def test_a_moderator_reads_the_queue_bans_audit_stats(staff_client, alpha, path):
    assert staff_client(alpha, "moderator").get(path).status_code == 200


@pytest.mark.parametrize("path", OWNER_READS)
def test_a_moderator_cannot_touch_settings_or_team(staff_client, alpha, path):
    moderator = staff_client(alpha, "moderator")
    assert moderator.get(path).status_code == 403
    assert send(moderator, "PATCH", "/api/v1/admin/settings", {"max_links": 0}).status_code == 403


@pytest.mark.parametrize("path", STAFF_READS + OWNER_READS)
def test_the_owner_reads_everything(staff_client, alpha, path):
    assert staff_client(alpha).get(path).status_code == 200


@pytest.mark.parametrize("path", STAFF_READS + OWNER_READS)
def test_it_rejects_staff_of_another_tenant(staff_client, alpha, beta, path):
    beta_owner = staff_client(beta)
    foreign = Client(HTTP_HOST=host_of(alpha))
    foreign.cookies = beta_owner.cookies
    assert foreign.get(path).status_code == 401
    with schema_context(beta.schema_name):
        owner = get_user_model().objects.get(email="owner@beta.example")
        _, token = api_token_create(name="beta's", scope="owner", actor=owner)
    with_token = Client(HTTP_HOST=host_of(alpha), HTTP_AUTHORIZATION=f"Token {token}")
    assert with_token.get(path).status_code == 401


def test_staff_of_another_tenant_cannot_moderate(staff_client, api, alpha, beta):
    comment_id = held(api, alpha)
    foreign = Client(HTTP_HOST=host_of(alpha))
    foreign.cookies = staff_client(beta).cookies
    assert send(foreign, "POST", f"/api/v1/admin/comments/{comment_id}/approve").status_code == 401
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment_id).status == "pending"


def test_an_api_token_works_for_scripts(alpha):
    with schema_context(alpha.schema_name):
        owner = get_user_model().objects.get(email="owner@alpha.example")
        _, token = api_token_create(name="script", scope="read", actor=owner)
    client = Client(HTTP_HOST=host_of(alpha), HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/admin/comments").status_code == 200


def test_approving_from_the_queue_publishes_at_once(staff_client, api, alpha):
    comment_id = held(api, alpha)
    moderator = staff_client(alpha, "moderator")
    queue = moderator.get("/api/v1/admin/comments").json()
    assert [c["id"] for c in queue["results"]] == [comment_id]
    assert queue["results"][0]["reasons"] == ["pre-moderation"]
    assert api.thread().json()["comments"] == []  # cached as empty
    response = send(moderator, "POST", f"/api/v1/admin/comments/{comment_id}/approve")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    body = api.thread().json()
    assert [c["id"] for c in body["comments"]] == [comment_id]
    assert body["thread"]["comment_count"] == 1
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 1}
    with schema_context(alpha.schema_name):
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.target) == ("approve", f"comment {comment_id}")
        assert entry.actor is not None
        assert entry.actor.email == "moderator@alpha.example"


@pytest.mark.parametrize(
    "action, status", [("reject", "rejected"), ("spam", "spam"), ("delete", "deleted")]
)
def test_removing_actions_take_comments_out_of_the_thread(staff_client, api, alpha, action, status):
    comment_id = api.post_comment("visible").json()["id"]
    assert len(api.thread().json()["comments"]) == 1
    response = send(staff_client(alpha), "POST", f"/api/v1/admin/comments/{comment_id}/{action}")
    assert response.json()["status"] == status
    assert api.thread().json()["comments"] == []
    assert api.thread().json()["thread"]["comment_count"] == 0


def test_restore_pin_and_unpin(staff_client, api, alpha):
    first = api.post_comment("first").json()["id"]
    second = api.post_comment("second").json()["id"]
    owner = staff_client(alpha)
    send(owner, "POST", f"/api/v1/admin/comments/{first}/delete")
    send(owner, "POST", f"/api/v1/admin/comments/{first}/restore")
    send(owner, "POST", f"/api/v1/admin/comments/{second}/pin")
    comments = api.thread().json()["comments"]
    assert [c["id"] for c in comments] == [second, first]
    assert comments[0]["pinned"] is True
    send(owner, "POST", f"/api/v1/admin/comments/{second}/unpin")
    assert [c["id"] for c in api.thread().json()["comments"]] == [first, second]


def test_unknown_actions_and_comments_are_404(staff_client, api, alpha):
    comment_id = api.post_comment("x").json()["id"]
    owner = staff_client(alpha)
    assert send(owner, "POST", f"/api/v1/admin/comments/{comment_id}/explode").status_code == 404
    assert send(owner, "POST", "/api/v1/admin/comments/999999/approve").status_code == 404


def test_bulk_actions(staff_client, api, alpha):
    ids = [held(api, alpha, f"held {i}") for i in range(3)]
    owner = staff_client(alpha)
    response = send(owner, "POST", "/api/v1/admin/comments/bulk", {"ids": ids, "action": "approve"})
    assert response.json() == {"changed": 3}
    assert len(api.thread().json()["comments"]) == 3
    bad = send(owner, "POST", "/api/v1/admin/comments/bulk", {"ids": [], "action": "approve"})
    assert bad.status_code == 400
    bad = send(owner, "POST", "/api/v1/admin/comments/bulk", {"ids": ids, "action": "nuke"})
    assert bad.status_code == 400


def test_queue_filters(staff_client, api, alpha):
    with schema_context(alpha.schema_name):
        SiteSettings.objects.update(suspect_words=["casino"])
    api.post_comment("the casino is open")
    api.post_comment("ordinary words", url="https://alpha.example/other")
    owner = staff_client(alpha)
    by_reason = owner.get("/api/v1/admin/comments", {"reason": "casino"}).json()
    assert [c["body"] for c in by_reason["results"]] == ["the casino is open"]
    everything = owner.get("/api/v1/admin/comments", {"status": "all"}).json()
    assert everything["count"] == 2
    text = owner.get("/api/v1/admin/comments", {"status": "all", "q": "ordinary"}).json()
    assert [c["body"] for c in text["results"]] == ["ordinary words"]
    thread_id = everything["results"][0]["thread"]["id"]
    by_thread = owner.get("/api/v1/admin/comments", {"status": "all", "thread": thread_id})
    assert by_thread.json()["count"] == 1
    assert owner.get("/api/v1/admin/comments", {"status": "weird"}).status_code == 400


def test_the_queue_page_costs_a_constant_number_of_queries(staff_client, alpha):
    owner = staff_client(alpha)
    owner.get("/api/v1/admin/comments")  # session, user and host warmed up

    def queries_for(n: int) -> int:
        with schema_context(alpha.schema_name):
            thread = Thread.objects.create(url=f"https://alpha.example/q{n}")
            author = Commenter.objects.create(name="Q")
            Comment.objects.bulk_create(
                Comment(
                    thread=thread, author=author, body="b", body_html="<p>b</p>", status="pending"
                )
                for _ in range(n)
            )
        with CaptureQueriesContext(connection) as ctx:
            response = owner.get("/api/v1/admin/comments")
        assert len(response.json()["results"]) == min(50, response.json()["count"])
        return len(ctx.captured_queries)

    assert queries_for(5) == queries_for(60)


def test_bans_can_be_made_listed_and_lifted(staff_client, api, alpha):
    moderator = staff_client(alpha, "moderator")
    made = send(
        moderator, "POST", "/api/v1/admin/bans",
        {"kind": "email", "value": "Troll@Example.com", "reason": "abuse",
         "expires": "2099-01-01T00:00:00Z"},
    )  # fmt: skip
    assert made.status_code == 201
    assert made.json()["value"] == "troll@example.com"
    assert moderator.get("/api/v1/admin/bans").json()["count"] == 1
    assert api.post_comment("hi", author_email="troll@example.com").status_code == 403
    assert send(moderator, "DELETE", f"/api/v1/admin/bans/{made.json()['id']}").status_code == 204
    assert api.post_comment("hi", author_email="troll@example.com").status_code == 201
    bad = send(moderator, "POST", "/api/v1/admin/bans", {"kind": "email", "value": "nope"})
    assert bad.status_code == 400
    past = send(
        moderator, "POST", "/api/v1/admin/bans",
        {"kind": "ip", "value": "10.0.0.1", "expires": "2001-01-01T00:00:00Z"},
    )  # fmt: skip
    assert past.status_code == 400
    with schema_context(alpha.schema_name):
        assert not Ban.objects.exists()
        assert list(AuditEntry.objects.values_list("action", flat=True)) == ["ban", "unban"]


def test_threads_close_and_reopen(staff_client, api, alpha):
    api.post_comment("first")
    owner = staff_client(alpha)
    thread_id = owner.get("/api/v1/admin/threads").json()["results"][0]["id"]
    assert send(owner, "POST", f"/api/v1/admin/threads/{thread_id}/close").json()["closed"]
    assert api.thread().json()["thread"]["closed"] is True
    assert api.post_comment("late").status_code == 403
    send(owner, "POST", f"/api/v1/admin/threads/{thread_id}/reopen")
    assert api.post_comment("welcome back").status_code == 201


def test_settings_are_validated_and_take_effect(staff_client, api, alpha):
    owner = staff_client(alpha)
    response = send(
        owner, "PATCH", "/api/v1/admin/settings",
        {"guest_email_required": True, "banned_words": "scam, fraud\nscam",
         "allowed_origins": ["https://alpha.example/", "https://news.alpha.example"]},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["banned_words"] == ["scam", "fraud"]
    assert response.json()["allowed_origins"] == [
        "https://alpha.example",
        "https://news.alpha.example",
    ]
    assert "author_email" in api.post_comment("hi").json()["error"]["fields"]
    for bad in ({"max_links": -1}, {"moderation_mode": "anarchy"}, {"unknown": 1},
                {"allowed_origins": ["javascript:alert(1)"]}, {"max_depth": 0}):  # fmt: skip
        reply = send(owner, "PATCH", "/api/v1/admin/settings", bad)
        assert reply.status_code == 400, bad
        assert reply.json()["error"]["fields"]
    key = {"akismet_key": "a1b2c3d4e5f6"}
    assert send(owner, "PATCH", "/api/v1/admin/settings", key).json()["akismet_key"] is True


def test_team_management(staff_client, alpha):
    owner = staff_client(alpha)
    added = send(
        owner, "POST", "/api/v1/admin/team",
        {"email": "Mod@Alpha.example", "password": "another-long-passphrase", "role": "moderator"},
    )  # fmt: skip
    assert added.status_code == 201
    assert added.json()["role"] == "moderator"
    team = owner.get("/api/v1/admin/team").json()["results"]
    assert {m["email"] for m in team} == {"owner@alpha.example", "mod@alpha.example"}
    me = next(m for m in team if m["role"] == "owner")
    assert send(owner, "DELETE", f"/api/v1/admin/team/{me['id']}").status_code == 400
    assert send(owner, "DELETE", f"/api/v1/admin/team/{added.json()['id']}").status_code == 204
    weak = send(
        owner, "POST", "/api/v1/admin/team",
        {"email": "x@alpha.example", "password": "123", "role": "moderator"},
    )  # fmt: skip
    assert weak.status_code == 400


def test_stats_count_comments_per_day_and_the_spam_rate(staff_client, api, alpha):
    api.post_comment("one")
    api.post_comment("two", hp="bot")
    stats = staff_client(alpha).get("/api/v1/admin/stats").json()
    assert len(stats["per_day"]) == 30
    assert stats["per_day"][-1]["total"] == 2
    assert stats["spam_rate"] == 0.5
    assert stats["busiest"][0]["url"] == PAGE
    assert stats["status_counts"]["spam"] == 1
