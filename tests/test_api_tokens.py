"""Admin API tokens: made and revoked by owners, stored hashed, limited by scope, audited."""

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

from embed.models import ApiToken, AuditEntry, Comment, SiteSettings
from embed.moderation.apitokens import api_token_create
from embed.moderation.team import team_member_set_role
from tests.conftest import Api, host_of

pytestmark = pytest.mark.django_db


def send(client: Client, method: str, path: str, data: object = None):
    return getattr(client, method.lower())(
        path, json.dumps(data) if data is not None else None, content_type="application/json"
    )


def token_for(tenant, scope: str, owner_email: str | None = None) -> str:
    with schema_context(tenant.schema_name):
        owner = get_user_model().objects.get(email=owner_email or f"owner@{tenant.slug}.example")
        _, token = api_token_create(name=f"{scope} script", scope=scope, actor=owner)
    return token


def with_token(tenant, token: str) -> Client:
    return Client(HTTP_HOST=host_of(tenant), HTTP_AUTHORIZATION=f"Token {token}")


def held_comment(api: Api, tenant) -> int:
    from embed.site import site_config_forget

    with schema_context(tenant.schema_name):
        SiteSettings.objects.update(moderation_mode="pre")
        site_config_forget()
    response = api.post_comment("hold me")
    assert response.status_code == 202
    return response.json()["id"]


def test_an_owner_makes_a_token_that_is_shown_once_and_stored_hashed(staff_client, alpha):
    owner = staff_client(alpha)
    made = send(owner, "POST", "/api/v1/admin/tokens", {"name": "Backup job", "scope": "read"})
    assert made.status_code == 201
    body = made.json()
    token = body["token"]
    assert token.startswith("plv_") and len(token) > 40
    assert body["prefix"] == token[:12]
    assert (body["name"], body["scope"], body["last_used"]) == ("Backup job", "read", None)
    with schema_context(alpha.schema_name):
        row = ApiToken.objects.get()
        assert row.digest == hashlib.sha256(token.encode()).hexdigest()
        stored = [str(value) for value in ApiToken.objects.values().get().values()]
        assert not any(token in value for value in stored)
    listed = owner.get("/api/v1/admin/tokens").json()["results"]
    assert [item["name"] for item in listed] == ["Backup job"]
    assert "token" not in listed[0]
    assert token not in json.dumps(listed)


def test_it_refuses_a_blank_name_or_an_unknown_scope(staff_client, alpha):
    owner = staff_client(alpha)
    blank = send(owner, "POST", "/api/v1/admin/tokens", {"name": "   ", "scope": "read"})
    assert blank.status_code == 400
    unknown = send(owner, "POST", "/api/v1/admin/tokens", {"name": "x", "scope": "root"})
    assert unknown.status_code == 400
    assert "scope" in unknown.json()["error"]["fields"]


def test_a_moderator_cannot_list_or_make_tokens(staff_client, alpha):
    moderator = staff_client(alpha, "moderator")
    assert moderator.get("/api/v1/admin/tokens").status_code == 403
    made = send(moderator, "POST", "/api/v1/admin/tokens", {"name": "mine", "scope": "read"})
    assert made.status_code == 403


def test_a_read_only_token_reads_but_never_writes(api, alpha):
    comment_id = held_comment(api, alpha)
    client = with_token(alpha, token_for(alpha, "read"))
    assert client.get("/api/v1/admin/comments").status_code == 200
    assert client.get("/api/v1/admin/audit").status_code == 200
    approve = send(client, "POST", f"/api/v1/admin/comments/{comment_id}/approve")
    assert approve.status_code == 403
    assert (
        send(client, "POST", "/api/v1/admin/bans", {"kind": "ip", "value": "1.2.3.4"}).status_code
        == 403
    )
    assert client.get("/api/v1/admin/settings").status_code == 403
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment_id).status == "pending"


def test_a_moderate_token_moderates_but_leaves_settings_and_tokens_alone(api, alpha):
    comment_id = held_comment(api, alpha)
    client = with_token(alpha, token_for(alpha, "moderate"))
    approve = send(client, "POST", f"/api/v1/admin/comments/{comment_id}/approve")
    assert approve.status_code == 200
    assert approve.json()["status"] == "published"
    assert client.get("/api/v1/admin/settings").status_code == 403
    assert send(client, "PATCH", "/api/v1/admin/settings", {"max_links": 0}).status_code == 403
    assert client.get("/api/v1/admin/tokens").status_code == 403
    made = send(client, "POST", "/api/v1/admin/tokens", {"name": "more", "scope": "owner"})
    assert made.status_code == 403
    assert client.get("/api/v1/admin/team").status_code == 403


def test_an_owner_token_changes_settings_and_tokens(alpha):
    client = with_token(alpha, token_for(alpha, "owner"))
    assert send(client, "PATCH", "/api/v1/admin/settings", {"max_links": 1}).status_code == 200
    made = send(client, "POST", "/api/v1/admin/tokens", {"name": "child", "scope": "read"})
    assert made.status_code == 201


def test_a_revoked_token_stops_working_and_stays_listed(staff_client, alpha):
    token = token_for(alpha, "owner")
    client = with_token(alpha, token)
    assert client.get("/api/v1/admin/comments").status_code == 200
    with schema_context(alpha.schema_name):
        pk = ApiToken.objects.get().pk
    revoked = send(staff_client(alpha), "DELETE", f"/api/v1/admin/tokens/{pk}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is not None
    refused = client.get("/api/v1/admin/comments")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"
    with schema_context(alpha.schema_name):
        assert AuditEntry.objects.filter(action="api_token.revoke", target=f"token {pk}").exists()


def test_every_use_is_audited_and_moves_last_used(alpha):
    client = with_token(alpha, token_for(alpha, "read"))
    client.get("/api/v1/admin/comments")
    client.get("/api/v1/admin/stats")
    with schema_context(alpha.schema_name):
        row = ApiToken.objects.get()
        assert row.last_used is not None
        uses = AuditEntry.objects.filter(action="api_token.use").order_by("pk")
        assert [entry.detail["path"] for entry in uses] == [
            "/api/v1/admin/comments",
            "/api/v1/admin/stats",
        ]
        assert {entry.target for entry in uses} == {f"token {row.pk}"}
        assert uses[0].actor is not None
        assert uses[0].actor.email == "owner@alpha.example"


def test_another_sites_token_is_worthless_here(alpha, beta):
    beta_token = token_for(beta, "owner")
    assert with_token(beta, beta_token).get("/api/v1/admin/comments").status_code == 200
    foreign = with_token(alpha, beta_token)
    assert foreign.get("/api/v1/admin/comments").status_code == 401
    assert foreign.get("/api/v1/admin/tokens").status_code == 401


def test_an_owner_cannot_revoke_another_sites_token(staff_client, alpha, beta):
    token_for(beta, "owner")
    with schema_context(beta.schema_name):
        pk = ApiToken.objects.get().pk
    assert send(staff_client(alpha), "DELETE", f"/api/v1/admin/tokens/{pk}").status_code == 404
    with schema_context(beta.schema_name):
        assert ApiToken.objects.get(pk=pk).revoked is None


def test_a_token_dies_with_its_makers_role(alpha):
    owner_token = token_for(alpha, "owner")
    read_token = token_for(alpha, "read")
    with schema_context(alpha.schema_name):
        users = get_user_model().objects
        other = users.create_user(
            username="second@alpha.example", email="second@alpha.example", is_staff=True,
            is_superuser=True,
        )  # fmt: skip
        owner = users.get(email="owner@alpha.example")
        team_member_set_role(user=owner, role="moderator", actor=other)
    # An owner's token asks for more than a moderator may do; a read token does not.
    assert with_token(alpha, owner_token).get("/api/v1/admin/comments").status_code == 401
    assert with_token(alpha, read_token).get("/api/v1/admin/comments").status_code == 200


def test_a_malformed_header_is_a_clear_401(alpha):
    client = Client(HTTP_HOST=host_of(alpha), HTTP_AUTHORIZATION="Token two parts")
    response = client.get("/api/v1/admin/comments")
    assert response.status_code == 401
    assert "Token <your API token>" in response.json()["error"]["message"]
