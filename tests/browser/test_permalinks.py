"""Permalinks in Chromium: a host page opened at #comment-<id> shows that comment, loading the
later pages of a long thread when the comment is not on the first."""

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Platform, Reader
from tests.browser.test_widget import shadow_eval

pytestmark = pytest.mark.browser

PAGE_SIZE = 50  # top-level comments per page (embed.selectors.PAGE_SIZE)


def test_a_permalink_opens_a_reply_on_page_three_and_follows_hash_changes(
    platform: Platform, reader: Reader, embed_page: Callable[..., tuple[str, str]]
) -> None:
    page_url, url = embed_page()
    posted = [
        platform.post("alpha", url, f"Top-level comment {n}") for n in range(2 * PAGE_SIZE + 10)
    ]
    target = platform.post("alpha", url, "The reply the e-mail links to", parent=posted[-5]["id"])
    page = reader.page
    page.goto(f"{page_url}#comment-{target['id']}")

    article = page.locator(f"article#comment-{target['id']}")
    expect(article).to_be_in_viewport()
    expect(article).to_have_attribute("data-target", "")
    expect(article.locator(".pv-body").first).to_have_text("The reply the e-mail links to")
    assert shadow_eval(page, "return root.activeElement && root.activeElement.id") == (
        f"comment-{target['id']}"
    )
    assert page.locator(".pv-list > .pv-c").count() == 2 * PAGE_SIZE + 10  # three pages

    # A link to another comment on the same page moves there without a reload.
    first = posted[0]["id"]
    page.evaluate(f"location.hash = '#comment-{first}'")
    expect(page.locator(f"article#comment-{first}")).to_be_in_viewport()
    expect(page.locator(f"article#comment-{first}")).to_have_attribute("data-target", "")
    expect(article).not_to_have_attribute("data-target", "")
