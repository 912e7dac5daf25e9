"""PostgreSQL down: cached threads are still served, everything else is a 503 with Retry-After.

The outage is real: requests run in a thread whose database connection points at a port
nothing listens on, so every query that is attempted fails the way it does when the server is
gone (connection refused). Redis and the processes' caches are the ones the test warmed.
"""

import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from django.core.cache import cache as django_cache
from django.db import connections
from django.test import Client

from core import keys, redis
from embed.cache import local_forget
from embed.site import _cache as site_cache
from tenants.models import Tenant
from tenants.resolution import _cache as resolution_cache
from tenants.resolution import forget_hosts
from tests.conftest import PAGE, Api, host_of
from tests.test_input_guard import TENANT_PATHS, wsgi_get

pytestmark = pytest.mark.django_db

T = TypeVar("T")
OTHER_PAGE = "https://alpha.example/posts/never-read"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again on leaving: nothing listens


@contextmanager
def database_down() -> Iterator[Callable[[Callable[[], T]], T]]:
    """`run(fn)` calls fn in a thread whose database is unreachable."""
    port = str(closed_port())

    def cut() -> None:
        conn = connections["default"]
        conn.settings_dict = {**conn.settings_dict, "HOST": "127.0.0.1", "PORT": port}

    with ThreadPoolExecutor(max_workers=1, initializer=cut) as pool:

        def run(fn: Callable[[], T]) -> T:
            return pool.submit(fn).result(timeout=60)

        try:
            yield run
        finally:
            pool.submit(connections.close_all).result()


def forget_process_caches() -> None:
    """What a worker started during the outage knows: nothing in memory."""
    forget_hosts()
    site_cache.clear()
    local_forget()


def assert_unavailable(response: Any, json: bool = True) -> None:
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert int(response["Retry-After"]) > 0
    if json:
        assert response.json()["error"]["code"] == "unavailable"
    else:
        assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def warm(api: Api) -> bytes:
    """A thread with a comment, read once, so its payload is in Redis and the caches warm."""
    assert api.post_comment("Still here when the database is not").status_code == 201
    first = api.thread()
    assert first.status_code == 200
    return first.content


def test_it_proves_the_outage_is_real(warm):
    from django.db import OperationalError

    from embed.models import Comment

    with database_down() as run, pytest.raises(OperationalError):
        run(lambda: Comment.objects.count())


def test_a_cached_thread_is_served(api: Api, warm: bytes):
    with database_down() as run:
        response = run(lambda: api.thread())
        assert response.status_code == 200
        assert response.content == warm
        etag = response["ETag"]
        again = run(lambda: api.get("/api/v1/thread", {"url": PAGE}, HTTP_IF_NONE_MATCH=etag))
        assert again.status_code == 304


def test_a_cached_thread_is_served_by_a_process_started_during_the_outage(api: Api, warm: bytes):
    with database_down() as run:

        def cold_read() -> Any:
            forget_process_caches()
            return api.thread()

        response = run(cold_read)
        assert response.status_code == 200
        assert response.content == warm


def test_a_cached_thread_is_served_when_the_process_copies_are_past_their_time(
    api: Api, alpha: Tenant, warm: bytes
):
    # Only this process's copies, expired (TENANT_CACHE_SECONDS, SITE_CACHE_SECONDS): none
    # in Redis.
    for host, (_, tenant) in list(resolution_cache.items()):
        resolution_cache[host] = (0.0, tenant)
    for schema, (_, config) in list(site_cache.items()):
        site_cache[schema] = (0.0, config)
    redis.call("delete", keys.host_copy(host_of(alpha)))
    redis.call("delete", keys.site_copy(alpha.schema_name))
    with database_down() as run:
        response = run(lambda: api.thread())
        assert response.status_code == 200
        assert response.content == warm


def test_the_public_read_chain_serves_it_too(alpha: Tenant, warm: bytes):
    with database_down() as run:
        status, body = run(lambda: wsgi_get(host_of(alpha), "/api/v1/thread", f"url={PAGE}"))
        assert status.startswith("200")
        assert body == warm
        status, body = run(lambda: wsgi_get(host_of(alpha), "/api/v1/thread", f"url={OTHER_PAGE}"))
        assert status.startswith("503")


def test_a_thread_not_in_the_cache_is_a_503(api: Api, warm: bytes):
    with database_down() as run:
        assert_unavailable(run(lambda: api.thread(OTHER_PAGE)))


def test_writes_are_a_503(api: Api, warm: bytes):
    with database_down() as run:
        assert_unavailable(run(lambda: api.post_comment("Lost?")))
        assert_unavailable(run(lambda: api.send("POST", "/api/v1/comments/1/vote", {"value": 1})))


def test_the_dashboard_is_a_503_page(staff_client: Callable[..., Client], alpha: Tenant, warm):
    owner = staff_client(alpha)
    with database_down() as run:
        assert_unavailable(run(lambda: owner.get("/dashboard/")), json=False)
        assert_unavailable(run(lambda: owner.get("/api/v1/admin/comments")))


def test_a_host_never_resolved_is_a_503(db):
    forget_process_caches()
    django_cache.clear()
    redis.call("delete", keys.host_copy("beta.localhost"))
    with database_down() as run:
        client = Client(HTTP_HOST="beta.localhost")
        assert_unavailable(run(lambda: client.get("/api/v1/thread", {"url": PAGE})))
        assert_unavailable(run(lambda: client.get("/")), json=False)


@pytest.mark.parametrize("path", TENANT_PATHS)
def test_nothing_answers_500(staff_client: Callable[..., Client], alpha: Tenant, warm, path):
    clients = (staff_client(alpha), Client(HTTP_HOST=host_of(alpha)))
    with database_down() as run:
        for client in clients:
            for method in ("get", "post"):

                def call(client: Client = client, method: str = method) -> Any:
                    return getattr(client, method)(path)

                response = run(call)
                assert response.status_code != 500, (path, method)
                if response.status_code == 503:
                    assert response["Retry-After"]
