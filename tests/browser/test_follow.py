"""Following a thread from the widget: reply e-mails asked for in the comment box (through
the real SMTP sink, links followed in Chromium) and the thread's Atom feed link."""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, Reader
from tests.mailsink import MailSink, parts

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]
NOTIFY = "E-mail me replies (confirm by e-mail first)"


def top_level(page: Page) -> Any:
    return page.locator(".pv-list > .pv-c")


def link_in(text: str, pattern: str) -> str:
    found = re.search(pattern, text)
    assert found is not None, f"no {pattern} in {text!r}"
    return found.group(0)


def test_a_guest_asks_for_reply_emails_confirms_and_follows_the_reply_link(
    platform: Platform,
    reader: Reader,
    embed_page: EmbedPage,
    mail_sink_server: MailSink,
) -> None:
    # A tall page: the widget starts below the fold, so reaching the reply is the widget's doing.
    page_url, url = embed_page(body='<div style="height: 3000px">A long article</div>')
    address = f"nell-{uuid.uuid4().hex[:8]}@example.org"
    page = reader.page
    page.goto(page_url)
    notify = page.get_by_label(NOTIFY)
    expect(notify).to_be_hidden()  # nothing to send replies to yet
    page.get_by_label("Email (not shown)").fill(address)
    expect(notify).to_be_visible()
    notify.check()
    page.get_by_role("textbox", name="Write a comment").fill("Tell me when someone answers")
    page.get_by_label("Name").fill("Nell")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page)).to_have_count(1)

    # Double opt-in: a confirmation first, whose link is followed in the browser.
    mail_sink_server.wait_for(lambda _: bool(mail_sink_server.to(address)))
    (confirmation,) = mail_sink_server.to(address)
    text, _ = parts(confirmation)
    page.goto(link_in(text, r"http://\S+/mail/confirm/\S+"))
    page.get_by_role("button", name="Yes, send me e-mails about replies").click()
    expect(page.get_by_role("heading")).to_contain_text("onfirm")

    mine = platform.api("alpha", "GET", "thread?url=" + url)["comments"][0]
    reply = platform.post("alpha", url, "Here is your answer", name="Otto", parent=mine["id"])
    mail_sink_server.wait_for(lambda _: len(mail_sink_server.to(address)) == 2)
    text, html = parts(mail_sink_server.to(address)[-1])
    assert "Here is your answer" in text and "Here is your answer" in html
    comment_link = link_in(text, re.escape(url) + r"#comment-\d+")
    assert comment_link.endswith(f"#comment-{reply['id']}")

    # The link opens the page scrolled to the reply, inside the widget's shadow root.
    page.goto(page_url + comment_link.removeprefix(url))
    answer = page.locator(".pv-replies .pv-c", has_text="Here is your answer")
    expect(answer).to_be_in_viewport()


def test_a_signed_out_reader_without_an_address_is_not_offered_reply_emails(
    reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page()
    page = reader.page
    page.goto(page_url)
    email = page.get_by_label("Email (not shown)")
    email.fill("not an address")
    expect(page.get_by_label(NOTIFY)).to_be_hidden()
    email.fill("ok@example.org")
    expect(page.get_by_label(NOTIFY)).to_be_visible()
    email.fill("")
    expect(page.get_by_label(NOTIFY)).to_be_hidden()


def test_the_feed_link_serves_the_thread_from_before_its_first_comment(
    reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page()
    page = reader.page
    page.goto(page_url)
    feed = page.get_by_role("link", name="Comments feed")
    href = feed.get_attribute("href")
    assert href is not None and "/feeds/thread.atom?url=" in href
    page.get_by_role("textbox", name="Write a comment").fill("Subscribe to this")
    page.get_by_label("Name").fill("Fay")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page)).to_have_count(1)

    with page.context.expect_event("response", lambda r: r.url == href) as opened:
        feed.click()
    answer = opened.value
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    assert "Subscribe to this" in answer.text()
