"""Real servers for the tests that need them: the platform under gunicorn and a host site.

The platform gets a database of its own (`palaver_browser_<random>`) on the PostgreSQL server
the test settings point at, and a Redis database of its own (BROWSER_REDIS_DB, default 12),
so it never meets the pytest-django test database. Sites: `alpha` and `beta` publish at once,
`gamma` holds every comment for moderation, `delta` asks guests for an email address; all
allow the host pages' origin (and the demo blog's, see `blog_port`).

The fixtures are session-scoped and registered in tests/conftest.py, so the browser tests and
the edge tests (tests/test_nginx_edge.py) share one server per run.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "browser" / "artifacts"

# Each site's settings beyond the defaults.
SITES: dict[str, dict[str, Any]] = {
    "alpha": {},
    "beta": {},
    "gamma": {"moderation_mode": "pre"},
    "delta": {"guest_email_required": True},
    "epsilon": {"sso_enabled": True},  # sign-in with the site's accounts (browser/test_sso.py)
    "zeta": {"email_sign_in": True},  # sign-in by e-mail link (browser/test_magic_link.py)
}
# Moderation that would hold a test's comments for reasons other than the one under test is
# relaxed where the settings exist: the spam filter (a test reader types in milliseconds,
# which it rightly finds suspicious) and the link limit (the XSS vectors are links).
RELAXED = {"spam_filter": False, "max_links": 50}
SITE_SETTINGS_SCRIPT = """
from django_tenants.utils import schema_context
from embed.models import SiteSettings
from embed.site import site_settings_update
names = {{field.name for field in SiteSettings._meta.get_fields()}}
relaxed = {{name: value for name, value in {relaxed!r}.items() if name in names}}
for slug, values in {sites!r}.items():
    with schema_context("site_" + slug):
        site_settings_update(**{{**relaxed, **values}})
"""


def redis_url_with_db(url: str, db: int) -> str:
    """`url` (redis:// or unix://) pointed at database number `db`."""
    base, _, query = url.partition("?")
    if base.startswith("unix://"):
        return f"{base}?db={db}"
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{db}" + (f"?{query}" if query else "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(reason: str, what: str = "browser tests") -> None:
    """Skip for want of an outside program, except under CI=true, where that is a failure."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; {what} must run in CI")
    pytest.skip(reason)


# --- the host pages: a second origin that embeds the widget ------------------------------


@dataclass
class HostSite:
    """A stdlib HTTP server on 127.0.0.1 serving pages that the tests register."""

    port: int
    pages: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, html: str, path: str | None = None) -> str:
        path = path or f"/posts/{uuid.uuid4().hex[:12]}"
        self.pages[path] = html
        return self.origin + path

    def new_url(self) -> str:
        """A fresh canonical page URL (a thread no other test touches)."""
        return f"{self.origin}/posts/{uuid.uuid4().hex[:12]}"


@contextmanager
def loopback_http_server(port: int, handler: type[BaseHTTPRequestHandler]) -> Iterator[None]:
    """Serve `handler` on 127.0.0.1:`port` from a thread for the length of the `with` block."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    site = HostSite(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            html = site.pages.get(self.path.split("?")[0])
            body = (html or "<h1>Not found</h1>").encode()
            self.send_response(200 if html else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with loopback_http_server(site.port, Handler):
        yield site


# --- the platform under gunicorn ---------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str]) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body, self.headers = status, body, headers


OWNER_TOKEN_SCRIPT = """
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context
from embed.moderation.apitokens import api_token_create
with schema_context("site_{slug}"):
    owner = get_user_model().objects.get(email="owner@{slug}.example")
    print(api_token_create(name="browser tests", scope="owner", actor=owner)[1])
"""


@dataclass
class Platform:
    port: int
    env: dict[str, str]
    events_port: int = 0
    owner_tokens: dict[str, str] = field(default_factory=dict)

    def base(self, slug: str) -> str:
        return f"http://{slug}.localhost:{self.port}"

    def admin(self, slug: str, method: str, path: str, body: Any = None) -> Any:
        """Call the site's admin API (`/api/v1/admin/<path>`) as its owner, with an API token
        made on first use."""
        if slug not in self.owner_tokens:
            script = OWNER_TOKEN_SCRIPT.format(slug=slug)
            key = self.manage("shell", "--no-imports", "-c", script).strip()
            self.owner_tokens[slug] = key
        token = self.owner_tokens[slug]
        return self.api(slug, method, f"admin/{path}", body, token=token, scheme="Token")

    def api(
        self,
        slug: str,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        scheme: str = "Bearer",
    ) -> Any:
        """Call the site's API from outside the browser (loopback, with the site's Host);
        `token` goes in `Authorization: <scheme> <token>` (Token for an admin API token)."""
        request = urllib.request.Request(  # noqa: S310 - a local http URL
            f"http://127.0.0.1:{self.port}/api/v1/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Host": f"{slug}.localhost:{self.port}", "Content-Type": "application/json"},
        )
        if token:
            request.add_header("Authorization", f"{scheme} {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            raise ApiError(exc.code, json.loads(raw or b"null"), dict(exc.headers)) from None
        return json.loads(raw) if raw else None

    def post(self, slug: str, url: str, body: str, name: str = "Rita", **extra: Any) -> dict:
        token = extra.pop("token", None)
        payload = {"url": url, "body": body, "author_name": name, **extra}
        return dict(self.api(slug, "POST", "comments", payload, token=token))

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout


def _database_url(name: str) -> tuple[str, dict[str, Any]]:
    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    # A Unix socket directory goes in the host part, percent-encoded.
    host = quote(db.get("HOST") or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{name}", params


def app_env(port: int, *, database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of an app server the tests start on 127.0.0.1:`port`: production
    settings (DEBUG off, a fresh secret) on the given database and Redis, tasks run in the
    request's process, no rate limits."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "DEBUG": "false",
        "PLATFORM_PORT": str(port),
        "PALAVER_RATE_LIMITS": "off",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "PALAVER_QUIET": "1",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }


@pytest.fixture(scope="session")
def blog_port() -> int:
    """The port the demo blog is served on; its origin is allowed on `alpha`."""
    return free_port()


@pytest.fixture(scope="session")
def platform(host_site: HostSite, blog_port: int, mail_sink_server: Any) -> Iterator[Platform]:
    """The platform under gunicorn, with its events process; its e-mail goes to the tests'
    SMTP sink (tests/mailsink.py)."""
    ARTIFACTS.mkdir(exist_ok=True)
    name = f"palaver_browser_{os.getpid()}_{secrets.token_hex(3)}"
    url, params = _database_url(name)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    redis_url = redis_url_with_db(settings.REDIS_URL, int(os.environ.get("BROWSER_REDIS_DB", "12")))
    # A leftover payload from an earlier run would be served for a thread with the same id.
    redis.Redis.from_url(redis_url).flushdb()
    port, events_port = free_port(), free_port()
    env = {
        **app_env(port, database_url=url, redis_url=redis_url),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_sink_server.port),
        # As `make demo` runs it: the app sends the event streams to the events process.
        "EVENTS_PORT": str(events_port),
        # As deployed: behind the shipped nginx on the same machine (tests/test_nginx_edge.py).
        "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "TRUSTED_PROXIES": "127.0.0.1",
        # Custom domains are proven in DNS; here, in a file (tests/fake_dns.py).
        "DOMAIN_TXT_RESOLVER": "tests.fake_dns.txt_records",
        "FAKE_DNS_FILE": str(ARTIFACTS / "dns.json"),
    }
    platform = Platform(port=port, env=env, events_port=events_port)
    server = events = None
    log = (ARTIFACTS / "gunicorn.log").open("w")
    events_log = (ARTIFACTS / "events.log").open("w")
    try:
        platform.manage("migrate", "--verbosity", "0")
        for slug in SITES:
            platform.manage(
                "create_site", "--slug", slug, "--name", slug.title(),
                "--owner-email", f"owner@{slug}.example",
                "--owner-password", "correct-horse-battery-staple",
                "--origin", host_site.origin,
                "--origin", f"http://localhost:{blog_port}",
            )  # fmt: skip
        platform.manage("shell", "-c", SITE_SETTINGS_SCRIPT.format(sites=SITES, relaxed=RELAXED))
        server = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # The events process: the ASGI app under uvicorn, holding the widgets' live streams.
        events = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "uvicorn"), "palaver.asgi:application",
                "--host", "127.0.0.1", "--port", str(events_port),
                "--log-level", "warning", "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=events_log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait_until_up(platform, server)
        _wait_for_port(events_port, events)
        yield platform
    finally:
        for process in (server, events):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        log.close()
        events_log.close()
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis.Redis.from_url(redis_url).flushdb()


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the events process exited; see {ARTIFACTS / 'events.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the events process did not listen in 30 s; see {ARTIFACTS / 'events.log'}")


def _wait_until_up(platform: Platform, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {ARTIFACTS / 'gunicorn.log'}")
        try:
            platform.api("alpha", "GET", "counts?url=http://x.example/")
            return
        except (OSError, ApiError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in 30 s; see {ARTIFACTS / 'gunicorn.log'}")
