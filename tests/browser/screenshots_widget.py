"""Screenshots of the widget (light, dark, 320 px, Arabic and Hebrew) for docs/screenshots/.

Not part of the suite (the file name does not match test_*.py): `make screenshots` runs it
with PALAVER_SCREENSHOTS=docs/screenshots to refresh the documentation's copies; without that
variable they go to tests/browser/artifacts/.
"""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, ROOT, Platform, Reader

pytestmark = pytest.mark.browser

DARK_PAGE = "<style>body { background: #0d1117; color: #e6edf3 }</style>"


def _seed(platform: Platform, url: str) -> None:
    maya = platform.post(
        "alpha",
        url,
        "Thanks for reading! Questions about the **migration steps** are welcome here.",
        name="Maya Lindqvist",
    )
    jonas = platform.post(
        "alpha",
        url,
        "Worked for me on PostgreSQL 16. One thing: `pg_dump --format=custom` was much "
        "faster than a plain SQL dump.",
        name="Jonas",
    )
    tip = platform.post(
        "alpha", url, "Good tip, I'll add it to the post.", name="Maya Lindqvist",
        parent=jonas["id"], token=maya["commenter_token"],
    )  # fmt: skip
    platform.post(
        "alpha", url, "> I'll add it to the post\n\nThanks! *Much* appreciated.", name="Jonas",
        parent=tip["id"], token=jonas["commenter_token"],
    )  # fmt: skip
    priya = platform.post(
        "alpha",
        url,
        "Is there a way to keep the old schema around for a rollback? "
        "The [PostgreSQL docs](https://www.postgresql.org/docs/) are not clear on it.",
        name="Priya",
    )
    # One vote per reader (the API refuses a second anonymous vote from the same network).
    for voter in (maya, priya):
        platform.api(
            "alpha", "POST", f"comments/{jonas['id']}/vote", {"value": 1},
            token=voter["commenter_token"],
        )  # fmt: skip
    # Pinning, badges and past dates are the dashboard's business; set them directly.
    platform.manage("shell", "-c", (
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from django_tenants.utils import schema_context\n"
        "from embed.models import Comment\n"
        "with schema_context('site_alpha'):\n"
        f"    comments = Comment.objects.filter(thread__url='{url}').order_by('id')\n"
        "    for age, comment in zip([30, 26, 5, 2, 0.6], comments):\n"
        "        comment.created = timezone.now() - timedelta(hours=age)\n"
        "        comment.save(update_fields=['created'])\n"
        "    first = comments[0]\n"
        "    first.pinned = True\n"
        "    first.save(update_fields=['pinned'])\n"
        "    first.author.badge = 'Author'\n"
        "    first.author.save(update_fields=['badge'])\n"
    ))  # fmt: skip


def test_screenshots_of_the_widget(
    platform: Platform,
    new_reader: Callable[..., Reader],
    embed_page: Callable[..., tuple[str, str]],
) -> None:
    target = Path(os.environ.get("PALAVER_SCREENSHOTS") or ARTIFACTS)
    if not target.is_absolute():
        target = ROOT / target
    target.mkdir(parents=True, exist_ok=True)
    light_page, url = embed_page()
    dark_page, _ = embed_page(
        url=url, path="/dark" + url.rsplit("/", 1)[1], head=DARK_PAGE, theme="dark"
    )
    rtl_pages = {
        code: embed_page(url=url, path=f"/{code}" + url.rsplit("/", 1)[1], lang=code)[0]
        for code in ("ar", "he")
    }
    _seed(platform, url)

    shots = [
        ("widget-light.png", light_page, {"width": 760, "height": 900}),
        ("widget-dark.png", dark_page, {"width": 760, "height": 900}),
        ("widget-320px.png", light_page, {"width": 320, "height": 900}),
        ("widget-rtl-ar.png", rtl_pages["ar"], {"width": 760, "height": 900}),
        ("widget-rtl-he.png", rtl_pages["he"], {"width": 760, "height": 900}),
    ]
    for name, page_url, viewport in shots:
        page = new_reader(viewport=viewport, device_scale_factor=1).page
        page.goto(page_url)
        expect(page.locator(".pv-c")).to_have_count(5)
        expect(page.locator(".pv-pin")).to_be_visible()
        expect(page.locator(".pv-badge").first).to_have_text("Author")
        thread = page.locator("#palaver-thread")
        box = thread.bounding_box()
        assert box is not None and box["height"] > 400
        thread.screenshot(path=str(target / name))
        assert (target / name).stat().st_size > 10_000
