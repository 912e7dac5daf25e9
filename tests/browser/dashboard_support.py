"""Helpers for the dashboard's browser tests: sites of their own, seeded queues, logging in.

The dashboard tests create their own sites on the shared browser-test server, so changing a
setting or emptying a queue never disturbs the widget tests that run in the same session.
"""

import json
import os
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from embed.site import SITE_CACHE_SECONDS
from tests.browser.conftest import ARTIFACTS, RELAXED, ROOT, HostSite, Platform

PASSWORD = "correct-horse-battery-staple"

CONFIGURE = """
from django_tenants.utils import schema_context
from embed.site import site_settings_update
for slug, values in {sites}.items():
    with schema_context("site_" + slug):
        site_settings_update(**values)
"""

# A realistic queue for the screenshots: what the pipeline holds and why.
SEED = """
import json
from datetime import timedelta
from django.utils import timezone
from django_tenants.utils import schema_context
from embed.models import Comment, Commenter, Thread
from embed.sanitize import render_markdown
rows = json.loads({rows!r})
with schema_context("site_" + {slug!r}):
    now = timezone.now()
    for row in rows:
        thread, _ = Thread.objects.get_or_create(url=row["url"], defaults={{"title": row["title"]}})
        author, _ = Commenter.objects.get_or_create(name=row["name"], email=row["email"])
        comment = Comment.objects.create(
            thread=thread, author=author, body=row["body"], body_html=render_markdown(row["body"]),
            status=row["status"], reasons=row["reasons"], spam_score=row["score"],
            ip=row.get("ip"),
        )
        Comment.objects.filter(pk=comment.pk).update(created=now - timedelta(minutes=row["age"]))
    # A month of history for the stats page: a weekly rhythm, and some spam.
    reader, _ = Commenter.objects.get_or_create(name="Regular", email="regular@example.org")
    for day in range(1, 30):
        published = 4 + (day * 5) % 7 + (3 if day % 7 in (1, 2) else 0)
        spam = 1 + day % 2 if day % 3 == 0 else 0
        made = Comment.objects.bulk_create(
            Comment(
                thread=thread, author=reader, body="Thanks!", body_html="<p>Thanks!</p>",
                status="spam" if n >= published else "published",
            )
            for n in range(published + spam)
        )
        Comment.objects.filter(pk__in=[c.pk for c in made]).update(
            created=now - timedelta(days=day, hours=3)
        )
"""


def site_create(platform: Platform, host_site: HostSite, slug: str, **settings: Any) -> None:
    platform.manage(
        "create_site", "--slug", slug, "--name", slug.title(),
        "--owner-email", f"owner@{slug}.example", "--owner-password", PASSWORD,
        "--origin", host_site.origin,
    )  # fmt: skip
    values = {**RELAXED, **settings}
    platform.manage("shell", "-c", CONFIGURE.format(sites={slug: values}))


def seed_queue(platform: Platform, host_site: HostSite, slug: str) -> None:
    blog = host_site.origin + "/posts/"
    rows = [
        dict(name="Lucky Larry", email="larry@jackpot.example", age=4, score=0.62,
             url=blog + "moderation", title="Moderation that learns",
             body="Great post! Also check out the best online casino bonus, free spins daily.",
             reasons=["suspect word: casino"], status="pending", ip="203.0.113.0"),
        dict(name="Hannah Becker", email="hannah@example.org", age=12, score=0.04,
             url=blog + "moderation", title="Moderation that learns",
             body="First time here. Does the filter learn per site, or is one model shared?",
             reasons=["first-time commenter"], status="pending"),
        dict(name="SEO Expert", email="", age=35, score=0.97,
             url=blog + "shadow-dom", title="Why the widget lives in a Shadow DOM",
             body="Cheap backlinks http://a.example http://b.example http://c.example",
             reasons=["3 links (limit 2)", "spam score 0.97"], status="pending"),
        dict(name="Ravi", email="ravi@example.net", age=90, score=0.11,
             url=blog + "shadow-dom", title="Why the widget lives in a Shadow DOM",
             body="This is **wrong**, and you know it. People like you ruin every thread.",
             reasons=["3 reader reports"], status="pending"),
    ]  # fmt: skip
    platform.manage("shell", "-c", SEED.format(rows=json.dumps(rows), slug=slug))


def log_in(page: Page, platform: Platform, slug: str, email: str | None = None) -> None:
    page.goto(f"{platform.base(slug)}/dashboard/")
    expect(page).to_have_url(f"{platform.base(slug)}/dashboard/login/?next=/dashboard/")
    page.get_by_label("Email").fill(email or f"owner@{slug}.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{platform.base(slug)}/dashboard/")


def site_setting(platform: Platform, slug: str, name: str, value: Any, url: str) -> None:
    """Wait until every server process sees a changed setting: each keeps the site's settings
    for SITE_CACHE_SECONDS, and a run of answers may all come from one process."""
    settled = time.monotonic() + SITE_CACHE_SECONDS + 0.5
    deadline = settled + 10
    while time.monotonic() < deadline:
        body = platform.api(slug, "GET", f"thread?url={url}")
        if body["site"].get(name) == value and time.monotonic() > settled:
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} did not become {value!r} on {slug}")


def screenshot(page: Page, name: str) -> None:
    """Into the artifacts folder always; into docs when PALAVER_SCREENSHOTS names a folder."""
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    folder = os.environ.get("PALAVER_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / name), full_page=True)
