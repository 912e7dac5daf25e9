"""Accessibility of the dashboard in Chromium: an axe-core scan (WCAG 2.1 AA) of every page,
as an owner and as a moderator turned away, finds nothing."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible, violations
from tests.browser.conftest import HostSite, Platform, Reader
from tests.browser.dashboard_support import PASSWORD, log_in, seed_queue, site_create

pytestmark = pytest.mark.browser

SITE = "dasha11y"
PAGES = [
    "",
    "queue/",
    "queue/?status=all",
    "threads/",
    "bans/",
    "stats/",
    "audit/",
    "alerts/",
    "settings/",
    "team/",
    "webhooks/",
    "import/",
    "domains/",
    "tokens/",
    "sign-in/",
    "readers/",
    "readers/?q=hannah",
    "readers/?q=nobody",
]


@pytest.fixture(scope="module")
def site(platform: Platform, host_site: HostSite) -> Iterator[None]:
    site_create(platform, host_site, SITE, moderation_mode="pre")
    seed_queue(platform, host_site, SITE)
    yield


def test_the_login_page_passes_axe(
    site: None, platform: Platform, new_reader: Callable[..., Reader]
) -> None:
    page = new_reader().page
    page.goto(f"{platform.base(SITE)}/dashboard/login/")
    assert_accessible(page, "the login page")
    page.get_by_label("Email").fill(f"owner@{SITE}.example")
    page.get_by_label("Password").fill(PASSWORD + "-wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("form [role=alert], .errorlist, .flash-error").first).to_be_visible()
    assert_accessible(page, "the login page with an error")


def test_every_dashboard_page_passes_axe(
    site: None, platform: Platform, new_reader: Callable[..., Reader]
) -> None:
    page = new_reader(viewport={"width": 1280, "height": 900}).page
    log_in(page, platform, SITE)
    base = f"{platform.base(SITE)}/dashboard/"
    page.goto(base + "queue/?status=all")
    context = page.locator(".context-link").first
    expect(context).to_be_visible()
    pages = [*PAGES, str(context.get_attribute("href")).removeprefix("/dashboard/")]
    page.goto(base + "readers/?q=hannah")
    reader = page.get_by_role("link", name="Hannah Becker")
    pages.append(str(reader.get_attribute("href")).removeprefix("/dashboard/"))
    found = []
    for path in pages:
        page.goto(base + path)
        found += [f"/dashboard/{path}: {violation}" for violation in violations(page)]
    # The same pages on a phone: the layout changes, the rules hold.
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("", "queue/"):
        page.goto(base + path)
        found += [f"/dashboard/{path} at 360 px: {violation}" for violation in violations(page)]
    assert not found, f"{len(found)} WCAG 2.1 AA violations:\n" + "\n".join(found)


def test_the_dashboard_in_arabic_runs_right_to_left_and_passes_axe(
    site: None, platform: Platform, new_reader: Callable[..., Reader]
) -> None:
    page = new_reader().page
    log_in(page, platform, SITE)
    page.context.set_extra_http_headers({"Accept-Language": "ar"})
    page.goto(f"{platform.base(SITE)}/dashboard/queue/?status=all")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("قائمة الانتظار")
    assert_accessible(page, "the queue in Arabic")
