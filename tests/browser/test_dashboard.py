"""The dashboard in Chromium: log in on the site's host, moderate from the queue (buttons and
keyboard) and see the widget on a host page follow; change settings and see them apply."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, HostSite, Platform, Reader
from tests.browser.dashboard_support import (
    log_in,
    seed_queue,
    site_create,
    site_setting,
)
from tests.servers import ApiError

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]
QUEUE_SITE = "dashq"  # holds every comment for review
SETTINGS_SITE = "dashs"  # publishes at once until the test changes its settings


@pytest.fixture(scope="module")
def sites(platform: Platform, host_site: HostSite) -> Iterator[None]:
    site_create(platform, host_site, QUEUE_SITE, moderation_mode="pre")
    site_create(platform, host_site, SETTINGS_SITE)
    yield


def rows(page: Page, text: str):  # noqa: ANN201 - a Playwright locator
    return page.locator(".row", has_text=text)


def test_approving_from_the_queue_shows_the_comment_in_the_widget(
    sites: None, platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page(QUEUE_SITE)
    held = platform.post(QUEUE_SITE, url, "Approve me, please", name="Lee")
    reader = new_reader().page
    reader.goto(page_url)
    expect(reader.locator("h2")).to_have_text("0 comments")

    staff = new_reader().page
    log_in(staff, platform, QUEUE_SITE)
    staff.get_by_role("link", name="Queue").click()
    row = rows(staff, "Approve me, please")
    expect(row).to_contain_text("pre-moderation")
    expect(row.get_by_role("link", name="Context & ban")).to_be_visible()
    pending = staff.locator('[data-count="pending"]')
    before = int(pending.inner_text())
    row.get_by_role("button", name="Approve").click()
    expect(row).to_have_count(0)  # acted in place, without a reload
    expect(staff.locator("#dash-live")).to_have_text(f"Comment {held['id']} approved.")
    expect(pending).to_have_text(str(before - 1))

    # The reader's open page follows (live updates), no reload needed.
    expect(reader.locator(".pv-list > .pv-c .pv-body")).to_have_text("Approve me, please")
    expect(reader.locator("h2")).to_have_text("1 comment")


def test_the_queue_works_from_the_keyboard(
    sites: None, platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    _, url = embed_page(QUEUE_SITE)
    platform.post(QUEUE_SITE, url, "kbd first one", name="Kay")
    platform.post(QUEUE_SITE, url, "kbd second one", name="Kay")
    page = reader.page
    log_in(page, platform, QUEUE_SITE)
    page.goto(f"{platform.base(QUEUE_SITE)}/dashboard/queue/?q=kbd")
    expect(page.locator(".row")).to_have_count(2)

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("approve")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("j")  # the newest first
    expect(rows(page, "kbd second one")).to_be_focused()
    page.keyboard.press("j")
    expect(rows(page, "kbd first one")).to_be_focused()
    page.keyboard.press("x")
    expect(rows(page, "kbd first one").locator(".pick")).to_be_checked()
    expect(page.locator("[data-picked]")).to_have_text("1 selected")
    page.keyboard.press("k")
    page.keyboard.press("s")
    expect(rows(page, "kbd second one")).to_have_count(0)
    expect(page.locator("#dash-live")).to_contain_text("marked as spam")
    expect(rows(page, "kbd first one")).to_be_focused()  # focus moves on to what is left
    page.keyboard.press("a")
    expect(page.locator(".row")).to_have_count(0)
    expect(page.get_by_text("Nothing left here.")).to_be_visible()

    spam = page.goto(f"{platform.base(QUEUE_SITE)}/dashboard/queue/?status=spam&q=kbd")
    assert spam is not None and spam.ok
    expect(rows(page, "kbd second one").locator(".badge")).to_have_text("spam")


def test_bulk_actions_from_the_bar(
    sites: None, platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    _, url = embed_page(QUEUE_SITE)
    for n in range(3):
        platform.post(QUEUE_SITE, url, f"bulk item {n}", name="Bo")
    page = reader.page
    log_in(page, platform, QUEUE_SITE)
    page.goto(f"{platform.base(QUEUE_SITE)}/dashboard/queue/?q=bulk+item")
    bar = page.get_by_role("form", name="Act on the selected comments")
    expect(bar.get_by_role("button", name="Reject")).to_be_disabled()
    page.get_by_label("Select all").check()
    expect(page.locator("[data-picked]")).to_have_text("3 selected")
    bar.get_by_role("button", name="Reject").click()
    expect(page.locator("#dash-live")).to_have_text("3 comments rejected.")
    expect(page.locator(".row")).to_have_count(0)


def test_settings_take_effect_in_the_widget(
    sites: None, platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page(SETTINGS_SITE)
    owner = new_reader().page
    log_in(owner, platform, SETTINGS_SITE)
    owner.get_by_role("link", name="Settings").click()
    owner.get_by_label("Guests must give an email address").check()
    owner.get_by_label("Suspect words").fill("teapot\nkettle")
    owner.get_by_label("Reply depth").fill("0")
    owner.get_by_role("button", name="Save settings").click()
    # A bad value keeps everything on the page, with the error next to its field.
    expect(owner.locator("#id_max_depth_error")).to_contain_text("greater than or equal to 1")
    expect(owner.get_by_label("Suspect words")).to_have_value("teapot\nkettle")
    owner.get_by_label("Reply depth").fill("3")
    owner.get_by_role("button", name="Save settings").click()
    expect(owner.locator("#dash-live")).to_have_text("Settings saved.")
    site_setting(platform, SETTINGS_SITE, "guest_email_required", True, url)

    page = new_reader().page
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("My teapot collection grows")
    page.get_by_label("Name").fill("Tess")
    page.get_by_label("Email (not shown)").fill("tess@example.org")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("[aria-live=polite]")).to_have_text("Your comment is awaiting moderation.")

    owner.goto(f"{platform.base(SETTINGS_SITE)}/dashboard/queue/")
    expect(rows(owner, "My teapot collection grows")).to_contain_text("suspect word: teapot")


def test_a_moderator_sees_no_settings_or_team(
    sites: None, platform: Platform, new_reader: Callable[..., Reader]
) -> None:
    owner = new_reader().page
    log_in(owner, platform, QUEUE_SITE)
    owner.get_by_role("link", name="Team").click()
    add = owner.get_by_role("region", name="Add someone")
    add.get_by_label("Email").fill("mo@dashq.example")
    add.get_by_label("Password").fill("another-long-passphrase")
    add.get_by_label("Role").select_option("moderator")
    add.get_by_role("button", name="Add to the team").click()
    expect(owner.locator("#dash-live")).to_have_text("Added mo@dashq.example as moderator.")

    moderator = new_reader().page
    moderator.goto(f"{platform.base(QUEUE_SITE)}/dashboard/login/")
    moderator.get_by_label("Email").fill("mo@dashq.example")
    moderator.get_by_label("Password").fill("another-long-passphrase")
    moderator.get_by_role("button", name="Log in").click()
    nav = moderator.get_by_role("navigation", name="Dashboard")
    expect(nav.get_by_role("link", name="Queue")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    expect(nav.get_by_role("link", name="Team")).to_have_count(0)
    response = moderator.goto(f"{platform.base(QUEUE_SITE)}/dashboard/settings/")
    assert response is not None and response.status == 403
    expect(moderator.get_by_role("heading", name="Not for you, sorry")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_queue_fits_each_width(
    sites: None, platform: Platform, host_site: HostSite, new_reader: Callable[..., Reader],
    width: int,
) -> None:  # fmt: skip
    if width == 1280:
        seed_queue(platform, host_site, QUEUE_SITE)
    page = new_reader(viewport={"width": width, "height": 900}).page
    log_in(page, platform, QUEUE_SITE)
    page.goto(f"{platform.base(QUEUE_SITE)}/dashboard/queue/")
    expect(page.locator(".row").first).to_be_visible()
    # Nothing may stick out sideways on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the queue is {overflow}px too wide at {width}px"
    if width == 1280:
        page.locator(".row", has_text="Lucky Larry").get_by_role("link", name="Context").click()
        expect(page.get_by_role("heading", name="Ban")).to_be_visible()


def test_every_page_fits_a_phone(
    sites: None, platform: Platform, new_reader: Callable[..., Reader]
) -> None:
    page = new_reader(viewport={"width": 360, "height": 740}).page
    log_in(page, platform, QUEUE_SITE)
    base = platform.base(QUEUE_SITE)
    page.goto(f"{base}/dashboard/queue/?status=all")
    first = page.locator(".context-link").first
    pages = ["", "threads/", "bans/", "stats/", "audit/", "settings/", "team/"]
    if first.count():
        pages.append(str(first.get_attribute("href")).removeprefix("/dashboard/"))
    for path in pages:
        page.goto(f"{base}/dashboard/{path}")
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(ARTIFACTS / f"dashboard-360-{name}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/dashboard/{path} is {overflow}px too wide at 360px"


def test_an_owner_makes_uses_and_revokes_an_api_token(
    sites: None, platform: Platform, reader: Reader
) -> None:
    page = reader.page
    log_in(page, platform, SETTINGS_SITE)
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="API tokens").click()
    make = page.get_by_role("region", name="Make a token")
    make.get_by_label("Name").fill("Nightly report")
    make.get_by_label("Moderate").check()
    make.get_by_role("button", name="Make token").click()

    shown = page.get_by_role("region", name="Your new token “Nightly report”")
    token = shown.get_by_label("Token").input_value()
    assert token.startswith("plv_")
    row = page.get_by_role("row", name="Nightly report")
    expect(row).to_contain_text("Moderate")
    expect(row).to_contain_text(token[:12])
    expect(row).to_contain_text("never")

    def status(path: str) -> int:
        try:
            platform.api(SETTINGS_SITE, "GET", f"admin/{path}", token=token, scheme="Token")
        except ApiError as error:
            return error.status
        return 200

    assert status("comments") == 200
    assert status("settings") == 403  # a moderate token: no settings

    # Opened again, the page lists the token but never shows it again.
    page.goto(f"{platform.base(SETTINGS_SITE)}/dashboard/tokens/")
    expect(page.get_by_role("region", name="Your new token “Nightly report”")).to_have_count(0)
    assert token not in page.content()
    row = page.get_by_role("row", name="Nightly report")
    expect(row).not_to_contain_text("never")  # its last use

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke Nightly report").click()
    expect(page.locator("#dash-live")).to_contain_text("Revoked “Nightly report”")
    expect(page.get_by_role("row", name="Nightly report")).to_contain_text("revoked")
    assert status("comments") == 401

    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("main")).to_contain_text("api_token.revoke")
