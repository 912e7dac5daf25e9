"""SSO settings: the admin API, the dashboard, `manage.py sso_secret`; secrets shown once,
rotated, audited, and one site's owner has no hand on another's."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from embed.models import AuditEntry, SiteSettings
from embed.site import site_settings_update
from tests.conftest import host_of
from tests.sso_support import JANE, disqus_payload, jwt_payload

pytestmark = pytest.mark.django_db
SSO = "/api/v1/auth/sso"


def send(client, method, path, data=None):
    body = json.dumps(data) if data is not None else None
    return getattr(client, method.lower())(path, body, content_type="application/json")


def sso_secret(*args: str) -> str:
    out = io.StringIO()
    call_command("sso_secret", *args, stdout=out)
    return out.getvalue().strip()


def test_the_owner_turns_sso_on_and_sets_the_sign_in_pages(staff_client, alpha):
    owner = staff_client(alpha)
    changes = {
        "sso_enabled": True, "login_url": "https://alpha.example/login",
        "logout_url": "https://alpha.example/logout", "gravatar": True,
    }  # fmt: skip
    body = send(owner, "PATCH", "/api/v1/admin/settings", changes).json()
    assert {name: body[name] for name in changes} == changes
    assert body["sso_secret_set"] is False
    with schema_context(alpha.schema_name):
        entry = AuditEntry.objects.filter(action="settings").latest("created")
        assert entry.detail["sso_enabled"] is True


def test_sign_in_pages_must_be_web_addresses(staff_client, alpha):
    response = send(
        staff_client(alpha), "PATCH", "/api/v1/admin/settings", {"login_url": "javascript:x"}
    )
    assert response.status_code == 400
    assert "login_url" in response.json()["error"]["fields"]


def test_the_secret_is_shown_once_and_rotation_keeps_the_old_one_for_a_while(
    staff_client, api, alpha
):
    owner = staff_client(alpha)
    send(owner, "PATCH", "/api/v1/admin/settings", {"sso_enabled": True})
    first = send(owner, "POST", "/api/v1/admin/sso/secret")
    assert first.status_code == 201
    assert first.json()["previous_valid_until"] is None
    secret = first.json()["secret"]
    settings = owner.get("/api/v1/admin/settings").json()
    assert settings["sso_secret_set"] is True
    assert secret not in json.dumps(settings)
    second = send(owner, "POST", "/api/v1/admin/sso/secret").json()
    assert second["previous_valid_until"] is not None
    for key in (secret, second["secret"]):
        assert api.send("POST", SSO, {"payload": disqus_payload(key, JANE)}).status_code == 200
    with schema_context(alpha.schema_name):
        entries = AuditEntry.objects.filter(action="sso_secret").order_by("created")
        assert [e.detail["rotated"] for e in entries] == [False, True]
        assert all(secret not in json.dumps(e.detail) for e in entries)


def test_only_the_owner_makes_secrets(staff_client, client_for, api, alpha):
    moderator = staff_client(alpha, "moderator")
    assert send(moderator, "POST", "/api/v1/admin/sso/secret").status_code == 403
    assert send(client_for(alpha), "POST", "/api/v1/admin/sso/secret").status_code == 401
    api.post_comment("a reader")
    assert api.send("POST", "/api/v1/admin/sso/secret", None).status_code == 401


def test_one_sites_owner_cannot_make_anothers_secret(staff_client, alpha, beta):
    owner_of_alpha = staff_client(alpha)
    owner_of_alpha.defaults["HTTP_HOST"] = host_of(beta)
    assert send(owner_of_alpha, "POST", "/api/v1/admin/sso/secret").status_code in (401, 403)
    with schema_context(beta.schema_name):
        assert SiteSettings.objects.get().sso_secret == ""


def test_the_dashboard_shows_a_new_secret_once(staff_client, alpha):
    owner = staff_client(alpha)
    page = owner.get("/dashboard/settings/").content.decode()
    assert 'name="sso_enabled"' in page and "Make the secret" in page
    shown = owner.post("/dashboard/settings/sso-secret/")
    assert shown.status_code == 200
    with schema_context(alpha.schema_name):
        secret = SiteSettings.objects.get().sso_secret
    assert secret in shown.content.decode()
    assert "not shown again" in shown.content.decode()
    later = owner.get("/dashboard/settings/").content.decode()
    assert secret not in later and "Make a new secret" in later
    assert owner.get("/dashboard/settings/sso-secret/").status_code == 405
    assert staff_client(alpha, "moderator").post("/dashboard/settings/sso-secret/").status_code in (
        302, 403,
    )  # fmt: skip
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().sso_secret == secret


def test_the_command_prints_the_secret_making_it_if_absent(api, alpha, beta):
    secret = sso_secret("alpha")
    assert len(secret) >= 43
    assert sso_secret("alpha") == secret
    rotated = sso_secret("alpha", "--rotate")
    assert rotated != secret
    assert sso_secret("alpha") == rotated
    with schema_context(alpha.schema_name):
        site_settings_update(sso_enabled=True)
        assert AuditEntry.objects.filter(action="sso_secret", actor=None).count() == 2
    token = jwt_payload(secret, aud=host_of(alpha))  # the previous secret, during the change-over
    assert api.send("POST", SSO, {"payload": token}).status_code == 200
    assert sso_secret("beta") not in (secret, rotated)
    with pytest.raises(CommandError):
        sso_secret("nosuchsite")
