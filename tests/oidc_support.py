"""The tests' real OpenID Connect provider (tests/oidc_provider: django-oauth-toolkit in a
small Django project), run as its own process on a free loopback port for the session, and
helpers to register clients with it and to log in at it as a person would."""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
ADA = {
    "username": "ada",
    "password": "analytical-engine-1843",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@provider.example",
}

# An owner of the site `alpha` at the provider: the provider vouches for the address.
OLIVE = {
    "username": "olive",
    "password": "owner-of-alpha-2026",
    "first_name": "Olive",
    "last_name": "Owner",
    "email": "owner@alpha.example",
}


@dataclass
class OidcProvider:
    """The running provider: its issuer URL and the key that guards client registration."""

    port: int
    token: str

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/o"

    def register(self, *, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        """Register (or replace) a confidential client allowed to use `redirect_uris`."""
        answer = requests.post(
            f"http://127.0.0.1:{self.port}/clients",
            json={
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": redirect_uris,
            },
            headers={"X-Test-Token": self.token},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text

    def log_in(self, authorize_url: str, user: dict[str, str] = ADA) -> str:
        """Follow `authorize_url` as a browser would: the provider's log-in form, then its
        redirect back. Answers the redirect's Location (the callback URL with code and
        state), which is not followed: the callback is the test's to call."""
        browser = requests.Session()
        page = browser.get(authorize_url, timeout=10)  # -> /login/?next=...
        assert page.status_code == 200 and "/login/" in page.url, page.url
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert csrf, page.text
        answer = browser.post(
            page.url,
            data={
                "csrfmiddlewaretoken": csrf.group(1),
                "username": user["username"],
                "password": user["password"],
                "next": urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["next"][0],
            },
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 302, answer.text
        back = browser.get(
            urllib.parse.urljoin(page.url, answer.headers["Location"]),
            allow_redirects=False,
            timeout=10,
        )
        assert back.status_code == 302, back.text
        return str(back.headers["Location"])


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    port, token = free_port(), secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="oidc-provider-") as folder:
        (Path(folder) / "users.json").write_text(json.dumps([ADA, OLIVE]))
        env = {**os.environ, "OIDC_TEST_SECRET_KEY": token}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        # Its log goes to a file: a pipe nobody reads fills up and stalls the provider.
        log_path = Path(folder) / "provider.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(  # noqa: S603 - the tests' own provider
                [sys.executable, "-m", "tests.oidc_provider.serve", str(port), folder],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        try:
            _wait_until_up(port, process, log_path)
            yield OidcProvider(port=port, token=token)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_up(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    url = f"http://127.0.0.1:{port}/o/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log_path.read_text(errors="replace")
            raise RuntimeError(f"the OIDC provider exited:\n{output}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("the OIDC provider did not answer in 60 s")
