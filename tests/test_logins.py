"""Log-in throttling (dashboard and platform admin) and the rules for a new password."""

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

from core import redis
from core.ratelimit import wait_phrase
from tenants.models import Tenant
from tests.conftest import OWNER_PASSWORD, host_of

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PALAVER_LOGIN_LIMITS = "account=3/900,ip=5/900"
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    return settings


def dashboard_login(tenant: Tenant, username: str, password: str, ip: str = "192.0.2.1", **extra):
    client = Client(HTTP_HOST=host_of(tenant), REMOTE_ADDR=ip)
    response = client.post(
        "/dashboard/login/", {"username": username, "password": password}, **extra
    )
    return client, response


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def assert_throttled(response) -> None:
    """A 429 whose page says how long to wait, as Retry-After does (windows are fixed, so
    the wait is what is left of the current 15 minutes)."""
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 900
    assert f"Try again in {wait_phrase(wait)}." in response.content.decode()


def test_an_account_is_locked_after_its_failures_with_the_wait_in_the_message(alpha):
    owner = "owner@alpha.example"
    codes = [dashboard_login(alpha, owner, WRONG)[1].status_code for _ in range(2)]
    _, last_allowed = dashboard_login(alpha, owner, WRONG)
    client, refused = dashboard_login(alpha, owner, OWNER_PASSWORD)

    assert codes == [200, 200]
    # The failure that reaches the limit already says so.
    assert last_allowed.status_code == 429
    for response in (last_allowed, refused):
        assert_throttled(response)
    # Even the right password does not get in while the account is locked.
    assert not logged_in(client)


def test_the_account_lock_holds_from_every_address(alpha):
    owner = "owner@alpha.example"
    for n in range(3):
        dashboard_login(alpha, owner, WRONG, ip=f"192.0.2.{n + 10}")
    client, response = dashboard_login(alpha, owner, OWNER_PASSWORD, ip="198.51.100.200")
    assert response.status_code == 429
    assert not logged_in(client)


def test_one_address_is_locked_after_failures_on_many_accounts(alpha):
    for n in range(5):
        dashboard_login(alpha, f"guess{n}@alpha.example", WRONG)
    _, refused = dashboard_login(alpha, "owner@alpha.example", OWNER_PASSWORD)
    client, elsewhere = dashboard_login(
        alpha, "owner@alpha.example", OWNER_PASSWORD, ip="192.0.2.99"
    )
    assert refused.status_code == 429
    assert elsewhere.status_code == 302 and logged_in(client)


def test_a_forged_address_header_does_not_reset_the_address_lock(alpha):
    for n in range(5):
        dashboard_login(alpha, f"guess{n}@alpha.example", WRONG, HTTP_X_REAL_IP=f"203.0.113.{n}")
    _, refused = dashboard_login(
        alpha, "owner@alpha.example", OWNER_PASSWORD, HTTP_X_REAL_IP="203.0.113.77"
    )
    assert refused.status_code == 429


def test_a_good_log_in_clears_the_accounts_failures(alpha):
    owner = "owner@alpha.example"
    for _ in range(2):
        dashboard_login(alpha, owner, WRONG)
    client, response = dashboard_login(alpha, owner, OWNER_PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    # Two more failures are allowed again before the lock.
    assert [dashboard_login(alpha, owner, WRONG)[1].status_code for _ in range(2)] == [200, 200]


def test_a_lock_on_one_site_leaves_another_site_alone(alpha, beta):
    for _ in range(3):
        dashboard_login(alpha, "owner@alpha.example", WRONG)
    for _ in range(3):
        dashboard_login(alpha, "owner@beta.example", WRONG)
    client, response = dashboard_login(beta, "owner@beta.example", OWNER_PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_counts_live_in_redis_with_a_ttl_and_no_plain_address_or_email(alpha):
    dashboard_login(alpha, "owner@alpha.example", WRONG)
    conn = redis.client()
    assert conn is not None
    found = list(conn.scan_iter(match="palaver:{site_alpha}:rl:login:*"))
    keys = [key.decode() if isinstance(key, bytes) else key for key in found]
    assert {key.split(":")[4] for key in keys} == {"account", "ip"}
    assert all(0 < conn.ttl(key) <= 901 for key in keys)
    assert not any("alpha.example" in key or "192.0.2.1" in key for key in keys)


def test_without_limits_nothing_is_throttled(alpha, limits):
    limits.PALAVER_LOGIN_LIMITS = "off"
    codes = [dashboard_login(alpha, "owner@alpha.example", WRONG)[1].status_code for _ in range(8)]
    assert set(codes) == {200}


# --- the platform admin ---------------------------------------------------------------------


def admin_login(password: str, ip: str = "192.0.2.1"):
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, REMOTE_ADDR=ip)
    return client, client.post(
        "/admin/login/", {"username": "staff@platform.example", "password": password}
    )


@pytest.fixture
def platform_staff(db: None) -> Any:
    return get_user_model().objects.create_superuser(
        username="staff@platform.example", email="staff@platform.example", password=OWNER_PASSWORD
    )


def test_the_platform_admin_log_in_is_throttled_too(platform_staff):
    codes = [admin_login(WRONG)[1].status_code for _ in range(3)]
    client, refused = admin_login(OWNER_PASSWORD)
    assert codes == [200, 200, 429]
    assert_throttled(refused)
    assert not logged_in(client)


def test_the_platform_admin_lets_staff_in(platform_staff):
    client, response = admin_login(OWNER_PASSWORD)
    assert response.status_code == 302 and logged_in(client)


# --- new passwords: exactly as typed, never the e-mail address ------------------------------


SPACED = "  a passphrase with spaces  "


def sign_up_by_api(slug: str, password: str, email: str | None = None):
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN).post(
        "/api/v1/sites",
        {"name": slug, "slug": slug, "owner_email": email or f"me@{slug}.example",
         "password": password},
        content_type="application/json",
    )  # fmt: skip


def sign_up_by_form(slug: str, password: str, email: str | None = None):
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN).post(
        "/",
        {"name": slug, "slug": slug, "owner_email": email or f"me@{slug}.example",
         "password": password},
    )  # fmt: skip


def owner_password_is(slug: str, password: str) -> bool:
    with schema_context(Tenant.objects.get(slug=slug).schema_name):
        return get_user_model().objects.get(email=f"me@{slug}.example").check_password(password)


@pytest.mark.parametrize("sign_up", [sign_up_by_api, sign_up_by_form])
def test_sign_up_keeps_the_password_exactly_as_typed(sign_up):
    slug = f"spaced-{sign_up.__name__[11:]}"
    assert sign_up(slug, SPACED).status_code == 201
    assert owner_password_is(slug, SPACED)
    assert not owner_password_is(slug, SPACED.strip())


@pytest.mark.parametrize("sign_up", [sign_up_by_api, sign_up_by_form])
@pytest.mark.parametrize(
    "password", ["me@mailer.example", "ME@Mailer.example", "me@mailer.example "]
)
def test_sign_up_refuses_the_email_address_as_password(sign_up, password):
    response = sign_up("mailpw", password, email="me@mailer.example")
    assert response.status_code == 400
    if sign_up is sign_up_by_api:
        assert "password" in response.json()["error"]["fields"]
    assert "cannot be your email address" in response.content.decode()
    assert not Tenant.objects.filter(slug="mailpw").exists()


def test_team_members_get_their_password_exactly_as_typed(staff_client, alpha):
    owner = staff_client(alpha)
    response = owner.post(
        "/api/v1/admin/team",
        {"email": "mod@alpha.example", "password": SPACED, "role": "moderator"},
        content_type="application/json",
    )
    assert response.status_code == 201
    page = owner.post(
        "/dashboard/team/",
        {"email": "mod2@alpha.example", "password": SPACED, "role": "moderator"},
    )
    assert page.status_code == 302
    with schema_context(alpha.schema_name):
        for email in ("mod@alpha.example", "mod2@alpha.example"):
            assert get_user_model().objects.get(email=email).check_password(SPACED)


def test_a_team_member_cannot_have_their_email_as_password(staff_client, alpha):
    owner = staff_client(alpha)
    response = owner.post(
        "/api/v1/admin/team",
        {"email": "mod@alpha.example", "password": "Mod@Alpha.example", "role": "moderator"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    page = owner.post(
        "/dashboard/team/",
        {"email": "mod@alpha.example", "password": "mod@alpha.example", "role": "moderator"},
    )
    assert "cannot be your email address" in page.content.decode()
