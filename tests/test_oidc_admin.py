"""The owners' admin API of readers' sign-in providers: made, listed, changed and removed,
the client secret never answered back, every change audited, owners only, one site only."""

import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from embed.models import AuditEntry, OidcProvider
from tests.conftest import host_of

pytestmark = pytest.mark.django_db
LIST = "/api/v1/admin/oidc-providers"
GOOGLE = {"kind": "google", "name": "Google", "client_id": "1234.apps", "client_secret": "s3cret"}


def send(client: Client, method: str, path: str, data: object = None):
    return getattr(client, method.lower())(
        path, json.dumps(data) if data is not None else None, content_type="application/json"
    )


def test_an_owner_adds_lists_changes_and_removes_a_provider(staff_client, alpha):
    owner = staff_client(alpha)
    made = send(owner, "POST", LIST, {**GOOGLE, "issuer": "https://ignored.example"})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert "client_secret" not in body and body["has_secret"] is True
    assert body["issuer"] == "https://accounts.google.com"  # the preset's own
    assert body["redirect_uri"] == f"http://{host_of(alpha)}/auth/oidc/{body['id']}/callback"
    one = f"{LIST}/{body['id']}"

    listed = owner.get(LIST).json()["results"]
    assert [p["name"] for p in listed] == ["Google"]
    assert "s3cret" not in owner.get(LIST).content.decode()
    assert "s3cret" not in owner.get(one).content.decode()

    # An empty secret keeps the one it has; a new one replaces it, unseen.
    changed = send(owner, "PATCH", one, {"name": "Google account", "client_secret": ""})
    assert changed.status_code == 200 and changed.json()["name"] == "Google account"
    assert send(owner, "PATCH", one, {"client_secret": "n3w"}).status_code == 200
    with schema_context(alpha.schema_name):
        assert OidcProvider.objects.get().client_secret == "n3w"
        details = list(AuditEntry.objects.filter(action__startswith="oidc.").values("detail"))
        assert "s3cret" not in json.dumps(details) and "n3w" not in json.dumps(details)

    assert send(owner, "DELETE", one).status_code == 204
    assert owner.get(one).status_code == 404
    with schema_context(alpha.schema_name):
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"oidc.add", "oidc.change", "oidc.remove"} <= actions


def test_it_refuses_bad_providers_with_field_errors(staff_client, alpha):
    owner = staff_client(alpha)
    no_issuer = send(owner, "POST", LIST, {**GOOGLE, "kind": "oidc"})
    assert no_issuer.status_code == 400
    assert "issuer" in no_issuer.json()["error"]["fields"]
    bad = send(owner, "POST", LIST, {**GOOGLE, "kind": "oidc", "issuer": "ftp://x.example"})
    assert bad.status_code == 400
    assert send(owner, "POST", LIST, {**GOOGLE, "kind": "saml"}).status_code == 400
    assert send(owner, "POST", LIST, {**GOOGLE, "client_secret": ""}).status_code == 400
    assert send(owner, "POST", LIST, {**GOOGLE, "name": " "}).status_code == 400


def test_moderators_and_readers_get_nothing(staff_client, client_for, alpha, api):
    moderator = staff_client(alpha, role="moderator")
    assert moderator.get(LIST).status_code == 403
    assert send(moderator, "POST", LIST, GOOGLE).status_code == 403
    assert client_for(alpha).get(LIST).status_code == 401
    api.post_comment("a reader")
    assert api.get(LIST).status_code == 401


def test_another_sites_owner_sees_nothing_of_this_sites_providers(staff_client, alpha, beta):
    made = send(staff_client(alpha), "POST", LIST, GOOGLE).json()
    theirs = staff_client(beta)
    assert theirs.get(LIST).json()["results"] == []
    assert theirs.get(f"{LIST}/{made['id']}").status_code == 404
    assert send(theirs, "DELETE", f"{LIST}/{made['id']}").status_code == 404
    # alpha's session is no session on beta.
    alpha_owner = staff_client(alpha)
    alpha_owner.defaults["HTTP_HOST"] = host_of(beta)
    assert alpha_owner.get(LIST).status_code in (401, 403)


def test_the_widget_follows_a_change_at_once(staff_client, alpha, api):
    owner = staff_client(alpha)
    assert api.thread().json()["site"]["oidc"] is None
    made = send(owner, "POST", LIST, GOOGLE).json()
    assert api.thread().json()["site"]["oidc"] == [{"id": made["id"], "name": "Google"}]
    send(owner, "PATCH", f"{LIST}/{made['id']}", {"enabled": False})
    assert api.thread().json()["site"]["oidc"] is None


def test_an_owner_adds_and_removes_a_provider_in_the_dashboard(staff_client, alpha, beta):
    owner = staff_client(alpha)
    page = "/dashboard/sign-in/"
    assert owner.get(page).status_code == 200
    refused = owner.post(page, {**GOOGLE, "kind": "oidc", "issuer": ""})
    assert refused.status_code == 400
    assert "discovery document" in refused.content.decode()
    made = owner.post(page, {**GOOGLE, "kind": "github", "name": "GitHub"}, follow=True)
    assert made.status_code == 200
    shown = made.content.decode()
    assert "https://github.com" in shown and "s3cret" not in shown
    with schema_context(alpha.schema_name):
        provider = OidcProvider.objects.get()
    assert f"http://{host_of(alpha)}/auth/oidc/{provider.pk}/callback" in shown
    # Another site's owner cannot touch it.
    action = f"/dashboard/sign-in/{provider.pk}/remove/"
    assert staff_client(beta).post(action).status_code == 404
    assert owner.post(f"/dashboard/sign-in/{provider.pk}/disable/").status_code == 302
    with schema_context(alpha.schema_name):
        assert OidcProvider.objects.get().enabled is False
    assert owner.post(action).status_code == 302
    with schema_context(alpha.schema_name):
        assert not OidcProvider.objects.exists()
