"""An upload through the admin API, run by a real Celery worker over the Redis broker, in the
site's schema. The other import tests run tasks eagerly; this one proves the wiring.

It commits (a worker in another process cannot see a test's transaction): a `committed`
test, whose site rows are deleted afterwards (tests/conftest.py).
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from embed.models import Comment, Import
from palaver.celery import app
from tests.conftest import committed
from tests.import_support import DATA

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


@pytest.fixture
def worker(settings, tmp_path: Path) -> Iterator[None]:
    queue = f"imports-test-{os.getpid()}"
    settings.IMPORT_UPLOAD_DIR = tmp_path
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    log = (tmp_path / "worker.log").open("w")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": app.conf.broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "IMPORT_UPLOAD_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "palaver.settings",
    }
    process = subprocess.Popen(  # noqa: S603 - our own Celery app
        [
            sys.executable, "-m", "celery", "-A", "palaver", "worker", "-Q", queue,
            "--pool", "solo", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel", "INFO",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        app.conf.task_default_queue = previous
        with schema_context("site_alpha"):
            Import.objects.all().delete()


@committed
def test_a_real_worker_runs_the_upload_in_the_sites_schema(worker, tmp_path: Path) -> None:
    client = Client(HTTP_HOST=f"alpha.{settings.PLATFORM_DOMAIN}")
    with schema_context("site_alpha"):
        client.force_login(get_user_model().objects.get(email="owner@alpha.example"))
    with (DATA / "isso-wordpress.xml").open("rb") as handle:
        response = client.post("/api/v1/admin/imports", {"file": handle})
    assert response.status_code == 202, response.content
    location = response["Location"]
    deadline = time.monotonic() + 90
    body = response.json()
    while body["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        body = client.get(location).json()
    log = (tmp_path / "worker.log").read_text()
    assert body["status"] == "done", f"{body}\n{log}"
    assert (body["counts"]["threads"], body["counts"]["comments"]) == (2, 8)
    with schema_context("site_alpha"):
        assert Comment.objects.filter(import_source="wordpress").count() == 8
    with schema_context("site_beta"):
        assert not Comment.objects.filter(import_source="wordpress").exists()
    client.logout()


def test_the_task_is_registered_under_its_name() -> None:
    app.loader.import_default_modules()  # what the worker does at start: autodiscovery
    assert app.tasks["embed.import_run"].name == "embed.import_run"
