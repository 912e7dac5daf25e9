import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from core.tenancy import current_schema
from embed.models import SiteSettings
from tenants.models import Domain, Tenant
from tenants.services import site_create

pytestmark = pytest.mark.django_db


def make_site(slug: str = "gamma", **overrides: object):
    fields: dict = {
        "slug": slug,
        "name": "Gamma Times",
        "owner_email": "Owner@Gamma.example",
        "origins": ["https://Gamma.example:443/", "http://localhost:8001"],
    }
    fields.update(overrides)
    return site_create(**fields)


def test_it_provisions_a_site_with_schema_domain_owner_and_settings():
    site = make_site()

    assert site.tenant.slug == "gamma"
    assert site.tenant.schema_name == "site_gamma"
    assert schema_exists("site_gamma")
    assert Domain.objects.get(tenant=site.tenant).domain == "gamma.localhost"
    assert site.owner_password  # generated, to be shown once
    with schema_context("site_gamma"):
        owner = get_user_model().objects.get(email="owner@gamma.example")
        assert owner.check_password(site.owner_password)
        assert owner.is_superuser
        assert SiteSettings.objects.get().allowed_origins == [
            "http://localhost:8001",
            "https://gamma.example",
        ]
    assert 'src="http://gamma.localhost:8000/embed.js"' in site.embed_snippet


def test_the_new_site_answers_on_its_host_at_once(client):
    make_site()
    response = client.get("/", HTTP_HOST="gamma.localhost:8000")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_it_keeps_a_given_owner_password():
    site = make_site(owner_password="a-long-enough-passphrase")
    assert site.owner_password is None
    with schema_context("site_gamma"):
        owner = get_user_model().objects.get()
        assert owner.check_password("a-long-enough-passphrase")


@pytest.mark.parametrize(
    "slug",
    ["a", "ab", "-abc", "abc-", "has_underscore", "dots.in.it", "ünïcode", "x" * 41, "a b c", ""],
)
def test_it_rejects_slugs_that_are_not_dns_labels(slug: str):
    with pytest.raises(ValidationError) as excinfo:
        make_site(slug)
    assert "slug" in excinfo.value.message_dict
    assert not Tenant.objects.filter(slug=slug).exists()


@pytest.mark.parametrize("slug", ["www", "api", "admin", "static", "public", "dashboard"])
def test_it_refuses_reserved_names(slug: str):
    with pytest.raises(ValidationError, match="reserved"):
        make_site(slug)


def test_it_refuses_a_duplicate_slug():
    with pytest.raises(ValidationError, match="already taken"):
        make_site("alpha")
    assert Tenant.objects.filter(slug="alpha").count() == 1


@pytest.mark.parametrize(
    "origin", ["javascript:alert(1)", "https://x.example/path", "ftp://x.example", "not a url"]
)
def test_it_rejects_origins_that_are_not_http_origins(origin: str):
    with pytest.raises(ValidationError) as excinfo:
        make_site(origins=[origin])
    assert "origins" in excinfo.value.message_dict
    assert not schema_exists("site_gamma")


def test_a_failure_midway_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch):
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SiteSettings.objects, "create", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        make_site()

    assert not Tenant.objects.filter(slug="gamma").exists()
    assert not Domain.objects.filter(domain="gamma.localhost").exists()
    assert not schema_exists("site_gamma")
    assert current_schema() == "public"


def test_the_command_creates_a_site_and_prints_the_generated_password(capsys):
    call_command(
        "create_site",
        slug="delta",
        name="Delta",
        owner_email="me@delta.example",
        origin=["https://delta.example"],
    )
    out = capsys.readouterr().out
    assert "Created site delta" in out
    assert "password:" in out
    assert "http://delta.localhost:8000/dashboard/" in out
    assert Tenant.objects.filter(slug="delta").exists()


def test_the_command_reports_a_bad_slug_clearly():
    with pytest.raises(CommandError, match="reserved"):
        call_command("create_site", slug="www", name="W", owner_email="me@w.example")


def test_the_api_creates_a_site(public_client):
    response = public_client.post(
        "/api/v1/sites",
        {
            "name": "Epsilon",
            "slug": "epsilon",
            "owner_email": "me@epsilon.example",
            "password": "a-long-enough-passphrase",
            "allowed_origins": ["https://epsilon.example"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "epsilon"
    assert body["domain"] == "epsilon.localhost"
    assert body["dashboard_url"] == "http://epsilon.localhost:8000/dashboard/"
    assert "epsilon.localhost:8000/embed.js" in body["embed_snippet"]


def test_the_api_answers_a_duplicate_with_a_field_error(public_client):
    response = public_client.post(
        "/api/v1/sites",
        {"name": "A", "slug": "alpha", "owner_email": "x@y.example", "password": "long-password-1"},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "already taken" in error["fields"]["slug"][0]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": "A", "slug": "zeta", "owner_email": "nope", "password": "long-password-1"},
        {"name": "A", "slug": "zeta", "owner_email": "a@b.example", "password": "12345678"},
        {"name": 5, "slug": ["zeta"], "owner_email": "a@b.example", "password": "long-pass-1"},
    ],
)
def test_the_api_rejects_bad_input_with_400(public_client, payload):
    response = public_client.post("/api/v1/sites", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert not Tenant.objects.filter(slug="zeta").exists()


def test_the_api_rejects_malformed_json(public_client):
    response = public_client.post("/api/v1/sites", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_the_signup_form_creates_a_site_and_shows_the_snippet(public_client):
    response = public_client.post(
        "/",
        {
            "name": "Eta",
            "slug": "eta",
            "owner_email": "me@eta.example",
            "password": "a-long-enough-passphrase",
            "allowed_origins": "https://eta.example\nhttps://www.eta.example",
        },
    )
    assert response.status_code == 201
    assert b"eta.localhost:8000/embed.js" in response.content
    with schema_context("site_eta"):
        assert SiteSettings.objects.get().allowed_origins == [
            "https://eta.example",
            "https://www.eta.example",
        ]


def test_the_signup_form_shows_errors_next_to_fields(public_client):
    response = public_client.post(
        "/",
        {"name": "W", "slug": "www", "owner_email": "me@w.example", "password": "long-pass-123"},
    )
    assert response.status_code == 400
    assert b"reserved" in response.content


def test_sign_ups_are_limited_per_ip(public_client, settings):
    settings.PALAVER_SIGNUP_LIMITS = "ip=2/3600"

    def sign_up(slug: str):
        return public_client.post(
            "/api/v1/sites",
            {"name": slug, "slug": slug, "owner_email": f"me@{slug}.example",
             "password": "a-long-enough-passphrase"},
            content_type="application/json",
        )  # fmt: skip

    assert [sign_up(s).status_code for s in ("lim-one", "lim-two")] == [201, 201]
    refused = sign_up("lim-three")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert not Tenant.objects.filter(slug="lim-three").exists()
    form = public_client.post(
        "/", {"name": "F", "slug": "lim-four", "owner_email": "me@f.example",
              "password": "a-long-enough-passphrase"},
    )  # fmt: skip
    assert form.status_code == 429
    assert b"Too many sign-ups" in form.content


def test_deleting_a_site_drops_its_schema_domain_and_cached_threads(client):
    from core import keys, redis
    from tenants.services import site_delete

    site = make_site(origins=["https://gamma.example"])
    posted = client.post(
        "/api/v1/comments",
        {"url": "https://gamma.example/p", "body": "hello", "author_name": "Ann"},
        content_type="application/json",
        HTTP_HOST="gamma.localhost",
    )
    assert posted.status_code in (201, 202)
    client.get("/api/v1/thread", {"url": "https://gamma.example/p"}, HTTP_HOST="gamma.localhost")
    assert list(redis.call("scan_iter", match=keys.site_pattern("site_gamma")))
    with connection.cursor() as cursor:
        # The test's own transaction holds the comment's deferred FK checks; a real deletion
        # runs long after the comment was committed.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    site_delete(tenant=site.tenant)
    assert not schema_exists("site_gamma")
    assert not Domain.objects.filter(domain="gamma.localhost").exists()
    assert not list(redis.call("scan_iter", match=keys.site_pattern("site_gamma")))
    assert client.get("/", HTTP_HOST="gamma.localhost").status_code == 404
