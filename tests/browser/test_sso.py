"""Signing in with the site's own accounts, in Chromium: by `data-sso` and by a Disqus-era
`disqus_config`, posting as that reader, name, picture and badge in the thread, the site's
sign-in link and sign-out button. The payloads are made as a site's server makes them."""

import json
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HostSite, Platform, Reader
from tests.browser.test_widget import EmbedPage, stored, top_level
from tests.sso_support import JANE, disqus_payload, jwt_payload

pytestmark = pytest.mark.browser
SLUG = "epsilon"
SITE_PAGES = """
from django_tenants.utils import schema_context
from embed.site import site_settings_update
with schema_context("site_epsilon"):
    site_settings_update(login_url={login!r}, logout_url={logout!r})
"""


@pytest.fixture(scope="module")
def secret(platform: Platform, host_site: HostSite) -> str:
    """The site's secret, as its owner gets it from the command line, and its pages."""
    login, logout = f"{host_site.origin}/login", f"{host_site.origin}/logout"
    platform.manage("shell", "-c", SITE_PAGES.format(login=login, logout=logout))
    host_site.page("<!doctype html><title>Log in</title><h1>Log in here</h1>", path="/login")
    host_site.page("<!doctype html><title>Bye</title><h1>Signed out</h1>", path="/logout")
    return platform.manage("sso_secret", SLUG).strip()


def test_a_reader_signs_in_by_data_sso_posts_and_signs_out(
    platform: Platform, reader: Reader, embed_page: EmbedPage, secret: str
) -> None:
    no_picture = {key: value for key, value in JANE.items() if key != "avatar"}
    page_url, _ = embed_page(SLUG, sso=disqus_payload(secret, no_picture))
    page = reader.page
    page.goto(page_url)

    bar = page.locator(".pv-sso")
    expect(bar).to_contain_text("Signed in as Jane Reader")
    expect(bar.locator(".pv-badge")).to_have_text("Member")
    expect(page.get_by_label("Name")).to_have_count(0)  # the sign-in names the reader
    page.get_by_role("textbox", name="Write a comment").fill("Signed in through my site")
    page.get_by_role("button", name="Post comment").click()

    mine = top_level(page).first
    expect(mine.locator(".pv-body")).to_have_text("Signed in through my site")
    expect(mine.locator(".pv-name")).to_have_text("Jane Reader")
    expect(mine.locator(".pv-badge")).to_have_text("Member")
    avatar = mine.locator("img.pv-av")
    src = avatar.get_attribute("src") or ""
    assert src.startswith(f"{platform.base(SLUG)}/avatars/") and src.endswith(".svg")
    page.wait_for_function(
        "() => document.getElementById('palaver-thread').shadowRoot"
        ".querySelector('img.pv-av').naturalWidth > 0"
    )
    assert stored(page, platform, SLUG)["signed"]["name"] == "Jane Reader"

    # Everyone sees who wrote it, with the picture and the badge.
    page.reload()
    expect(top_level(page).first.locator(".pv-badge")).to_have_text("Member")

    bar.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/logout")
    expect(page.locator("h1")).to_have_text("Signed out")
    # The same origin as the post's page: the widget forgot the reader before leaving.
    assert not stored(page, platform, SLUG).get("token")
    assert not stored(page, platform, SLUG).get("signed")


def test_a_disqus_config_page_signs_in_as_it_did_with_disqus(
    platform: Platform, reader: Reader, embed_page: EmbedPage, secret: str
) -> None:
    owner = {**JANE, "id": "owner-1", "username": "Olive Owner", "email": f"owner@{SLUG}.example"}
    config = (
        "<script>var disqus_config = function () {"
        f" this.page.remote_auth_s3 = {json.dumps(disqus_payload(secret, owner))};"
        " this.page.api_key = 'public-key'; this.sso = {name: 'Example'}; };</script>"
    )
    page_url, _ = embed_page(SLUG, head=config)
    page = reader.page
    page.goto(page_url)
    expect(page.locator(".pv-sso")).to_contain_text("Signed in as Olive Owner")
    page.get_by_role("textbox", name="Write a comment").fill("From the owner")
    page.get_by_role("button", name="Post comment").click()
    mine = top_level(page).first
    expect(mine.locator(".pv-name")).to_have_text("Olive Owner")
    expect(mine.locator(".pv-badge")).to_have_text("Owner")
    expect(mine.locator("img.pv-av")).to_have_attribute("src", JANE["avatar"])


def test_a_jwt_in_data_sso_signs_in_too(
    platform: Platform, reader: Reader, embed_page: EmbedPage, secret: str
) -> None:
    token = jwt_payload(secret, aud=f"{SLUG}.localhost", name="Jo Jwt", sub="jwt-7",
                       exp=int(time.time()) + 600)  # fmt: skip
    page_url, _ = embed_page(SLUG, sso=token)
    reader.page.goto(page_url)
    expect(reader.page.locator(".pv-sso")).to_contain_text("Signed in as Jo Jwt")


def test_a_signed_out_reader_gets_the_sites_sign_in_link(
    platform: Platform, new_reader, embed_page: EmbedPage, secret: str, host_site: HostSite
) -> None:
    reader = new_reader()
    page_url, _ = embed_page(SLUG)
    reader.page.goto(page_url)
    link = reader.page.get_by_role("link", name="Sign in to comment")
    expect(link).to_have_attribute("href", f"{host_site.origin}/login")
    # A payload the site refuses leaves the reader a guest, with the page still working.
    page_url, _ = embed_page(SLUG, sso=disqus_payload("not-the-secret", JANE))
    reader.page.goto(page_url)
    expect(reader.page.get_by_label("Name")).to_be_visible()
    assert not stored(reader.page, platform, SLUG).get("signed")
