"""A real Celery worker over the Redis broker, in another process, on the test database.

The worker cannot see a test's open transaction, so tests that use it commit for real (they
take `django_db_blocker.unblock()` instead of the `db` fixture) and clean up after
themselves. Each test run has a queue of its own (tests/conftest.py), which its workers take
and the tasks they queue go to, so parallel runs on one broker never meet.
"""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from palaver.celery import app

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the database this test run uses (the test database)."""
    db = connection.settings_dict
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


@pytest.fixture
def celery_worker(
    django_db_setup: None, django_db_blocker: Any, settings: Any, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen]]:
    """`start(**env)` starts a worker with extra environment variables; stopped at the end.
    Tasks this test queues go to the worker's queue."""
    queue = app.conf.task_default_queue
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    processes: list[subprocess.Popen] = []
    logs: list[Any] = []

    def start(**extra: str) -> subprocess.Popen:
        log = (tmp_path / f"worker{len(logs)}.log").open("w")
        logs.append(log)
        with django_db_blocker.unblock():
            url = database_url()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": settings.REDIS_URL,
            "REDIS_CLUSTER_URL": settings.REDIS_CLUSTER_URL,  # the hot store, when a cluster
            "CELERY_BROKER_URL": app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": queue,  # the tasks its tasks queue stay in this run
            "DJANGO_SETTINGS_MODULE": "palaver.settings",
            "PALAVER_QUIET": "1",
            **extra,
        }
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "palaver", "worker", "-Q", queue,
                "--pool", "solo", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--loglevel", "INFO",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    for log in logs:
        log.close()
    app.conf.task_always_eager = previous


def worker_log(tmp_path: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(tmp_path.glob("worker*.log")))
