"""Test harness: real PostgreSQL and Redis, tenant schemas made once per session.

The session creates the test database (public schema + template schema, via `migrate`) and
provisions two sites, Alice's `alpha` and Bob's `beta`, through the real provisioning
service. Each test then runs in a transaction that is rolled back.
"""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from core.tenancy import use_public_schema
from embed.cache import local_forget
from embed.models import SiteSettings
from embed.site import _cache as site_cache
from tenants.models import Tenant
from tenants.resolution import forget_hosts
from tenants.services import site_create
from tests.servers import (  # noqa: F401 - the real-server fixtures, shared by every test tier
    blog_port,
    host_site,
    platform,
    redis_url_with_db,
)

ORIGINS = {
    "alpha": ["https://alpha.example", "http://127.0.0.1:8765"],
    "beta": ["https://beta.example"],
}
OWNER_PASSWORD = "correct-horse-battery-staple"


def pytest_configure(config: pytest.Config) -> None:
    # Tests use their own Redis database so they never touch a running demo's cache.
    settings.REDIS_URL = redis_url_with_db(
        settings.REDIS_URL, int(os.environ.get("TEST_REDIS_DB", "9"))
    )
    settings.CACHES["default"]["LOCATION"] = settings.REDIS_URL


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        for slug, origins in ORIGINS.items():
            site = site_create(
                slug=slug,
                name=slug.title(),
                owner_email=f"owner@{slug}.example",
                owner_password=OWNER_PASSWORD,
                origins=origins,
            )
            # The API tests are about mechanics; tests/test_moderation.py turns the
            # statistical spam filter back on where it is the subject.
            with schema_context(site.tenant.schema_name):
                SiteSettings.objects.update(spam_filter=False)
    yield


def _forget_process_caches() -> None:
    # Each test's writes are rolled back, so nothing a test cached in memory may outlive it.
    forget_hosts()
    site_cache.clear()
    local_forget()


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest) -> Iterator[None]:
    _forget_process_caches()
    yield
    _forget_process_caches()
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        use_public_schema()


@pytest.fixture(autouse=True)
def _clean_redis() -> Iterator[None]:
    yield
    try:
        cache._cache.get_client(write=True).flushdb()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001, S110 - a test may have stopped Redis on purpose
        pass


@pytest.fixture
def alpha(db: None) -> Tenant:
    return Tenant.objects.get(slug="alpha")


@pytest.fixture
def beta(db: None) -> Tenant:
    return Tenant.objects.get(slug="beta")


def host_of(tenant: Tenant) -> str:
    return f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"


@pytest.fixture
def client_for(db: None) -> Callable[[Tenant], Client]:
    """A Django test client whose requests go to the given tenant's host."""

    def make(tenant: Tenant) -> Client:
        return Client(HTTP_HOST=host_of(tenant))

    return make


@pytest.fixture
def public_client(db: None) -> Client:
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN)


@pytest.fixture
def in_schema() -> Callable[[Tenant], object]:
    """`with in_schema(tenant):` runs ORM code inside that tenant's schema."""
    return lambda tenant: schema_context(tenant.schema_name)


PAGE = "https://alpha.example/posts/hello"


class Api:
    """JSON calls to one tenant's widget API, optionally as a reader holding a token."""

    def __init__(self, tenant: Tenant) -> None:
        self.client = Client(HTTP_HOST=host_of(tenant))
        self.token: str | None = None

    def _headers(self, token: str | None, extra: dict[str, Any]) -> dict[str, Any]:
        headers = dict(extra)
        token = token or self.token
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return headers

    def get(self, path: str, params: dict | None = None, token: str | None = None, **extra: Any):
        return self.client.get(path, params or {}, **self._headers(token, extra))

    def send(
        self, method: str, path: str, data: object = None, token: str | None = None, **extra: str
    ):
        import json

        body = data if isinstance(data, str | bytes) else json.dumps(data)
        call = getattr(self.client, method.lower())
        return call(path, body, content_type="application/json", **self._headers(token, extra))

    def post_comment(self, body: str = "Nice post!", url: str = PAGE, **fields: Any):
        payload = {"url": url, "body": body, "author_name": "Ann", **fields}
        response = self.send("POST", "/api/v1/comments", payload)
        if response.status_code in (201, 202) and self.token is None:
            self.token = response.json()["commenter_token"]
        return response

    def thread(self, url: str = PAGE, **params: str):
        return self.get("/api/v1/thread", {"url": url, **params})


@pytest.fixture
def api(alpha: Tenant) -> Api:
    return Api(alpha)


@pytest.fixture
def api_for(db: None) -> Callable[[Tenant], Api]:
    return Api


@pytest.fixture
def staff_client(db: None) -> Callable[..., Client]:
    """A client logged into a site's dashboard as its owner or a moderator."""
    from django.contrib.auth import get_user_model

    def make(tenant: Tenant, role: str = "owner") -> Client:
        client = Client(HTTP_HOST=host_of(tenant))
        with schema_context(tenant.schema_name):
            if role == "owner":
                user = get_user_model().objects.get(email=f"owner@{tenant.slug}.example")
            else:
                user = get_user_model().objects.create_user(
                    username=f"{role}@{tenant.slug}.example",
                    email=f"{role}@{tenant.slug}.example",
                    password=OWNER_PASSWORD,
                    is_staff=True,
                )
            client.force_login(user)
        return client

    return make
