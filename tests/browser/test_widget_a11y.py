"""Accessibility of the widget in Chromium: an axe-core scan (WCAG 2.1 AA) of every state a
reader meets finds nothing, and keyboard focus goes somewhere sensible after each action."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.a11y import assert_accessible, violations
from tests.browser.conftest import Platform, Reader
from tests.browser.test_widget import shadow_eval, top_level

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]
DARK_PAGE = "<style>body { background: #0d1117; color: #e6edf3 }</style>"


def focused(page: Page) -> str:
    """What has focus inside the widget: "<tag>#<id>", or its tag alone."""
    return shadow_eval(
        page,
        "const el = root.activeElement;"
        "return el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') : '';",
    )


def seed(platform: Platform, url: str, slug: str = "alpha") -> None:
    first = platform.post(slug, url, "First, with **bold**, `code` and a [link](https://a.example)")
    platform.post(slug, url, "> quoted\n\nA reply", name="Bob", parent=first["id"])
    platform.post(slug, url, "Second thought", name="Cy")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_state_of_the_widget_passes_axe(
    platform: Platform, reader: Reader, embed_page: EmbedPage, theme: str
) -> None:
    head = DARK_PAGE if theme == "dark" else ""
    page_url, url = embed_page(theme=theme, head=head)
    page = reader.page
    page.goto(page_url)
    expect(page.locator(".pv-note[role=status]")).to_contain_text("No comments yet")
    assert_accessible(page, f"{theme}: empty thread")

    page.get_by_label("Name").fill("Jo")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".pv-msg[role=alert]")).to_contain_text("Write something")
    assert_accessible(page, f"{theme}: validation errors")

    seed(platform, url)
    page.get_by_role("textbox", name="Write a comment").fill("Mine, to edit")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("[aria-live=polite]")).to_have_text("Your comment was posted.")
    page.reload()
    expect(page.locator(".pv-c")).to_have_count(4)
    assert_accessible(page, f"{theme}: a thread with replies, votes and own comments")

    first = top_level(page).nth(0)
    first.locator(".pv-actions").first.get_by_role("button", name="Reply").click()
    expect(page.get_by_role("textbox", name="Reply to Rita")).to_be_focused()
    assert_accessible(page, f"{theme}: reply box open")
    first.locator("form").get_by_role("button", name="Cancel").click()

    first.get_by_role("button", name="Flag").first.click()
    assert_accessible(page, f"{theme}: flag form open")
    first.locator("form").get_by_role("button", name="Cancel").click()

    mine = page.locator(".pv-c", has_text="Mine, to edit")
    mine.get_by_role("button", name="Edit").click()
    expect(mine.locator("form textarea")).to_be_focused()
    assert_accessible(page, f"{theme}: edit box open")
    mine.get_by_role("button", name="Delete").click()
    expect(mine.get_by_role("button", name="Really delete?")).to_be_visible()
    assert_accessible(page, f"{theme}: delete asks for confirmation")

    first.locator(".pv-toggle").click()
    assert_accessible(page, f"{theme}: a collapsed subtree")


def test_the_held_notice_and_a_load_error_pass_axe(reader: Reader, embed_page: EmbedPage) -> None:
    page_url, _ = embed_page("gamma")  # gamma holds every comment for moderation
    page = reader.page
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("Please approve me")
    page.get_by_label("Name").fill("Lee")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".pv-wait")).to_have_text("Awaiting moderation")
    assert_accessible(page, "a comment held for moderation")

    thread_api = re.compile(r"/api/v1/thread\?")
    page.route(thread_api, lambda route: route.abort("connectionrefused"))
    page.reload()
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    assert_accessible(page, "the thread could not be loaded")


def test_an_rtl_thread_passes_axe(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page(lang="ar")
    seed(platform, url)
    reader.page.goto(page_url)
    expect(reader.page.locator("h2")).to_have_text("3 تعليقات")
    assert_accessible(reader.page, "Arabic, right to left")


def test_focus_follows_the_reader_through_posting_replying_deleting_and_loading_more(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    for number in range(52):
        platform.post("alpha", url, f"Comment {number}")
    page = reader.page
    page.goto(page_url)
    expect(top_level(page)).to_have_count(50)

    # Load more: the button hides, focus lands on the first comment it brought.
    page.get_by_role("button", name="Load more comments").focus()
    page.keyboard.press("Enter")
    expect(top_level(page)).to_have_count(52)
    assert focused(page) == f"article#{top_level(page).nth(50).get_attribute('id')}"

    # Posting: the comment box keeps focus, emptied, ready for more.
    box = page.get_by_role("textbox", name="Write a comment")
    box.fill("My own")
    page.get_by_label("Name").fill("Fay")
    box.focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("[aria-live=polite]")).to_have_text("Your comment was posted.")
    expect(box).to_have_value("")
    expect(box).to_be_focused()

    # Replying: the box closes, focus goes to the new reply.
    mine = page.locator(".pv-c", has_text="My own")
    mine.get_by_role("button", name="Reply").click()
    page.get_by_role("textbox", name="Reply to Fay").fill("A reply to myself")
    page.keyboard.press("Control+Enter")
    reply = mine.locator(".pv-replies > .pv-c")
    expect(reply.locator(".pv-body")).to_have_text("A reply to myself")
    assert focused(page) == f"article#{reply.get_attribute('id')}"

    # Editing: the box closes, focus goes to the edited comment.
    reply.get_by_role("button", name="Edit").click()
    reply.locator("form textarea").fill("An edited reply")
    page.keyboard.press("Control+Enter")
    expect(reply.locator(".pv-body")).to_have_text("An edited reply")
    assert focused(page) == f"article#{reply.get_attribute('id')}"

    # Deleting: the button is gone; focus goes to the comment it answered, then the heading.
    reply.get_by_role("button", name="Delete").click()
    reply.get_by_role("button", name="Really delete?").click()
    expect(reply).to_have_count(0)
    assert focused(page) == f"article#{mine.get_attribute('id')}"
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Really delete?").click()
    expect(mine).to_have_count(0)
    assert focused(page) == "h2"


def test_a_new_comment_from_someone_else_is_announced_once(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    page = reader.page
    page.goto(page_url)  # live updates from the real events process
    expect(page.locator("h2")).to_have_text("0 comments")
    shadow_eval(
        page,
        "window.said = []; const live = root.querySelector('[aria-live=polite]');"
        "new MutationObserver(() => live.textContent && said.push(live.textContent))"
        ".observe(live, {childList: true, characterData: true, subtree: true});",
    )
    page.get_by_role("textbox", name="Write a comment").fill("Mine")
    page.get_by_label("Name").fill("Fay")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("h2")).to_have_text("1 comment")
    platform.post("alpha", url, "Someone else's", name="Gus")
    expect(page.locator(".pv-c", has_text="Someone else's")).to_be_visible()
    # Heartbeats and the events of the reader's own comment come and go without a word.
    page.wait_for_timeout(2000)
    assert page.evaluate("window.said") == ["Your comment was posted.", "New comment by Gus"]


def test_the_scan_reaches_into_the_widgets_shadow_root(
    reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page()
    page = reader.page
    page.goto(page_url)
    expect(page.locator("h2")).to_have_text("0 comments")
    shadow_eval(page, "root.querySelector('.pv-top').append(document.createElement('button'))")
    found = violations(page)
    assert len(found) == 1 and found[0].startswith("button-name:"), found
    assert "#palaver-thread" in found[0]
