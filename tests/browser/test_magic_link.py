"""Signing in by a link e-mailed to the reader, in Chromium: a guest asks for a link in the
widget, the link is read from the real SMTP sink and opened, the widget is signed in (the
code gone from the address bar), the guest's earlier comment joins the account, a comment
carries the reader's name, a used link is refused in words, and signing out."""

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.a11y import assert_accessible
from tests.browser.conftest import Platform, Reader
from tests.browser.test_widget import stored, top_level
from tests.mailsink import MailSink, parts

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]
SLUG = "zeta"  # a site with sign-in by e-mail link on (tests/servers.py)


def composer(page: Page):
    """The main comment box (the sign-in form is a form too)."""
    return page.locator("form.pv-form", has=page.get_by_role("textbox", name="Write a comment"))


def test_a_guest_signs_in_by_email_link_posts_as_themselves_and_signs_out(
    platform: Platform, reader: Reader, embed_page: EmbedPage, mail_sink_server: MailSink
) -> None:
    address = f"rita-{uuid.uuid4().hex[:8]}@example.org"
    page_url, url = embed_page(SLUG)
    page = reader.page
    page.goto(page_url)

    # A guest first: their comment joins the account when they sign in on this browser.
    composer(page).get_by_role("textbox", name="Name").fill("Gus")
    page.get_by_role("textbox", name="Write a comment").fill("Written as a guest")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page)).to_have_count(1)

    ask = page.get_by_role("button", name="Sign in by e-mail")
    expect(ask).to_have_attribute("aria-expanded", "false")
    ask.click()
    expect(ask).to_have_attribute("aria-expanded", "true")
    box = page.locator(".pv-signin")
    email = box.get_by_role("textbox", name="Email (not shown)")
    expect(email).to_be_focused()
    assert_accessible(page, "the sign-in form, open")
    email.fill(address)
    name = box.get_by_role("textbox", name="Name")
    expect(name).to_have_value("Gus")  # what the guest went by, to keep or change
    name.fill("Rita")
    box.get_by_role("button", name="Send me a sign-in link").click()
    expect(box.locator("[role=status]")).to_contain_text("Check your inbox")
    expect(box.locator("form")).to_be_hidden()

    mail_sink_server.wait_for(lambda _: bool(mail_sink_server.to(address)))
    (mail,) = mail_sink_server.to(address)
    text, _ = parts(mail)
    link = re.search(re.escape(url) + r"#palaver-magic=[\w-]+", text)
    assert link is not None, text

    # Opened from the mail client: a new tab of the same browser.
    tab = reader.context.new_page()
    tab.goto(link[0])
    bar = tab.locator(".pv-sso")
    expect(bar).to_contain_text("Signed in as Rita")
    expect(bar.locator(".pv-badge")).to_have_text("Member")
    assert "palaver-magic" not in tab.url  # out of the address bar, history and Referer
    assert stored(tab, platform, SLUG)["signed"]["name"] == "Rita"
    expect(tab.get_by_role("button", name="Sign in by e-mail")).to_have_count(0)
    expect(composer(tab).get_by_role("textbox", name="Name")).to_have_count(0)
    expect(top_level(tab).first.locator(".pv-name")).to_have_text("Rita")  # the guest's comment

    tab.get_by_role("textbox", name="Write a comment").fill("Signed in by e-mail")
    tab.get_by_role("button", name="Post comment").click()
    expect(top_level(tab)).to_have_count(2)
    mine = top_level(tab).last
    expect(mine.locator(".pv-body")).to_have_text("Signed in by e-mail")
    expect(mine.locator(".pv-name")).to_have_text("Rita")
    src = mine.locator("img.pv-av").get_attribute("src") or ""
    assert src.startswith(f"{platform.base(SLUG)}/avatars/") and src.endswith(".svg")
    assert_accessible(tab, "signed in by e-mail")
    names = {
        c["author"]["name"] for c in platform.api(SLUG, "GET", "thread?url=" + url)["comments"]
    }
    assert names == {"Rita"}

    # The link worked once: opened again, it is refused in words, and nothing changes.
    again = reader.context.new_page()
    again.goto(link[0])
    expect(again.locator(".pv-signin [role=status]")).to_contain_text("used or has expired")
    expect(again.locator(".pv-sso")).to_contain_text("Signed in as Rita")
    again.close()

    bar.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("button", name="Sign in by e-mail")).to_be_visible()
    assert not stored(tab, platform, SLUG).get("token")
    assert not stored(tab, platform, SLUG).get("signed")
