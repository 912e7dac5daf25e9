"""Test harness: real PostgreSQL and Redis, tenant schemas made once per session.

The session creates the test database (public schema + template schema, via `migrate`) and
provisions two sites, Alice's `alpha` and Bob's `beta`, through the real provisioning
service. Each test then runs in a transaction that is rolled back, with on_commit callbacks
run as if the code under test had committed (`_commit_hooks_as_in_production`).

Tests marked `committed` COMMIT for real, on as many connections as they open (races, what
a second connection sees before COMMIT). pytest-django ends each of them by emptying the
tables of the public schema, the list of sites included: the public rows saved after
provisioning are put back right after (`pytest_runtest_teardown`, with `serialized_rollback`
keeping pytest-django from re-creating rows of its own), and what the test wrote into the
sites' schemas is deleted (`_delete_committed_site_rows`).
"""

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.transaction import Atomic
from django.test import Client
from django_tenants.utils import schema_context

from core import redis as hot_redis
from core.tenancy import use_public_schema
from embed.cache import local_forget
from embed.models import SiteSettings
from embed.site import _cache as site_cache
from tenants.models import Tenant
from tenants.resolution import forget_hosts
from tenants.services import schema_name_for, site_create
from tests import redis_cluster
from tests.celery_worker import celery_worker  # noqa: F401 - a real Celery worker
from tests.mailsink import mail_sink, mail_sink_server  # noqa: F401 - a real SMTP server
from tests.notify_support import eager  # noqa: F401 - tasks in the test's process
from tests.oidc_support import oidc_provider  # noqa: F401 - a real OpenID Connect provider
from tests.openapi_check import check_response
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
    # Tasks this run queues go to a queue of its own, which only its own workers take
    # (tests/celery_worker.py): runs sharing a broker never run each other's tasks. Set once,
    # before anything is queued: Celery keeps its routing once it has built it.
    settings.CELERY_TASK_DEFAULT_QUEUE = f"palaver-test-{os.getpid()}"
    # ... on the tests' own Redis database, emptied after each test, so what a test queues
    # and no worker takes (most tests run none) never outlives it.
    settings.CELERY_BROKER_URL = settings.REDIS_URL.replace("unix://", "redis+socket://")
    # The CI topology leg: the hot store on a real Redis Cluster for the whole run.
    if os.environ.get("PALAVER_TEST_REDIS_CLUSTER") == "1":
        reason = redis_cluster.missing()
        if reason:
            raise pytest.UsageError(f"PALAVER_TEST_REDIS_CLUSTER=1 but {reason}")
        global _session_cluster
        _session_cluster = redis_cluster.Cluster()
        _session_cluster.start()
        settings.REDIS_CLUSTER_URL = _session_cluster.url


_session_cluster: redis_cluster.Cluster | None = None


def pytest_unconfigure(config: pytest.Config) -> None:
    if _session_cluster is not None:
        _session_cluster.stop()


@pytest.fixture(scope="session")
def redis_cluster_session() -> Iterator[redis_cluster.Cluster]:
    """A 3-master Redis Cluster for this run: the run's own (PALAVER_TEST_REDIS_CLUSTER=1),
    or one started for the tests that ask for it; skipped without Debian's redis-server."""
    if _session_cluster is not None:
        yield _session_cluster
        return
    reason = redis_cluster.missing()
    if reason:
        pytest.skip(f"no Redis Cluster: {reason}")
    started = redis_cluster.Cluster()
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def hot_cluster(
    redis_cluster_session: redis_cluster.Cluster, settings: Any
) -> Iterator[redis_cluster.Cluster]:
    """The hot store on the Redis Cluster for one test (Django's cache stays on REDIS_URL)."""
    settings.REDIS_CLUSTER_URL = redis_cluster_session.url
    hot_redis.reset()
    local_forget()
    try:
        yield redis_cluster_session
    finally:
        redis_cluster_session.flush()
        hot_redis.reset()
        local_forget()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last, after every other test.

    Playwright's sync API keeps an event loop running in the main thread for as long as its
    session-wide browser lives, and Django refuses database calls from a thread with a running
    loop (SynchronousOnlyOperation). Tests that drive the app in-process must come first.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


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
                _site_settings_saved[slug] = dict(SiteSettings.objects.values().get())
        use_public_schema()
        # What `committed` tests get back after pytest-django empties the public schema.
        connection._test_serialized_contents = (  # type: ignore[attr-defined]
            connection.creation.serialize_db_to_string()
        )
    yield


# Tests that COMMIT (see the module docstring); the public schema is restored after them.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction") or nextitem is None:
        return  # (after the last test the test database may be gone already)
    # pytest-django has just emptied the public schema's tables (the list of sites among
    # them): put its rows back at once, for whatever test comes next.
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        use_public_schema()
        connection.creation.deserialize_db_from_string(
            connection._test_serialized_contents  # type: ignore[attr-defined]
        )


_site_settings_saved: dict[str, dict[str, Any]] = {}


def _delete_committed_site_rows() -> None:
    from django.contrib.auth import get_user_model

    from embed.models import AuditEntry, Ban, Comment, Commenter, SpamModelState, Thread

    for slug, saved in _site_settings_saved.items():
        with schema_context(schema_name_for(slug)):
            Comment.objects.all().delete()  # votes and flags go with them
            for model in (Thread, Commenter, AuditEntry, Ban, SpamModelState):
                model.objects.all().delete()
            get_user_model().objects.exclude(email=f"owner@{slug}.example").delete()
            SiteSettings.objects.update(**{k: v for k, v in saved.items() if k != "id"})


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
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        use_public_schema()
        _delete_committed_site_rows()
    # Before pytest-django's clean-up, which must find the connection in the public schema.
    use_public_schema()


def _inside_test_transaction_only(conn: Any) -> bool:
    return all(block._from_testcase for block in conn.atomic_blocks)


def _run_commit_hook(func: Callable[[], None], robust: bool) -> None:
    try:
        func()
    except Exception:
        if not robust:
            raise
        logging.getLogger("django.db.backends.base").exception("on_commit callback failed")


@pytest.fixture(autouse=True)
def _commit_hooks_as_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run on_commit callbacks when the code under test commits, as production does.

    A test runs inside a transaction that is rolled back, so nothing ever commits and the
    side effects writes queue with `on_commit` (cache bumps, events) would never run. Here the
    test's own transaction counts for nothing: a callback runs when the outermost `atomic()`
    block of the code under test exits without error (at once outside any), and is dropped
    when that block rolls back, exactly as it would be against a real COMMIT.
    tests/test_write_races.py checks the real thing with committed transactions.
    """
    original_on_commit = BaseDatabaseWrapper.on_commit
    original_exit = Atomic.__exit__

    def on_commit(self: Any, func: Callable[[], None], robust: bool = False) -> None:
        if self.in_atomic_block and _inside_test_transaction_only(self):
            _run_commit_hook(func, robust)
        else:
            original_on_commit(self, func, robust)

    def exit_(self: Atomic, exc_type: Any, exc_value: Any, traceback: Any) -> Any:
        conn = transaction.get_connection(self.using)
        result = original_exit(self, exc_type, exc_value, traceback)
        if (
            not getattr(self, "_from_testcase", False)
            and conn.in_atomic_block
            and conn.atomic_blocks
            and _inside_test_transaction_only(conn)
            and exc_type is None
            and not conn.needs_rollback
        ):
            hooks, conn.run_on_commit = conn.run_on_commit, []
            for _, func, robust in hooks:
                _run_commit_hook(func, robust)
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(Atomic, "__exit__", exit_)


@pytest.fixture(autouse=True)
def _responses_match_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every /api/ response a test client gets must match /api/schema/ (tests/openapi_check)."""
    original = Client.request

    def request(self: Client, **call: Any) -> Any:
        response = original(self, **call)
        check_response(response)
        return response

    monkeypatch.setattr(Client, "request", request)


@pytest.fixture(autouse=True)
def _clean_redis() -> Iterator[None]:
    yield
    try:
        cache._cache.get_client(write=True).flushdb()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001, S110 - a test may have stopped Redis on purpose
        pass
    if _session_cluster is not None:
        _session_cluster.flush()


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
