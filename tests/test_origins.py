"""Allowed origins: one validator for every way in, stored in the ASCII form browsers send,
shown in Unicode (core.urlnorm.origins_clean / origin_display)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_tenants.utils import schema_context

from core.urlnorm import origin_display, origin_normalize, origins_clean
from embed.models import SiteSettings
from embed.renormalise import origins_renormalise
from tenants.services import site_create

pytestmark = pytest.mark.django_db

TYPED = "http://bücher.example"
ASCII = "http://xn--bcher-kva.example"


def origins_of(schema: str) -> list[str]:
    with schema_context(schema):
        return SiteSettings.objects.get().allowed_origins


def preflight(client, host: str, origin: str):
    return client.options(
        "/api/v1/comments",
        HTTP_HOST=host,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


@pytest.mark.parametrize(
    "raw, stored",
    [
        (TYPED, ASCII),
        ("HTTP://BÜCHER.example:80/", ASCII),
        (ASCII, ASCII),
        ("https://Example.com:443", "https://example.com"),
        ("https://example.com:8443/", "https://example.com:8443"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://ＥＸＡＭＰＬＥ.com", "http://example.com"),
    ],
)
def test_origins_are_stored_in_ascii(raw: str, stored: str):
    assert origin_normalize(raw) == stored
    assert origin_normalize(stored) == stored


@pytest.mark.parametrize(
    "raw, message",
    [
        ("javascript:alert(1)", "is not an http(s) origin"),
        ("ftp://x.example", "is not an http(s) origin"),
        ("https://x.example/path", "must be an origin only"),
        ("https://x.example/?q", "must be an origin only"),
        ("https://me@x.example", "must be an origin only"),
        ("https://bad_☃\u0000.example", "is not an http(s) origin"),
        ("https://x.example:70000", "is not an http(s) origin"),
    ],
)
def test_what_is_no_origin_is_refused_with_a_message(raw: str, message: str):
    with pytest.raises(ValidationError) as caught:
        origins_clean([raw], field="allowed_origins")
    assert message in caught.value.message_dict["allowed_origins"][0]


def test_the_clean_list_is_sorted_and_without_duplicates():
    assert origins_clean(f"{TYPED}\n{ASCII}, https://a.example/", field="origins") == [
        ASCII,
        "https://a.example",
    ]
    assert origin_display(ASCII) == TYPED
    assert origin_display("http://xn--bcher-kva.example:8080") == "http://bücher.example:8080"


def test_signup_api_stores_ascii_and_a_browser_preflight_passes(public_client, client):
    response = public_client.post(
        "/api/v1/sites",
        {
            "name": "Bücher", "slug": "buecher", "owner_email": "me@buecher.example",
            "password": "a-long-enough-passphrase", "allowed_origins": [TYPED],
        },
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert origins_of("site_buecher") == [ASCII]
    # Browsers send the punycode form in Origin.
    allowed = preflight(client, "buecher.localhost", ASCII)
    assert allowed["Access-Control-Allow-Origin"] == ASCII
    assert "Access-Control-Allow-Origin" not in preflight(client, "buecher.localhost", TYPED)


def test_signup_api_names_the_field_of_a_bad_origin(public_client):
    response = public_client.post(
        "/api/v1/sites",
        {
            "name": "Theta", "slug": "theta", "owner_email": "me@theta.example",
            "password": "a-long-enough-passphrase", "allowed_origins": ["https://x.example/p"],
        },
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "must be an origin only" in response.json()["error"]["fields"]["allowed_origins"][0]


def test_the_signup_form_and_the_command_store_ascii(public_client):
    response = public_client.post(
        "/",
        {
            "name": "Iota", "slug": "iota", "owner_email": "me@iota.example",
            "password": "a-long-enough-passphrase", "allowed_origins": f"{TYPED}\n",
        },
    )  # fmt: skip
    assert response.status_code == 201
    assert origins_of("site_iota") == [ASCII]
    call_command(
        "create_site", slug="kappa", name="Kappa", owner_email="me@kappa.example", origin=[TYPED]
    )
    assert origins_of("site_kappa") == [ASCII]
    site = site_create(
        slug="lambda", name="L", owner_email="me@lambda.example", origins=["https://Ä.example"]
    )
    assert origins_of(site.tenant.schema_name) == ["https://xn--4ca.example"]


def test_dashboard_settings_store_ascii_and_show_unicode(staff_client, alpha, client):
    owner = staff_client(alpha)
    form = {
        "moderation_mode": "post", "allowed_origins": f"https://alpha.example\n{TYPED}",
        "guests_allowed": "on", "max_links": "2", "flag_threshold": "3",
        "edit_window_minutes": "15", "max_depth": "5", "auto_close_days": "0",
        "ip_retention_days": "90",
    }  # fmt: skip
    assert owner.post("/dashboard/settings/", form).status_code == 302
    assert origins_of(alpha.schema_name) == [
        "http://xn--bcher-kva.example",
        "https://alpha.example",
    ]
    settings_page = owner.get("/dashboard/settings/").content.decode()
    assert TYPED in settings_page and ASCII not in settings_page
    home = owner.get("/dashboard/").content.decode()
    assert f"<code>{TYPED}</code> (<code>{ASCII}</code>)" in home
    allowed = preflight(client, "alpha.localhost", ASCII)
    assert allowed["Access-Control-Allow-Origin"] == ASCII


def test_the_admin_api_stores_ascii(staff_client, alpha):
    owner = staff_client(alpha)
    response = owner.patch(
        "/api/v1/admin/settings", {"allowed_origins": [TYPED]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["allowed_origins"] == [ASCII]
    bad = owner.patch(
        "/api/v1/admin/settings", {"allowed_origins": 5}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "allowed_origins" in bad.json()["error"]["fields"]


def test_the_migration_converts_stored_origins(alpha):
    with schema_context(alpha.schema_name):
        SiteSettings.objects.update(allowed_origins=[TYPED, "https://alpha.example", "nonsense"])
        assert origins_renormalise(settings_model=SiteSettings) == 1
        assert SiteSettings.objects.get().allowed_origins == [
            ASCII,
            "https://alpha.example",
            "nonsense",
        ]
        assert origins_renormalise(settings_model=SiteSettings) == 0
