"""Browser tests: the real app under gunicorn, host pages on another origin, real Chromium.

The platform and the host pages are the shared real-server fixtures of tests/servers.py.
Without Chromium (or the playwright package) the tests are skipped, except under CI=true,
where that is a failure.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.servers import (  # noqa: F401 - re-exported for the browser test modules
    ARTIFACTS,
    RELAXED,
    ROOT,
    ApiError,
    HostSite,
    Platform,
    unavailable,
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


# --- Chromium ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium not found (install Debian's `chromium` or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Reader:
    """One browser context: a reader with their own localStorage."""

    context: Any
    page: Any
    errors: list[str]


@pytest.fixture
def new_reader(browser: Any, platform: Platform) -> Iterator[Callable[..., Reader]]:
    readers: list[Reader] = []

    def make(**options: Any) -> Reader:
        context = browser.new_context(**{"viewport": {"width": 900, "height": 900}, **options})
        context.set_default_timeout(10_000)
        page = context.new_page()
        reader = Reader(context=context, page=page, errors=[])
        page.on("pageerror", lambda error: reader.errors.append(str(error)))
        readers.append(reader)
        return reader

    yield make
    errors = [error for reader in readers for error in reader.errors]
    for reader in readers:
        reader.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def reader(new_reader: Callable[..., Reader]) -> Reader:
    return new_reader()


@pytest.fixture
def embed_page(host_site: HostSite, platform: Platform) -> Callable[..., tuple[str, str]]:
    """Register a host page embedding `slug`'s widget for a page URL; return (page, data-url).

    `lang` is the host page's <html lang> ("" for none: the widget then follows the browser).
    """

    def make(
        slug: str = "alpha",
        url: str | None = None,
        head: str = "",
        body: str = "",
        path: str | None = None,
        lang: str = "en",
        **data: str,
    ) -> tuple[str, str]:
        url = url or host_site.new_url()
        path = path or url.removeprefix(host_site.origin)
        attributes = "".join(f' data-{key}="{value}"' for key, value in data.items())
        html = (
            f"<!doctype html><html{f' lang={lang}' if lang else ''}><head><meta charset=utf-8>"
            f'<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>A post</title>{head}</head><body><main><h1>A post</h1>{body}"
            f'<div id="palaver-thread"></div>'
            f'<script src="{platform.base(slug)}/embed.js" data-url="{url}"{attributes} async>'
            f"</script></main></body></html>"
        )
        return host_site.page(html, path=path), url

    return make
