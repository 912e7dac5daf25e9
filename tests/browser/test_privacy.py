"""A reader's data in Chromium: "Your data" downloads everything the site holds about the
reader as JSON, and erasing it (after a confirmation) turns their comment with a reply into
a "deleted" placeholder, removes the other and forgets the token; axe finds nothing."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.conftest import Platform, Reader
from tests.browser.test_widget import stored, top_level

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]


def test_a_reader_downloads_then_erases_their_data(
    platform: Platform, reader: Reader, embed_page: EmbedPage, tmp_path: Path
) -> None:
    page_url, url = embed_page()
    page = reader.page
    page.goto(page_url)
    expect(page.get_by_text("Your data")).to_have_count(0)  # no token, no part fetched
    page.get_by_role("textbox", name="Write a comment").fill("Answer me, someone")
    page.get_by_label("Name").fill("Nora")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page)).to_have_count(1)
    token = stored(page, platform)["token"]
    answered = platform.api("alpha", "GET", f"thread?url={url}")["comments"][0]["id"]
    platform.post("alpha", url, "Here is an answer", name="Otto", parent=answered)
    platform.post("alpha", url, "A second thought of mine", name="Nora", token=token)
    page.reload()
    expect(top_level(page)).to_have_count(2)

    page.get_by_text("Your data").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data (JSON)").click()
    saved = tmp_path / "data.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["reader"]["name"] == "Nora"
    assert [c["body"] for c in data["comments"]] == [
        "Answer me, someone",
        "A second thought of mine",
    ]
    assert all(c["url"] == url for c in data["comments"])

    page.get_by_role("button", name="Erase my data…").click()
    confirm = page.get_by_role("button", name="Erase everything")
    expect(confirm).to_be_focused()
    assert_accessible(page, "the data panel asking to confirm")
    confirm.click()

    expect(page.get_by_role("status").filter(has_text="was erased")).to_be_visible()
    expect(top_level(page)).to_have_count(1)
    placeholder = top_level(page).nth(0)
    expect(placeholder.locator(".pv-deleted")).to_have_text("This comment was deleted.")
    expect(placeholder.locator(".pv-replies .pv-body")).to_have_text("Here is an answer")
    assert not stored(page, platform).get("token")
    assert platform.api("alpha", "GET", f"thread?url={url}")["thread"]["comment_count"] == 1
    page.reload()
    expect(top_level(page)).to_have_count(1)
    expect(page.get_by_text("Your data")).to_have_count(0)


def test_your_data_speaks_the_widgets_language(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page(lang="ar")
    token = platform.post("alpha", url, "تعليق", name="Nadia")["commenter_token"]
    page = reader.page
    page.goto(page_url)
    key = f"palaver:{platform.base('alpha')}"
    page.evaluate(
        "([key, token]) => localStorage.setItem(key, JSON.stringify({token}))", [key, token]
    )
    page.reload()
    page.get_by_text("بياناتك").click()
    expect(page.get_by_role("button", name="تنزيل بياناتي (JSON)")).to_be_visible()
    assert_accessible(page, "Your data in Arabic")
