"""The admin API's imports: owner only, one at a time, stored safely, run as a task (eager
here; tests/test_import_worker.py runs a real worker), progress and report."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from embed.importers import jobs
from embed.models import Comment, Import
from palaver.celery import app
from tests.import_support import DATA

URL = "/api/v1/admin/imports"


@pytest.fixture(autouse=True)
def eager(settings, tmp_path: Path) -> Iterator[Path]:
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    app.conf.task_always_eager = True
    yield tmp_path / "uploads"
    app.conf.task_always_eager = False


def upload(name: str = "isso-disqus.xml", as_name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(as_name or name, (DATA / name).read_bytes())


def post(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, data)


def test_the_owner_imports_a_file_and_follows_it(
    alpha, staff_client, in_schema, eager, django_capture_on_commit_callbacks
):
    owner = staff_client(alpha)
    response = post(
        owner, django_capture_on_commit_callbacks, file=upload(as_name="../../../etc/passwd.xml")
    )
    assert response.status_code == 202
    created = response.json()
    # Queued, or already done: the eager task runs at COMMIT, before the answer.
    assert created["status"] in ("queued", "done") and created["filename"] == "passwd.xml"
    assert response["Location"] == f"{URL}/{created['id']}"
    body = owner.get(f"{URL}/{created['id']}").json()
    assert body["status"] == "done" and body["detected"] == "disqus"
    assert body["counts"] == {
        "threads": 2, "threads_created": 2, "comments": 5, "comments_created": 5,
        "comments_updated": 0, "skipped": 2,
    }  # fmt: skip
    assert body["report"]["skipped"] == {
        "thread: has no link": 1,
        "comment: its thread is not in the file": 1,
    }
    assert body["progress"] is None and body["error"] is None
    with in_schema(alpha):
        assert Comment.objects.count() == 5
        job = Import.objects.get()
        # Stored in the site's own folder under the import's name, then deleted.
        assert Path(job.path).parent == eager / "site_alpha"
        assert Path(job.path).name.startswith(f"{job.pk}-")
        assert not Path(job.path).exists()
        assert job.active is None
    listing = owner.get(URL).json()
    assert [item["id"] for item in listing["results"]] == [created["id"]]


def test_a_refused_file_fails_with_its_line(
    alpha, staff_client, django_capture_on_commit_callbacks
):
    owner = staff_client(alpha)
    created = post(owner, django_capture_on_commit_callbacks, file=upload("remark42-disqus.xml"))
    body = owner.get(f"{URL}/{created.json()['id']}").json()
    assert body["status"] == "failed"
    assert body["error"].startswith("line 1: The file is not well-formed XML")


def test_one_import_at_a_time(alpha, staff_client, in_schema, django_capture_on_commit_callbacks):
    owner = staff_client(alpha)
    with in_schema(alpha):
        Import.objects.create(status=Import.Status.QUEUED)
    response = post(owner, django_capture_on_commit_callbacks, file=upload())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "import_running"
    with in_schema(alpha):
        assert Import.objects.count() == 1


def test_an_import_whose_worker_went_away_stops_blocking(
    alpha, staff_client, in_schema, django_capture_on_commit_callbacks
):
    with in_schema(alpha):
        lost = Import.objects.create(status=Import.Status.RUNNING)
        Import.objects.filter(pk=lost.pk).update(started=timezone.now() - timedelta(hours=1))
    response = post(staff_client(alpha), django_capture_on_commit_callbacks, file=upload())
    assert response.status_code == 202
    with in_schema(alpha):
        lost.refresh_from_db()
        assert (lost.status, lost.active) == ("failed", None)


def test_progress_shows_while_it_runs(alpha, staff_client, in_schema):
    with in_schema(alpha):
        job = Import.objects.create(status=Import.Status.RUNNING, started=timezone.now())
        jobs._progress_put(job.pk, "reading", 500, 2000, 1234)
    body = staff_client(alpha).get(f"{URL}/{job.pk}").json()
    assert body["progress"] == {
        "phase": "reading", "done": 500, "total": 2000, "comments": 1234, "percent": 25.0,
    }  # fmt: skip


def test_bad_input_is_a_400(alpha, staff_client):
    owner = staff_client(alpha)
    assert owner.post(URL, {}).json()["error"]["fields"]["file"]
    bad = owner.post(URL, {"file": upload(), "format": "blogger"})
    assert bad.status_code == 400 and "format" in bad.json()["error"]["fields"]
    empty = owner.post(URL, {"file": SimpleUploadedFile("e.xml", b"")})
    assert empty.status_code == 400 and "file" in empty.json()["error"]["fields"]


def test_it_is_the_owners_only(alpha, beta, staff_client, client_for, in_schema):
    moderator = staff_client(alpha, role="moderator")
    assert moderator.post(URL, {"file": upload()}).status_code == 403
    assert moderator.get(URL).status_code == 403
    assert client_for(alpha).get(URL).status_code == 401
    # Beta's owner has no session on alpha's host, and beta's imports are not alpha's.
    beta_owner = staff_client(beta)
    assert beta_owner.get(URL, HTTP_HOST="alpha.localhost").status_code == 401
    with in_schema(beta):
        theirs = Import.objects.create(status=Import.Status.DONE, active=None)
    assert staff_client(alpha).get(f"{URL}/{theirs.pk}").status_code == 404
