"""The hot read's fast path answers exactly what Django's full request cycle answers.

Each request is sent through `palaver.wsgi.application` (which tries the fast path first)
and through the public-read handler alone (Django, its middleware and the view), and the two
answers must have the same status, body and headers (Content-Length aside: the fast path
sends it, gunicorn adds framing to the other). Requests the fast path must not answer are
checked to fall through to Django.
"""

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from django.core import signals
from django.db import close_old_connections

from embed.api import fastpath
from palaver import wsgi
from tests.conftest import PAGE, host_of

pytestmark = pytest.mark.django_db


@contextmanager
def connections_kept() -> Iterator[None]:
    """As Django's test client does around each request: the request signals must not close
    the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def environ(host: str, query: str, **headers: str) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/v1/thread",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.9.8.7",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        env["HTTP_" + name.upper()] = value
    return env


def call(app: Any, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        seen["status"], seen["headers"] = status, headers

    with connections_kept():
        result = app(dict(env), start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
    headers = {name.lower(): value for name, value in seen["headers"]}
    assert len(headers) == len(seen["headers"]), "a header sent twice"
    headers.pop("content-length", None)
    return seen["status"], headers, body


def fast(env: dict[str, Any]) -> tuple[str, dict[str, str], bytes] | None:
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        answered["status"], answered["headers"] = status, headers

    result = fastpath.answer(dict(env), start_response)
    if result is None:
        return None
    headers = {name.lower(): value for name, value in answered["headers"]}
    assert headers.pop("content-length") == str(len(b"".join(result)))
    return answered["status"], headers, b"".join(result)


@pytest.fixture
def warm(api, alpha) -> str:
    """The query of a cached thread of alpha's (one comment), as the widget sends it."""
    api.post_comment("Cached and **hot**")
    query = f"url={quote(PAGE, safe='')}"
    assert call(wsgi.public_read_application, environ(host_of(alpha), query))[0] == "200 OK"
    return query


def plain_etag(host: str, query: str) -> str:
    return call(wsgi.public_read_application, environ(host, query))[1]["etag"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"ACCEPT_ENCODING": "gzip, deflate, br"},
        {"ACCEPT_ENCODING": "gzip;q=0"},
        {"ORIGIN": "https://alpha.example"},
        {"ORIGIN": "https://alpha.example", "ACCEPT_ENCODING": "gzip"},
        {"ORIGIN": "https://beta.example"},  # another site's origin: no CORS grant
        {"ORIGIN": "null"},
        {"ORIGIN": "http://[bad"},
        {"X_FORWARDED_PROTO": "https"},  # from a peer that is not a trusted proxy
        {"IF_NONE_MATCH": '"not-it"'},
        {"IF_NONE_MATCH": "*"},
    ],
)
def test_a_cached_read_is_answered_as_django_answers_it(warm, alpha, headers):
    env = environ(host_of(alpha), warm, **headers)
    expected = call(wsgi.public_read_application, env)
    answered = fast(env)
    assert answered is not None, "the fast path did not answer a cached read"
    assert answered == expected
    assert call(wsgi.application, env) == expected


@pytest.mark.parametrize("gzipped", [False, True])
def test_either_etag_revalidates_the_same_way(warm, alpha, gzipped):
    host = host_of(alpha)
    accept = {"ACCEPT_ENCODING": "gzip"} if gzipped else {}
    etag = call(wsgi.public_read_application, environ(host, warm, **accept))[1]["etag"]
    for tag in (etag, plain_etag(host, warm), f"W/{etag}"):
        env = environ(host, warm, IF_NONE_MATCH=tag, **accept)
        expected = call(wsgi.public_read_application, env)
        assert expected[0] == "304 Not Modified"
        assert fast(env) == expected


def test_the_host_is_matched_as_the_tenant_middleware_matches_it(warm, alpha):
    for host in (host_of(alpha).upper(), f"www.{host_of(alpha)}", f"{host_of(alpha)}:8000"):
        env = environ(host, warm)
        assert fast(env) == call(wsgi.public_read_application, env)


def test_another_sites_host_reads_its_own_thread(warm, beta):
    # The same page on beta has no cached thread: the fast path must not answer with alpha's.
    env = environ(host_of(beta), warm)
    assert fast(env) is None
    status, _, body = call(wsgi.application, env)
    assert status == "200 OK" and b"Cached and" not in body


@pytest.mark.parametrize(
    "host, query",
    [
        ("nowhere.example", "url=https%3A%2F%2Falpha.example%2Fposts%2Fhello"),  # no such site
        ("alpha", "url=https%3A%2F%2Falpha.example%2Fposts%2Fhello&sort=sideways"),
        ("alpha", "url=https%3A%2F%2Falpha.example%2Fposts%2Fhello%00"),  # NUL
        ("alpha", "url=not-a-url"),
        ("alpha", "url=https%3A%2F%2Falpha.example%2Fposts%2Fhello&cursor=zz"),
        ("alpha", "url=https%3A%2F%2Falpha.example%2Fnever-read"),  # a miss
    ],
)
def test_what_it_does_not_answer_falls_through_to_django(warm, alpha, host, query):
    env = environ(host_of(alpha) if host == "alpha" else host, query)
    assert fast(env) is None
    status, _, _ = call(wsgi.application, env)
    assert status == call(wsgi.public_read_application, env)[0]


def test_a_settings_change_is_seen_before_the_next_fast_answer(warm, alpha, in_schema):
    from embed.site import site_settings_update

    env = environ(host_of(alpha), warm, ORIGIN="https://new.example")
    before = fast(env)
    assert before is not None and "access-control-allow-origin" not in before[1]
    with in_schema(alpha):
        site_settings_update(allowed_origins=["https://alpha.example", "https://new.example"])
    answered = fast(env) or call(wsgi.application, env)
    assert answered[1]["access-control-allow-origin"] == "https://new.example"
    assert fast(env) == call(wsgi.public_read_application, env)
