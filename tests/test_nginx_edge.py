"""The shipped nginx front door (deploy/nginx.conf) keeps every site's answers to itself.

The real nginx runs the shipped file as shipped (only ports and folders rewritten, by the same
code `make bench` uses) in front of the real app under gunicorn. Two sites, `alpha` and
`beta`, each have a different comment on the same page URL; every trick that could make nginx
cache or serve one site's answer under the other's host is tried, then each site's readers
must still get their own thread.

Without nginx the tests are skipped, except under CI=true, where that is a failure
(`make test` installs it when run as root: bin/ensure-packages).
"""

import gzip
import http.client
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from tests.servers import ARTIFACTS, HostSite, Platform, unavailable


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def bodies(self) -> list[str]:
        """The comment bodies (rendered HTML) of a thread answer."""
        return [comment["html"] for comment in json.loads(self.body)["comments"]]


@dataclass(frozen=True)
class Edge:
    port: int
    app_port: int

    def host(self, slug: str) -> str:
        return f"{slug}.localhost:{self.port}"

    def send(self, request_line: str, headers: list[tuple[str, str]], body: bytes = b"") -> Answer:
        """Send one request exactly as written (absolute form, repeated headers and all)."""
        lines = [request_line, *(f"{name}: {value}" for name, value in headers)]
        if not request_line.endswith("HTTP/1.0"):
            lines.append("Connection: close")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(raw)
            response = http.client.HTTPResponse(sock, method=request_line.split()[0])
            response.begin()
            return Answer(response.status, response.headers, response.read())

    def thread(self, slug: str, url: str, **headers: str) -> Answer:
        """A reader's ordinary thread read on `slug`'s host."""
        pairs = [("Host", self.host(slug)), *headers.items()]
        return self.send(f"GET {thread_path(url)} HTTP/1.1", pairs)


def thread_path(url: str) -> str:
    return f"/api/v1/thread?url={quote(url, safe='')}"


@pytest.fixture(scope="module")
def edge(platform: Platform) -> Iterator[Edge]:
    from bench import servers

    if servers.NGINX is None:
        unavailable("nginx not found (apt-get install -y nginx)", "the nginx edge tests")
    started = servers.nginx(platform.port, b"{}", ARTIFACTS)
    assert started is not None
    server, edge_port, _ = started
    try:
        yield Edge(port=edge_port, app_port=platform.port)
    finally:
        server.stop()


@pytest.fixture
def page(platform: Platform, host_site: HostSite) -> str:
    """A page URL with one comment on `alpha` and another on `beta`, nothing cached yet."""
    url = host_site.new_url()
    platform.post("alpha", url, "Alpha's own words")
    platform.post("beta", url, "Beta's own words")
    return url


def assert_own_thread(answer: Answer, slug: str) -> None:
    assert answer.status == 200, answer.body[:300]
    own, other = ("Alpha", "Beta") if slug == "alpha" else ("Beta", "Alpha")
    bodies = " ".join(answer.bodies)
    assert f"{own}'s own words" in bodies
    assert f"{other}'s own words" not in bodies


def test_it_serves_each_site_its_own_thread_and_caches_it(edge: Edge, page: str) -> None:
    for slug in ("alpha", "beta"):
        first, second = edge.thread(slug, page), edge.thread(slug, page)
        assert_own_thread(first, slug)
        assert_own_thread(second, slug)
        assert second.headers["X-Cache"] in ("HIT", "UPDATING", "STALE", "REVALIDATED")


def test_it_keeps_the_apps_gzip_bytes_and_inflates_them_for_clients_without_gzip(
    edge: Edge, page: str
) -> None:
    zipped = edge.thread("alpha", page, **{"Accept-Encoding": "gzip, br"})
    assert zipped.status == 200 and zipped.headers["Content-Encoding"] == "gzip"
    plain = edge.thread("alpha", page)  # no Accept-Encoding: the edge inflates its copy
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.body) == plain.body
    assert_own_thread(plain, "alpha")
    refused = edge.thread("alpha", page, **{"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.body == plain.body


@pytest.mark.parametrize(("line_host", "header_host"), [("alpha", "beta"), ("beta", "alpha")])
def test_it_refuses_an_absolute_form_request_for_another_host(
    edge: Edge, page: str, line_host: str, header_host: str
) -> None:
    line = f"GET http://{edge.host(line_host)}{thread_path(page)} HTTP/1.1"
    answer = edge.send(line, [("Host", edge.host(header_host))])

    assert answer.status == 400
    # Nothing was cached under either name: each site's readers get their own thread.
    for slug in (line_host, header_host, line_host):
        assert_own_thread(edge.thread(slug, page), slug)


def test_it_refuses_an_absolute_form_request_without_a_host_header(edge: Edge, page: str) -> None:
    answer = edge.send(f"GET http://{edge.host('beta')}{thread_path(page)} HTTP/1.0", [])

    assert answer.status == 400
    assert_own_thread(edge.thread("alpha", page), "alpha")


def test_it_accepts_an_absolute_form_request_that_names_the_same_host(
    edge: Edge, page: str
) -> None:
    line = f"GET http://{edge.host('ALPHA')}{thread_path(page)} HTTP/1.1"

    assert_own_thread(edge.send(line, [("Host", edge.host("alpha"))]), "alpha")


def test_it_refuses_duplicate_host_headers(edge: Edge, page: str) -> None:
    for first, second in (("alpha", "beta"), ("beta", "alpha"), ("alpha", "alpha")):
        answer = edge.send(
            f"GET {thread_path(page)} HTTP/1.1",
            [("Host", edge.host(first)), ("Host", edge.host(second))],
        )
        assert answer.status == 400
    assert_own_thread(edge.thread("alpha", page), "alpha")
    assert_own_thread(edge.thread("beta", page), "beta")


def test_it_ignores_x_forwarded_host(edge: Edge, page: str) -> None:
    for slug, other in (("alpha", "beta"), ("beta", "alpha")):
        forged = edge.thread(slug, page, **{"X-Forwarded-Host": edge.host(other)})
        assert_own_thread(forged, slug)
        assert_own_thread(edge.thread(slug, page), slug)


def test_it_resolves_and_caches_a_host_in_any_case(edge: Edge, page: str) -> None:
    assert_own_thread(edge.thread("alpha", page), "alpha")

    shouted = edge.send(f"GET {thread_path(page)} HTTP/1.1", [("Host", edge.host("ALPHA"))])

    assert_own_thread(shouted, "alpha")
    # One site, one cache entry: the key is the host as the app sees it, lower-cased.
    assert shouted.headers["X-Cache"] in ("HIT", "UPDATING", "STALE", "REVALIDATED")


def test_the_app_refuses_an_unknown_host_whatever_x_forwarded_host_says(edge: Edge) -> None:
    answer = edge.send(
        "GET /api/v1/counts?url=https://x.example/ HTTP/1.1",
        [("Host", edge.host("nosuchsite")), ("X-Forwarded-Host", edge.host("alpha"))],
    )

    assert answer.status == 404


def test_readers_cannot_choose_their_address_through_the_edge(
    edge: Edge, platform: Platform, host_site: HostSite
) -> None:
    url = host_site.new_url()
    body = json.dumps({"url": url, "body": "Where am I from?", "author_name": "Rita"})
    answer = edge.send(
        "POST /api/v1/comments HTTP/1.1",
        [
            ("Host", edge.host("alpha")),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Real-IP", "203.0.113.66"),
            ("X-Forwarded-For", "203.0.113.66"),
        ],
        body.encode(),
    )
    assert answer.status == 201, answer.body[:300]
    comment_id = json.loads(answer.body)["id"]

    stored = platform.manage("shell", "-c", STORED_IP.format(slug="alpha", id=comment_id))

    # nginx's own X-Real-IP replaced the reader's: the address nginx saw (loopback), kept
    # as its network like every stored address.
    assert stored.strip().splitlines()[-1] == "127.0.0.0"


STORED_IP = """
from django_tenants.utils import schema_context
from embed.models import Comment
with schema_context("site_{slug}"):
    print(Comment.objects.get(pk={id}).ip)
"""
