"""Live updates in Chromium, against the real events process (the ASGI app under uvicorn) the
platform fixture runs beside gunicorn, as `make demo` does: nothing on the event stream is
canned. Changes come from another reader's widget or from the API (a reader's token, the
owner's admin token); the open page follows without a reload.

The waits are for a pushed change, not a speed target: PUSHED is well under the polling
interval (10 s), so a change that shows up within it came down the stream. Delivery times
are measured by `make bench-live` (docs/performance.md).
"""

import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, Reader

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]
PUSHED = 3000  # ms


def top_level(page: Page) -> Any:
    return page.locator(".pv-list > .pv-c")


def streaming(page: Page, platform: Platform, page_url: str) -> None:
    """Open `page_url` and wait until its widget holds a stream on the events process."""
    events = f"localhost:{platform.events_port}/api/v1/thread/events?"
    with page.expect_response(lambda response: events in response.url) as opened:
        page.goto(page_url)
    assert opened.value.status == 200
    assert opened.value.headers["content-type"] == "text/event-stream"


def test_a_comment_posted_in_one_page_appears_in_another(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    first = platform.post("alpha", url, "Already here")
    watcher, writer = new_reader().page, new_reader().page
    streaming(watcher, platform, page_url)
    watcher.get_by_role("textbox", name="Write a comment").fill("Half-typed, do not lose me")
    writer.goto(page_url)

    writer.get_by_role("textbox", name="Write a comment").fill("Fresh from elsewhere")
    writer.get_by_label("Name").fill("Quinn")
    writer.get_by_role("button", name="Post comment").click()
    expect(top_level(writer)).to_have_count(2)

    fresh = top_level(watcher).nth(1)
    expect(fresh.locator(".pv-body")).to_have_text("Fresh from elsewhere", timeout=PUSHED)
    expect(watcher.locator("[aria-live=polite]")).to_have_text("New comment by Quinn")
    expect(watcher.locator("h2")).to_have_text("2 comments")
    expect(watcher.get_by_role("textbox", name="Write a comment")).to_have_value(
        "Half-typed, do not lose me"
    )
    # A reply lands under its parent.
    platform.post("alpha", url, "A reply from afar", parent=first["id"])
    expect(top_level(watcher).nth(0).locator(".pv-replies .pv-body")).to_have_text(
        "A reply from afar", timeout=PUSHED
    )
    expect(top_level(watcher)).to_have_count(2)  # merged once, however many events came


def test_edits_pins_and_a_moderators_removals_reach_an_open_page(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    parent = platform.post("alpha", url, "Will lose its text, keep its reply", name="Ann")
    platform.post("alpha", url, "The reply that stays", name="Bo", parent=parent["id"])
    other = platform.post("alpha", url, "Soon edited, then gone", name="Cy")
    page = reader.page
    streaming(page, platform, page_url)
    expect(page.locator("h2")).to_have_text("3 comments")
    cy = top_level(page).nth(1)

    edited = platform.api(
        "alpha", "PATCH", f"comments/{other['id']}", {"body": "Mended *later*"},
        token=other["commenter_token"],
    )  # fmt: skip
    assert edited["html"] == "<p>Mended <em>later</em></p>"
    expect(cy.locator(".pv-body em")).to_have_text("later", timeout=PUSHED)
    expect(cy.locator(".pv-head")).to_contain_text("edited")

    platform.admin("alpha", "POST", f"comments/{other['id']}/pin")
    expect(cy.locator(".pv-tag", has_text="Pinned")).to_be_visible(timeout=PUSHED)

    platform.admin("alpha", "POST", f"comments/{other['id']}/delete")
    expect(top_level(page)).to_have_count(1, timeout=PUSHED)
    expect(page.get_by_text("Mended")).to_have_count(0)
    expect(page.locator("h2")).to_have_text("2 comments")

    # Removed with a reply: a placeholder holds the reply.
    platform.admin("alpha", "POST", f"comments/{parent['id']}/reject")
    ann = top_level(page).nth(0)
    expect(ann.locator(".pv-deleted").first).to_have_text(
        "This comment was deleted.", timeout=PUSHED
    )
    expect(page.get_by_text("Will lose its text")).to_have_count(0)
    expect(ann.locator(".pv-replies .pv-body")).to_have_text("The reply that stays")
    expect(page.locator("h2")).to_have_text("1 comment")


def test_a_held_comment_appears_when_a_moderator_approves_it(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page("gamma")  # gamma holds every comment
    watcher, author = new_reader().page, new_reader().page
    streaming(watcher, platform, page_url)
    author.goto(page_url)
    text = f"Worth the wait ({uuid.uuid4().hex[:8]})"
    author.get_by_role("textbox", name="Write a comment").fill(text)
    author.get_by_label("Name").fill("Hal")
    author.get_by_role("button", name="Post comment").click()
    expect(author.locator(".pv-tag", has_text="Awaiting moderation")).to_be_visible()
    expect(watcher.locator(".pv-note[role=status]")).to_contain_text("No comments yet")

    (held,) = platform.admin("gamma", "GET", "comments?q=" + quote(text))["results"]
    platform.admin("gamma", "POST", f"comments/{held['id']}/approve")
    expect(top_level(watcher).locator(".pv-body")).to_have_text(text, timeout=PUSHED)
    expect(watcher.locator("h2")).to_have_text("1 comment")
    # Its author's page follows too: no longer awaiting moderation.
    expect(author.locator(".pv-tag", has_text="Awaiting moderation")).to_have_count(
        0, timeout=PUSHED
    )


def test_a_blocked_stream_falls_back_to_polling_and_streams_again_once_it_can(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    platform.post("alpha", url, "Before the block")
    page = reader.page
    # The page's timers under the test's hand: the poll, which tries the stream again too
    # (every 10 s), is moved on at once instead of waited for.
    page.clock.install()
    blocked = re.compile(r"/api/v1/thread/events\?")
    page.route(blocked, lambda route: route.abort())  # a proxy or an extension that says no
    page.goto(page_url)
    expect(top_level(page)).to_have_count(1)

    platform.post("alpha", url, "Polled in", name="Pat")
    page.wait_for_timeout(300)  # the stream's failure has been seen
    page.clock.fast_forward(10_000)
    expect(top_level(page).nth(1).locator(".pv-body")).to_have_text("Polled in")

    page.unroute(blocked)
    events = f"localhost:{platform.events_port}/api/v1/thread/events?"
    with page.expect_response(lambda response: events in response.url) as opened:
        page.clock.fast_forward(10_000)
    assert opened.value.status == 200
    platform.post("alpha", url, "Streamed again", name="Sam")
    expect(top_level(page).nth(2).locator(".pv-body")).to_have_text(
        "Streamed again", timeout=PUSHED
    )
