"""The dashboard's import and export pages (the browser test drives them in Chromium)."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from embed.importers import jobs
from embed.models import Import
from palaver.celery import app
from tests.import_support import DATA


@pytest.fixture(autouse=True)
def eager(settings, tmp_path: Path):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_owner_uploads_and_reads_the_report(
    alpha, staff_client, django_capture_on_commit_callbacks
):
    owner = staff_client(alpha)
    page = owner.get("/dashboard/import/")
    assert page.status_code == 200 and b"Import comments" in page.content
    upload = SimpleUploadedFile("export.xml", (DATA / "isso-disqus.xml").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post("/dashboard/import/", {"file": upload, "format": ""})
    assert response.status_code == 302
    report = owner.get(response["Location"]).content.decode()
    assert "<strong>5</strong> comments imported" in report
    assert "1 × thread: has no link" in report
    assert "<td>66</td>" in report  # the orphan post's line
    assert "http://example.org" in report  # an origin the site does not allow yet
    listing = owner.get("/dashboard/import/").content.decode()
    assert "export.xml" in listing and "Disqus" in listing


def test_a_running_import_shows_its_progress(alpha, staff_client, in_schema):
    with in_schema(alpha):
        job = Import.objects.create(status=Import.Status.RUNNING, filename="big.xml.gz")
        jobs._progress_put(job.pk, "reading", 400, 1000, 52000)
    page = staff_client(alpha).get(f"/dashboard/import/{job.pk}/").content.decode()
    assert f'data-import-watch="/api/v1/admin/imports/{job.pk}"' in page
    assert 'value="40.0"' in page and "Reading: 40.0%, 52000 comments read" in page


def test_a_second_upload_while_one_runs_is_refused_on_the_form(alpha, staff_client, in_schema):
    with in_schema(alpha):
        Import.objects.create(status=Import.Status.QUEUED)
    upload = SimpleUploadedFile("export.xml", (DATA / "isso-disqus.xml").read_bytes())
    response = staff_client(alpha).post("/dashboard/import/", {"file": upload})
    assert response.status_code == 400
    assert "already running" in response.content.decode()


def test_the_export_downloads(alpha, staff_client, django_capture_on_commit_callbacks):
    owner = staff_client(alpha)
    upload = SimpleUploadedFile("export.xml", (DATA / "isso-disqus.xml").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        owner.post("/dashboard/import/", {"file": upload})
    response = owner.get("/dashboard/export/json/")
    assert response["Content-Disposition"].startswith('attachment; filename="alpha-comments-')
    data = json.loads(b"".join(response.streaming_content))
    assert sum(len(thread["comments"]) for thread in data["threads"]) == 5
    xml = b"".join(owner.get("/dashboard/export/disqus/").streaming_content)
    assert xml.count(b"<post ") == 5
    assert owner.get("/dashboard/export/csv/").status_code == 404


def test_moderators_and_strangers_get_nothing(alpha, beta, staff_client, client_for):
    moderator = staff_client(alpha, role="moderator")
    for path in ("/dashboard/import/", "/dashboard/export/json/"):
        assert moderator.get(path).status_code == 403
        assert client_for(alpha).get(path).status_code == 302  # to the login page
        assert staff_client(beta).get(path, HTTP_HOST="alpha.localhost").status_code == 302
