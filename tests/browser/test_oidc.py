"""Signing in with the site's OpenID Connect provider, in Chromium, against the real provider
on loopback (tests/oidc_provider): the widget's button opens the popup on the site's host,
the reader logs in at the provider, the popup hands the widget its token and closes, and
the reader posts under the provider's name. The guest's earlier comment joins the account."""

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.conftest import Platform, Reader
from tests.browser.test_widget import EmbedPage, stored, top_level
from tests.oidc_support import ADA, OidcProvider

pytestmark = pytest.mark.browser
SLUG = "eta"


@pytest.fixture(scope="module")
def provider_id(platform: Platform, oidc_provider: OidcProvider) -> int:
    """The site's provider, added by its owner through the admin API and registered with
    the provider at the redirect URI the API names."""
    client_id, secret = f"eta-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    made = platform.admin(
        SLUG, "POST", "oidc-providers",
        {"kind": "oidc", "name": "Test ID", "issuer": oidc_provider.issuer,
         "client_id": client_id, "client_secret": secret},
    )  # fmt: skip
    assert "client_secret" not in made and made["has_secret"] is True
    expected = f"{platform.base(SLUG)}/auth/oidc/{made['id']}/callback"
    assert made["redirect_uri"] == expected
    oidc_provider.register(client_id=client_id, client_secret=secret, redirect_uris=[expected])
    return int(made["id"])


def test_a_reader_signs_in_with_the_provider_in_a_popup_and_posts(
    platform: Platform, reader: Reader, embed_page: EmbedPage, provider_id: int
) -> None:
    page_url, url = embed_page(SLUG)
    page = reader.page
    page.goto(page_url)

    # First as a guest: this comment joins the account at sign-in.
    page.get_by_label("Name").fill("Guest Me")
    page.get_by_role("textbox", name="Write a comment").fill("Before signing in")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page).first.locator(".pv-name")).to_have_text("Guest Me")

    sign_in = page.get_by_role("button", name="Sign in with Test ID")
    expect(sign_in).to_be_visible()
    assert_accessible(page, "the widget with a sign-in provider")
    with page.expect_popup() as opened:
        sign_in.click()
    popup = opened.value
    popup.get_by_label("Username").fill(ADA["username"])
    popup.get_by_label("Password").fill(ADA["password"])
    popup.get_by_role("button", name="Log in").click()
    popup.wait_for_event("close", timeout=30_000)

    bar = page.locator(".pv-oidc")
    expect(bar).to_contain_text("Signed in as Ada Lovelace")
    expect(page.get_by_label("Name")).to_have_count(0)  # the provider names the reader
    assert stored(page, platform, SLUG)["signed"]["name"] == "Ada Lovelace"
    assert_accessible(page, "the widget signed in with a provider")

    page.get_by_role("textbox", name="Write a comment").fill("Signed in with my provider")
    page.get_by_role("button", name="Post comment").click()
    mine = top_level(page).nth(1)  # oldest first
    expect(mine.locator(".pv-body")).to_have_text("Signed in with my provider")
    expect(mine.locator(".pv-name")).to_have_text("Ada Lovelace")
    expect(mine.locator("img.pv-av")).to_have_attribute("src", "https://pictures.example/ada.png")

    # Everyone sees it under the provider's name, the guest's comment too.
    thread = platform.api(SLUG, "GET", f"thread?url={url}")
    assert [c["author"]["name"] for c in thread["comments"]] == ["Ada Lovelace"] * 2

    bar.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with Test ID")).to_be_visible()
    expect(page.get_by_label("Name")).to_be_visible()
    assert not stored(page, platform, SLUG).get("token")


def test_a_page_of_another_origin_gets_a_refusal_and_no_token(
    platform: Platform, reader: Reader, provider_id: int
) -> None:
    page = reader.page
    page.goto(f"{platform.base(SLUG)}/auth/oidc/{provider_id}/start?origin=https://evil.example")
    expect(page.locator("h1")).to_have_text("Sign-in refused")
    expect(page.get_by_role("status")).to_contain_text("not one of this site's pages")
