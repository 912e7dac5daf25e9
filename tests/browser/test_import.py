"""Import and export in the dashboard, in Chromium: upload a Disqus export, read the report,
see the imported thread in the widget like a native one; follow a running import's progress
bar as it moves; download the export."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HostSite, Platform, Reader
from tests.browser.dashboard_support import log_in, site_create
from tests.import_support import disqus_file, dq_post, dq_thread

pytestmark = pytest.mark.browser

SITE = "dashimp"
EmbedPage = Callable[..., tuple[str, str]]

RUNNING = """
from django_tenants.utils import schema_context
from embed.importers import jobs
from embed.models import Import
with schema_context("site_{slug}"):
    job = Import.objects.create(status="running", filename="big-export.xml.gz", size=1000)
    jobs._progress_put(job.pk, "reading", 300, 1000, 4200)
    print(job.pk)
"""
ADVANCE = """
from django_tenants.utils import schema_context
from embed.importers import jobs
from embed.models import Import
with schema_context("site_{slug}"):
    jobs._progress_put({pk}, "reading", 650, 1000, 9100)
"""
FINISH = """
from django_tenants.utils import schema_context
from embed.models import Import
with schema_context("site_{slug}"):
    Import.objects.filter(pk={pk}).update(status="done", active=None, comments=9100, threads=12)
"""


@pytest.fixture(scope="module")
def site(platform: Platform, host_site: HostSite) -> Iterator[None]:
    site_create(platform, host_site, SITE)
    yield


def test_an_uploaded_export_reads_in_the_widget_like_native_comments(
    site: None,
    platform: Platform,
    host_site: HostSite,
    new_reader: Callable[..., Reader],
    embed_page: EmbedPage,
    tmp_path: Path,
) -> None:
    url = host_site.new_url()
    export = disqus_file(
        tmp_path,
        dq_thread("1", url + "?utm_source=newsletter", title="Imported post"),
        dq_post("11", "1", "<p>Moved in from <b>Disqus</b></p>", name="Ada"),
        dq_post("12", "1", "<p>A reply that came along</p>", parent="11", name="Ben"),
        dq_post("13", "1", "<p>Cheap pills</p>", spam=True, name="Spammer"),
        dq_post("14", "404", "<p>Lost thread</p>"),
        zipped=True,
    )
    owner = new_reader().page
    log_in(owner, platform, SITE)
    owner.get_by_role("link", name="Import & export", exact=True).click()
    owner.get_by_label("Export file").set_input_files(str(export))
    owner.get_by_role("button", name="Import").click()
    expect(owner.get_by_role("heading", name="Done")).to_be_visible()
    expect(owner.locator(".tile").first).to_have_text("3 comments imported")
    report = owner.get_by_role("table")
    expect(report).to_contain_text("its thread is not in the file")
    expect(report.locator("tbody td").first).to_have_text("39")  # the orphan post's line

    page_url, _ = embed_page(SITE, url=url)
    reader = new_reader().page
    reader.goto(page_url)
    expect(reader.locator("h2")).to_have_text("2 comments")
    top = reader.locator(".pv-list > .pv-c")
    expect(top).to_have_count(1)
    expect(top.locator(".pv-name").first).to_have_text("Ada")
    expect(top.locator(".pv-body").first).to_contain_text("Moved in from Disqus")
    expect(top.locator(".pv-body strong").first).to_have_text("Disqus")
    expect(top.locator(".pv-c .pv-body")).to_have_text("A reply that came along")
    expect(reader.get_by_text("Cheap pills")).to_have_count(0)

    owner.get_by_role("link", name="Import & export", exact=True).click()
    with owner.expect_download() as download:
        owner.get_by_role("link", name="Download JSON").click()
    data = json.loads(Path(download.value.path()).read_text())
    bodies = [c["body"] for t in data["threads"] for c in t["comments"]]
    assert "Moved in from Disqus" in bodies and "A reply that came along" in bodies


def test_a_running_import_moves_its_progress_bar_then_shows_the_report(
    site: None, platform: Platform, reader: Reader
) -> None:
    output = platform.manage("shell", "-c", RUNNING.format(slug=SITE))
    pk = next(line for line in output.splitlines() if line.strip().isdigit()).strip()
    page = reader.page
    log_in(page, platform, SITE)
    page.goto(f"{platform.base(SITE)}/dashboard/import/{pk}/")
    bar = page.locator("#import-progress")
    expect(bar).to_have_attribute("value", "30.0")
    expect(page.locator("[data-import-text]")).to_have_text("Reading: 30.0%, 4200 comments read")
    platform.manage("shell", "-c", ADVANCE.format(slug=SITE, pk=pk))
    expect(page.locator("[data-import-text]")).to_have_text("Reading: 65%, 9100 comments read")
    expect(bar).to_have_js_property("value", 65)
    platform.manage("shell", "-c", FINISH.format(slug=SITE, pk=pk))
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    expect(page.locator(".tile").first).to_have_text("9100 comments imported")
