"""Reads from a real hot standby: in the site's schema, never staler than the reader's write.

The app runs under gunicorn against a primary and a streaming standby started for these
tests (tests/standby.py). The standby applies WAL half a second late, so every read right
after a write meets a standby that has not replayed it yet: core.replicas must send those
reads to the primary, and the ones after replay to the standby, whose statement log shows
what it served.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings

from tests.servers import (
    RELAXED,
    ROOT,
    SITE_SETTINGS_SCRIPT,
    Platform,
    _wait_until_up,
    app_env,
    free_port,
    redis_url_with_db,
)
from tests.standby import ReplicatedPostgres

APPLY_DELAY_MS = 500


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicatedPostgres]:
    postgres = ReplicatedPostgres(apply_delay_ms=APPLY_DELAY_MS)
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.stop()


@pytest.fixture(scope="module")
def app(cluster: ReplicatedPostgres, tmp_path_factory: Any) -> Iterator[Platform]:
    redis_url = redis_url_with_db(settings.REDIS_URL, int(os.environ.get("REPLICA_REDIS_DB", "10")))
    redis.Redis.from_url(redis_url).flushdb()
    port = free_port()
    env = {
        **app_env(port, database_url=cluster.primary_url, redis_url=redis_url),
        "DATABASE_REPLICA_URL": cluster.standby_url,
    }
    platform = Platform(port=port, env=env)
    platform.manage("migrate", "--verbosity", "0")
    platform.manage(
        "create_site", "--slug", "alpha", "--name", "Alpha", "--owner-email", "owner@alpha.example",
        "--owner-password", "correct-horse-battery-staple", "--origin", "https://alpha.example",
    )  # fmt: skip
    script = SITE_SETTINGS_SCRIPT.format(sites={"alpha": {}}, relaxed=RELAXED)
    platform.manage("shell", "-c", script)
    log_path = tmp_path_factory.mktemp("replicas") / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own server
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_up(platform, server)
            cluster.wait_replayed()
            yield platform
        finally:
            server.terminate()
            server.wait(timeout=15)
    redis.Redis.from_url(redis_url).flushdb()


def thread_bodies(app: Platform, url: str) -> list[str]:
    answer = app.api("alpha", "GET", f"thread?url={url}")
    return [comment["html"] for comment in answer["comments"]]


def standby_comment_reads(cluster: ReplicatedPostgres) -> int:
    return cluster.standby_log().count('FROM "embed_comment"')


def test_each_reader_sees_their_comment_at_once_though_the_standby_lags(
    app: Platform, cluster: ReplicatedPostgres
) -> None:
    misses = []
    for n in range(40):
        url = f"https://alpha.example/lag/{uuid.uuid4().hex[:8]}"
        app.post("alpha", url, f"comment {n}")
        bodies = thread_bodies(app, url)  # a cache fill right after the write
        counts = app.api("alpha", "GET", f"counts?url={url}")
        if bodies != [f"<p>comment {n}</p>"] or counts != {url: 1}:
            misses.append((n, bodies, counts))
    assert misses == []


def test_reads_after_replay_come_from_the_standby_in_the_sites_schema(
    app: Platform, cluster: ReplicatedPostgres
) -> None:
    url = f"https://alpha.example/replayed/{uuid.uuid4().hex[:8]}"
    app.post("alpha", url, "read me from the standby")
    cluster.wait_replayed()
    time.sleep(APPLY_DELAY_MS / 1000)
    before = standby_comment_reads(cluster)
    # A new sort is a cache miss: built from the database, here the standby, whose
    # embed_comment exists only in the site's schema (public has none).
    answer = app.api("alpha", "GET", f"thread?url={url}&sort=newest")
    assert [c["html"] for c in answer["comments"]] == ["<p>read me from the standby</p>"]
    deadline = time.monotonic() + 5
    while standby_comment_reads(cluster) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert standby_comment_reads(cluster) > before


def test_reads_go_on_from_the_primary_when_the_standby_is_gone(
    app: Platform, cluster: ReplicatedPostgres
) -> None:
    cluster.stop_standby()
    url = f"https://alpha.example/no-standby/{uuid.uuid4().hex[:8]}"
    app.post("alpha", url, "still here")
    assert thread_bodies(app, url) == ["<p>still here</p>"]
    assert thread_bodies(app, url + "-elsewhere") == []
