"""The widget's languages in Chromium: counts by Intl.PluralRules, right-to-left layout for
Arabic and Hebrew, and only the strings in use fetched."""

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Platform, Reader
from tests.browser.test_widget import shadow_eval, top_level

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]
LOCALES = ROOT / "widget" / "src" / "locales"


def test_every_count_has_each_plural_form_chromium_asks_for(
    reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page()
    reader.page.goto(page_url)
    for path in sorted(LOCALES.glob("*.json")):
        count = json.loads(path.read_text())["count"]
        categories = reader.page.evaluate(
            "code => new Intl.PluralRules(code).resolvedOptions().pluralCategories", path.stem
        )
        assert set(categories) <= set(count), (path.stem, set(categories) - set(count))


@pytest.mark.parametrize(
    ("locale", "headings"),
    [
        ("pl", ["1 komentarz", "2 komentarze", "5 komentarzy"]),
        ("ar", ["تعليق واحد", "تعليقان", "5 تعليقات"]),
        ("ja", ["コメント 1 件", "コメント 2 件", "コメント 5 件"]),
    ],
)
def test_the_heading_counts_by_the_languages_plural_rules(
    platform: Platform,
    reader: Reader,
    embed_page: EmbedPage,
    locale: str,
    headings: list[str],
) -> None:
    page_url, url = embed_page(locale=locale)
    page = reader.page
    posted = 0
    for total, heading in zip([1, 2, 5], headings, strict=True):
        for _ in range(total - posted):
            platform.post("alpha", url, f"Comment {posted}")
            posted += 1
        page.goto(page_url)
        expect(page.locator("h2")).to_have_text(heading)


@pytest.mark.parametrize("locale", ["ar", "he"])
def test_arabic_and_hebrew_run_right_to_left(
    platform: Platform, reader: Reader, embed_page: EmbedPage, locale: str
) -> None:
    page_url, url = embed_page(lang=locale)
    first = platform.post("alpha", url, "مرحبا" if locale == "ar" else "שלום", name="Nour")
    platform.post("alpha", url, "Hello", name="Ben", parent=first["id"])
    page = reader.page
    page.goto(page_url)
    expect(top_level(page)).to_have_count(1)
    root = shadow_eval(page, "const s = root.querySelector('section'); return [s.dir, s.lang]")
    assert root == ["rtl", locale]
    # The avatar stands right of the name, replies are indented from the right, and the
    # heading sits at the right edge.
    comment = top_level(page).nth(0)
    avatar = comment.locator(".pv-av").first.bounding_box()
    name = comment.locator(".pv-name").first.bounding_box()
    own = comment.locator(".pv-main").first.bounding_box()
    reply = comment.locator(":scope > .pv-replies").bounding_box()
    heading = page.locator("h2").bounding_box()
    sort = page.locator(".pv-sort").bounding_box()
    assert avatar and name and own and reply and heading and sort
    assert avatar["x"] > name["x"]
    assert reply["x"] + reply["width"] < own["x"] + own["width"]
    assert heading["x"] > sort["x"]


def test_only_the_locale_in_use_is_fetched_from_the_page_lang(
    new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page(lang="he")
    page = new_reader(locale="de-DE").page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_url)
    expect(page.locator("h2")).to_have_text("0 תגובות")
    assert [url.rsplit("/", 1)[1] for url in requests if "/locales/" in url] == ["he.json"]
