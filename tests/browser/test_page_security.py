"""The pages' Content-Security-Policy in Chromium: nothing on the dashboard, the platform site
or the API docs is blocked, the dashboard's script still runs, and no page can be framed."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HostSite, Platform, Reader
from tests.browser.dashboard_support import log_in, seed_queue, site_create

pytestmark = pytest.mark.browser

SITE = "cspsite"
# Every violation the page reports, collected before any of its own scripts run.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def site(platform: Platform, host_site: HostSite) -> Iterator[None]:
    site_create(platform, host_site, SITE, moderation_mode="pre")
    seed_queue(platform, host_site, SITE)
    yield


@pytest.fixture
def watched(new_reader: Callable[..., Reader]) -> Page:
    page = new_reader().page
    page.add_init_script(WATCH)
    return page


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__violations"))


def test_the_dashboard_runs_under_its_policy(site: None, platform: Platform, watched: Page):
    log_in(watched, platform, SITE)
    for name in ("Queue", "Bans", "Threads", "Settings", "Team", "Stats", "Audit log"):
        watched.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()
        watched.wait_for_load_state("load")
        assert violations(watched) == [], name
    # The dashboard's script (a file) still acts in place: approving needs no reload.
    watched.get_by_role("navigation").get_by_role("link", name="Queue", exact=True).click()
    row = watched.locator(".row", has_text="Does the filter learn per site")
    row.get_by_role("button", name="Approve").click()
    expect(row).to_have_count(0)
    assert violations(watched) == []
    # The stylesheet (moved out of the page) applies.
    background = watched.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(247, 248, 250)"


def test_the_platform_site_and_the_api_docs_run_under_their_policy(
    platform: Platform, watched: Page
) -> None:
    watched.goto(f"http://localhost:{platform.port}/")
    expect(watched.get_by_role("button", name="Create site")).to_be_visible()
    assert violations(watched) == []
    watched.goto(f"{platform.base('alpha')}/api/docs/")
    # Swagger UI's start-up script is a file of its own; it ran if the API's title shows.
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("Palaver API")
    assert violations(watched) == []


def test_no_page_can_be_framed(site: None, platform: Platform, host_site: HostSite, watched: Page):
    frame_page = host_site.page(
        f'<!doctype html><iframe id="f" src="{platform.base(SITE)}/dashboard/login/"></iframe>'
    )
    watched.goto(frame_page)
    watched.wait_for_timeout(1000)
    frame = watched.frame_locator("#f")
    expect(frame.get_by_role("button", name="Log in")).to_have_count(0)
