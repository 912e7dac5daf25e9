"""Custom domains from the dashboard in Chromium: add a host, read the DNS records, publish
the TXT record (in the fake resolver's file, tests/fake_dns.py), check, and the site answers
on the host; remove it and the host answers nothing."""

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests import fake_dns
from tests.browser.conftest import ARTIFACTS, HostSite, Platform, Reader
from tests.browser.dashboard_support import log_in, site_create

pytestmark = pytest.mark.browser

SITE = "dashd"
HOST = "comments.dashd-blog.example"


@pytest.fixture(scope="module")
def site(platform: Platform, host_site: HostSite) -> Iterator[None]:
    (ARTIFACTS / "dns.json").unlink(missing_ok=True)  # records of an earlier run
    site_create(platform, host_site, SITE)
    yield


def status_on(platform: Platform, host: str, path: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - a local http URL
        f"http://127.0.0.1:{platform.port}{path}", headers={"Host": f"{host}:{platform.port}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_an_owner_adds_proves_and_removes_a_custom_domain(
    site: None, platform: Platform, reader: Reader
) -> None:
    page = reader.page
    log_in(page, platform, SITE)
    page.get_by_role("link", name="Domains").click()
    page.get_by_label("Host name").fill(HOST)
    page.get_by_role("button", name="Add domain").click()
    card = page.locator("section.card", has_text=HOST)
    expect(card).to_contain_text("waiting for DNS")
    challenge = card.locator("tr", has_text="TXT").locator("code").nth(1).inner_text()
    token = challenge.strip('"')
    assert token.startswith("palaver-verify=")
    assert status_on(platform, HOST, "/embed.js") == 404

    card.get_by_role("button", name="Check DNS now").click()
    expect(page.locator("section.card", has_text=HOST)).to_contain_text("No TXT record")
    fake_dns.publish(ARTIFACTS / "dns.json", f"_palaver-challenge.{HOST}", token)
    page.locator("section.card", has_text=HOST).get_by_role("button", name="Check DNS now").click()
    card = page.locator("section.card", has_text=HOST)
    expect(card).to_contain_text("verified")
    expect(card.locator("pre")).to_contain_text(f"http://{HOST}")
    assert status_on(platform, HOST, "/embed.js") == 200
    assert status_on(platform, HOST, "/api/v1/counts?url=https://x.example/") == 200

    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Remove").click()
    expect(page.locator("section.card", has_text=HOST)).to_have_count(0)
    # Each server process forgets a host on its own within TENANT_CACHE_SECONDS; the one
    # that removed it at once.
    page.goto(f"{platform.base(SITE)}/dashboard/audit/")
    expect(page.locator("main")).to_contain_text("domain.remove")
