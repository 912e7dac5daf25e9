"""The sample blog (demo/blog_server.py) with real comments: counts on the index, a thread
on each post, every data-url the post's canonical URL on the blog's origin."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from embed.spam.heuristics import MIN_HUMAN_MS
from tests.browser.conftest import ROOT, Platform, Reader

pytestmark = pytest.mark.browser


def serve_blog(platform: Platform, blog_port: int, slug: str) -> Iterator[str]:
    """Run demo/blog_server.py on `blog_port` against site `slug`; yield the blog's origin."""
    server = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, "demo/blog_server.py", "--port", str(blog_port),
         "--platform", platform.base(slug)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    origin = f"http://localhost:{blog_port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{blog_port}/", timeout=1).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.05)
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def blog(platform: Platform, blog_port: int) -> Iterator[str]:
    yield from serve_blog(platform, blog_port, "alpha")


@pytest.fixture
def demo_blog(platform: Platform, blog_port: int) -> Iterator[str]:
    """The `make demo` pair with the blog off its default port: the demo site is seeded as a
    first run would (port 8001), then again as a restart with BLOG_PORT=<blog_port>."""
    platform.manage("seed_demo")
    platform.manage("seed_demo", "--blog-port", str(blog_port))
    yield from serve_blog(platform, blog_port, "demo")


def test_the_blog_serves_snippets_pointing_at_the_platform(blog: str, platform: Platform) -> None:
    port = blog.rsplit(":", 1)[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/posts/maps-on-postgres.html") as page:  # noqa: S310
        html = page.read().decode()
    assert f'src="{platform.base("alpha")}/embed.js"' in html
    assert f'data-url="{blog}/posts/maps-on-postgres.html"' in html
    assert "{{" not in html
    with pytest.raises(urllib.error.HTTPError) as outside:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/../blog_server.py")  # noqa: S310
    assert outside.value.code == 404


def test_a_reader_comments_on_the_demo_blog(blog: str, platform: Platform, reader: Reader) -> None:
    post = f"{blog}/posts/sourdough-at-altitude.html"
    platform.post("alpha", post, "Same here at 1,200 m: less starter fixed it.", name="Olga")
    page = reader.page
    page.goto(f"{blog}/")
    count = page.locator(f'[data-palaver-count="{post}"]')
    expect(count).to_have_text("1 comment")
    expect(page.locator("[data-palaver-count]").nth(1)).to_have_text("0 comments")

    page.get_by_role("link", name="Sourdough at altitude").click()
    expect(page.locator(".pv-body")).to_have_text("Same here at 1,200 m: less starter fixed it.")
    page.get_by_role("textbox", name="Write a comment").fill("Trying this weekend!")
    page.get_by_label("Name").fill("Pat")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("h2")).to_have_text("2 comments")
    assert platform.api("alpha", "GET", f"counts?url={post}") == {post: 2}


def test_the_demo_site_follows_the_blog_to_another_port(
    demo_blog: str, platform: Platform, reader: Reader
) -> None:
    assert not demo_blog.endswith(":8001")
    page = reader.page
    page.goto(f"{demo_blog}/")
    post = f"{demo_blog}/posts/sourdough-at-altitude.html"
    expect(page.locator(f'[data-palaver-count="{post}"]')).to_have_text("4 comments")

    page.get_by_role("link", name="Sourdough at altitude").click()
    expect(page.locator("h2")).to_have_text("4 comments")
    expect(page.get_by_text("Bookmarked.")).to_be_visible()
    expect(page.get_by_text("Comments could not be loaded")).to_have_count(0)
    page.get_by_role("textbox", name="Write a comment").fill("Works on this port too.")
    page.get_by_label("Name").fill("Pat")
    # The demo site runs the full spam filter, and a post sent faster than a person can
    # write one is a spam signal (embed/spam/heuristics.py): write at a person's pace.
    page.wait_for_timeout(MIN_HUMAN_MS + 500)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("h2")).to_have_text("5 comments")
