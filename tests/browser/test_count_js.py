"""count.js on index pages: long lists of real URLs, and failures that say so."""

import html
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HostSite, Platform, Reader

pytestmark = pytest.mark.browser


def real_urls(host_site: HostSite, count: int) -> list[str]:
    """Post URLs as blogs write them (about 130 characters each), unique to this test."""
    run = host_site.new_url().rsplit("/", 1)[1]
    return [
        f"{host_site.origin}/2024/05/{run}-{i:03d}-why-our-maps-moved-to-postgresql-and-what"
        "-we-learned/?utm_source=newsletter&utm_medium=email"
        for i in range(count)
    ]


def index_page(platform: Platform, urls: list[str]) -> str:
    items = "".join(
        f'<li><a href="{html.escape(url)}">Post {i}</a> '
        f'<span data-palaver-count="{html.escape(url)}" data-palaver-one="{{n}} comment"'
        ' data-palaver-many="{n} comments">…</span>'
        for i, url in enumerate(urls)
    )
    return (
        f"<!doctype html><meta charset=utf-8><title>Blog</title><ul>{items}</ul>"
        f'<script src="{platform.base("alpha")}/count.js" async></script>'
    )


def count_requests(page: Any) -> list[Any]:
    """The page's count requests from now on (preflights left out)."""
    requests: list[Any] = []

    def seen(request: Any) -> None:
        if "/api/v1/counts" in request.url and request.method != "OPTIONS":
            requests.append(request)

    page.on("request", seen)
    return requests


def console_warnings(page: Any) -> list[str]:
    warnings: list[str] = []

    def seen(message: Any) -> None:
        if message.type == "warning":
            warnings.append(message.text)

    page.on("console", seen)
    return warnings


def test_it_fills_500_counts_of_real_length_urls(
    platform: Platform, host_site: HostSite, reader: Reader
) -> None:
    urls = real_urls(host_site, 500)
    platform.post("alpha", urls[0], "First")
    platform.post("alpha", urls[0], "Second")
    platform.post("alpha", urls[499], "Last")
    page = reader.page
    requests = count_requests(page)
    warnings = console_warnings(page)
    page.goto(host_site.page(index_page(platform, urls)))

    counts = page.locator("[data-palaver-count]")
    expect(counts.nth(0)).to_have_text("2 comments")
    expect(counts.nth(499)).to_have_text("1 comment")
    expect(page.locator("[data-palaver-count]:text-is('0 comments')")).to_have_count(498)
    # Far too long for a request line: one POST with a JSON body.
    assert [request.method for request in requests] == ["POST"]
    assert len(requests[0].post_data) > 60_000
    assert warnings == []


def test_past_500_urls_it_sends_batches(
    platform: Platform, host_site: HostSite, reader: Reader
) -> None:
    urls = real_urls(host_site, 640)
    platform.post("alpha", urls[600], "In the second batch")
    page = reader.page
    requests = count_requests(page)
    page.goto(host_site.page(index_page(platform, urls)))
    expect(page.locator("[data-palaver-count]").nth(600)).to_have_text("1 comment")
    expect(page.locator("[data-palaver-count]:text-is('0 comments')")).to_have_count(639)
    assert [request.method for request in requests] == ["POST", "POST"]


def test_a_short_list_still_goes_in_one_cacheable_get(
    platform: Platform, host_site: HostSite, reader: Reader
) -> None:
    urls = [host_site.new_url() for _ in range(3)]
    platform.post("alpha", urls[1], "Hello")
    page = reader.page
    requests = count_requests(page)
    page.goto(host_site.page(index_page(platform, urls)))
    expect(page.locator("[data-palaver-count]")).to_have_text(
        ["0 comments", "1 comment", "0 comments"]
    )
    assert [request.method for request in requests] == ["GET"]


@pytest.mark.parametrize("count", [3, 500])
def test_a_failed_request_is_reported_on_the_console(
    platform: Platform, host_site: HostSite, reader: Reader, count: int
) -> None:
    # The same page on an origin the site does not allow: CORS withholds the answer.
    page_url = host_site.page(index_page(platform, real_urls(host_site, count)))
    page = reader.page
    with page.expect_console_message(
        lambda message: message.type == "warning" and "Palaver:" in message.text
    ) as warning:
        page.goto(page_url.replace("127.0.0.1", "localhost"))
    assert "comment counts could not be loaded" in warning.value.text
    expect(page.locator("[data-palaver-count]").first).to_have_text("…")
