"""What the widget writes about a comment: its age and its author's initial.

Ages are reckoned by the server's clock (the API's Date header) and floored, so neither a
reader whose clock is wrong nor rounding can overstate them. The comments here are
backdated in the database before the page first reads the thread, so no cached copy holds
the real dates; the reader's clock is set with Playwright's page.clock.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, Reader

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]
BACKDATE_SCRIPT = """
from datetime import timedelta
from django.utils import timezone
from django_tenants.utils import schema_context
from embed.models import Comment
with schema_context("site_alpha"):
    for pk, seconds in {ages!r}.items():
        Comment.objects.filter(pk=pk).update(created=timezone.now() - timedelta(seconds=seconds))
"""
DAY = 86400
# Age in seconds -> what an English reader sees. Rounding said "2 hours ago" for 110 minutes,
# "last year" for 364 days, "2 years ago" for 725 days and "3 years ago" for 2 years 7 months.
AGES = {
    20: "just now",
    59 * 60 + 30: "59 minutes ago",
    110 * 60: "1 hour ago",
    DAY - 90: "23 hours ago",
    7 * DAY - 3600: "6 days ago",
    364 * DAY: "11 months ago",
    (365 + 360) * DAY: "1 year ago",
    (2 * 365 + 7 * 30 + 20) * DAY: "2 years ago",  # 2 years 7 months
}


def backdate(platform: Platform, ages: dict[int, int]) -> None:
    """Set each comment's (id -> age in seconds) creation time on the server."""
    platform.manage("shell", "-c", BACKDATE_SCRIPT.format(ages=ages))


def times(page: Page) -> list[str]:
    return page.locator(".pv-c time").all_inner_texts()


def test_ages_are_floored_never_rounded_up(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    ids = [platform.post("alpha", url, f"Age {age}")["id"] for age in AGES]
    backdate(platform, dict(zip(ids, AGES, strict=True)))
    reader.page.goto(page_url)
    expect(reader.page.locator(".pv-c time")).to_have_count(len(AGES))
    # Oldest first, as the thread is sorted.
    assert times(reader.page) == [AGES[age] for age in sorted(AGES, reverse=True)]


@pytest.mark.parametrize(
    "reader_clock",
    [timedelta(minutes=-5), timedelta(hours=3), timedelta(days=-400), timedelta(days=2 * 365)],
    ids=["5-minutes-behind", "3-hours-ahead", "400-days-behind", "2-years-ahead"],
)
def test_a_wrong_reader_clock_neither_ages_comments_nor_dates_them_ahead(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage, reader_clock
) -> None:
    page_url, url = embed_page()
    platform.post("alpha", url, "Fresh")
    older = platform.post("alpha", url, "Older")["id"]
    backdate(platform, {older: 59 * 60 + 30})
    page = new_reader().page
    page.clock.set_fixed_time(datetime.now(UTC) + reader_clock)
    page.goto(page_url)
    expect(page.locator(".pv-c time")).to_have_count(2)
    assert times(page) == ["59 minutes ago", "just now"]


def test_ages_move_on_while_the_page_stays_open(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    ticking = platform.post("alpha", url, "Ticking")["id"]
    backdate(platform, {ticking: 30})
    page = reader.page
    page.clock.install(time=datetime.now(UTC) - timedelta(hours=2))  # and 2 hours behind
    page.goto(page_url)
    expect(page.locator(".pv-c time")).to_have_text("just now")
    # The times are redrawn every minute: two minutes on, it is 2.5 minutes old.
    page.clock.run_for("02:00")
    expect(page.locator(".pv-c time")).to_have_text("2 minutes ago")


def test_ages_speak_the_readers_language(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page(locale="de")
    ids = [platform.post("alpha", url, f"Alter {i}")["id"] for i in range(3)]
    backdate(platform, {ids[1]: 110 * 60, ids[2]: (2 * 365 + 7 * 30 + 20) * DAY})
    page = new_reader().page
    page.goto(page_url)
    expect(page.locator(".pv-c time")).to_have_count(3)
    assert times(page) == ["vor 2 Jahren", "vor 1 Stunde", "gerade eben"]


NAMES = {
    "😀 Ann": "😀",
    "👩‍👩‍👧 Family": "👩‍👩‍👧",  # one grapheme, five code points
    "🇩🇪 Jörg": "🇩🇪",  # a flag: two regional indicators
    "q\u0301uentin": "Q\u0301",  # q + combining acute: no precomposed form
    "ñandú": "Ñ",
    "zoë": "Z",
}


def test_the_avatar_initial_is_the_first_whole_grapheme(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    for name in NAMES:
        platform.post("alpha", url, f"Hi from {name}", name=name)
    reader.page.goto(page_url)
    avatars = reader.page.locator(".pv-c .pv-av")
    expect(avatars).to_have_count(len(NAMES))
    assert avatars.all_inner_texts() == list(NAMES.values())


def test_without_intl_segmenter_the_initial_is_still_a_whole_code_point(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    platform.post("alpha", url, "Hello", name="😀 Ann")
    page = reader.page
    page.add_init_script("delete Intl.Segmenter")
    page.goto(page_url)
    expect(page.locator(".pv-c .pv-av")).to_have_text("😀")
    assert page.evaluate("() => typeof Intl.Segmenter") == "undefined"


def test_only_a_reader_of_another_language_fetches_its_strings(
    new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    for locale, fetched, heading in (
        ("en-US", [], "0 comments"),
        ("de-DE", ["de"], "0 Kommentare"),
    ):
        page_url, _ = embed_page(lang="")
        page = new_reader(locale=locale).page
        requests: list[str] = []
        page.on("request", lambda request, seen=requests: seen.append(request.url))
        page.goto(page_url)
        expect(page.locator("h2")).to_have_text(heading)
        locales = [url.rsplit("/", 1)[1] for url in requests if "/locales/" in url]
        assert locales == [f"{code}.json" for code in fetched]


def test_when_the_strings_cannot_be_fetched_it_speaks_english(
    new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page(locale="es")
    page = new_reader().page
    page.route("**/locales/es.json", lambda route: route.abort())
    with page.expect_console_message(lambda message: message.type == "warning") as warning:
        page.goto(page_url)
    assert 'the "es" strings could not be loaded' in warning.value.text
    expect(page.locator("h2")).to_have_text("0 comments")
    expect(page.get_by_role("textbox", name="Write a comment")).to_be_visible()
