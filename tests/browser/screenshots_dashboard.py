"""Screenshots of the dashboard (queue at 1280 and 360 px and in Arabic, a comment in context,
stats, settings) for docs/screenshots/.

Not part of the suite (the file name does not match test_*.py): `make screenshots` runs it
with PALAVER_SCREENSHOTS=docs/screenshots; without that variable they go to
tests/browser/artifacts/.
"""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HostSite, Platform, Reader
from tests.browser.dashboard_support import log_in, screenshot, seed_queue, site_create

pytestmark = pytest.mark.browser

SITE = "shots"


@pytest.fixture(scope="module")
def queue_site(platform: Platform, host_site: HostSite) -> Iterator[None]:
    site_create(platform, host_site, SITE, moderation_mode="pre")
    seed_queue(platform, host_site, SITE)
    yield


@pytest.mark.parametrize("width", [1280, 360])
def test_screenshots_of_the_dashboard(
    queue_site: None, platform: Platform, new_reader: Callable[..., Reader], width: int
) -> None:
    page = new_reader(viewport={"width": width, "height": 900}).page
    log_in(page, platform, SITE)
    page.goto(f"{platform.base(SITE)}/dashboard/queue/")
    expect(page.locator(".row").first).to_be_visible()
    screenshot(page, "dashboard-queue.png" if width == 1280 else f"dashboard-queue-{width}.png")
    if width == 1280:
        page.locator(".row", has_text="Lucky Larry").get_by_role("link", name="Context").click()
        expect(page.get_by_role("heading", name="Ban")).to_be_visible()
        screenshot(page, "dashboard-comment.png")
        page.goto(f"{platform.base(SITE)}/dashboard/stats/")
        screenshot(page, "dashboard-stats.png")
        page.goto(f"{platform.base(SITE)}/dashboard/settings/")
        screenshot(page, "dashboard-settings.png")


def test_screenshot_of_the_queue_in_arabic(
    queue_site: None, platform: Platform, new_reader: Callable[..., Reader]
) -> None:
    page = new_reader(viewport={"width": 1280, "height": 900}).page
    log_in(page, platform, SITE)
    page.context.set_extra_http_headers({"Accept-Language": "ar"})
    page.goto(f"{platform.base(SITE)}/dashboard/queue/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".row").first).to_be_visible()
    screenshot(page, "dashboard-queue-ar.png")
