"""Acknowledged writes are visible, and requests that arrive twice or at once count once.

These tests COMMIT for real, with several connections at a time (one per thread), because
what they check only exists between connections: a reader that reads after a write but
before its COMMIT, two deletes racing for one row. Where a race needs a precise interleaving,
the test holds a row lock from its own connection until both requests are waiting on locks,
then lets them go, so the outcome never depends on timing.
"""

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.test import Client
from django_tenants.utils import schema_context

from core.tenancy import current_schema
from embed.cache import events_channel, thread_ident, thread_version
from embed.models import Comment, SpamModelState, Thread, Vote
from embed.site import site_settings_update
from tenants.models import Tenant
from tests.conftest import PAGE, Api, committed, host_of
from tests.redis_cluster import Subscription
from tests.test_events import next_message

pytestmark = committed


@pytest.fixture
def alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


def in_threads(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread (so on its own database connection), wait for all,
    and return their results in order; an exception in any of them is raised here."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
    return results


def start_threads(*calls: Callable[[], Any]) -> Callable[[], list[Any]]:
    """Like in_threads, but returns at once; the returned function waits and gives results."""
    box: list[list[Any]] = []
    runner = threading.Thread(target=lambda: box.append(in_threads(*calls)))
    runner.start()

    def finish() -> list[Any]:
        runner.join(60)
        assert box, "the requests did not finish"
        return box[0]

    return finish


def wait_for_lock_waiters(count: int) -> None:
    """Block until `count` other connections of this database are waiting on a lock."""
    deadline = time.monotonic() + 20
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} requests never waited on the lock")


def shown(body: dict) -> list[str]:
    """The html of every comment a reader can read in a thread payload, depth first."""
    found: list[str] = []

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            if not node["deleted"]:
                found.append(node["html"])
            walk(node["replies"])

    walk(body["comments"])
    return found


def thread_row(alpha: Tenant) -> Thread:
    with schema_context(alpha.schema_name):
        return Thread.objects.get(url=PAGE)


# Acknowledged writes are visible (a reader between the write and its COMMIT)


def test_a_reader_before_the_commit_cannot_hide_a_new_comment(alpha):
    writer, reader = Api(alpha), Api(alpha)
    writer.post_comment("first")
    assert shown(reader.thread().json()) == ["<p>first</p>"]  # cached
    with transaction.atomic():
        assert writer.post_comment("second").status_code == 201
        # Another connection reads (and caches) while the post is not committed yet.
        before, counts = in_threads(
            lambda: reader.thread().json(), lambda: reader.get("/api/v1/counts", {"url": PAGE})
        )
        assert shown(before) == ["<p>first</p>"]
        assert counts.json() == {PAGE: 1}
    after = reader.thread().json()
    assert shown(after) == ["<p>first</p>", "<p>second</p>"]
    assert after["thread"]["comment_count"] == 2
    assert reader.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 2}


def test_a_reader_before_the_commit_cannot_keep_a_deleted_comment(alpha):
    writer, reader = Api(alpha), Api(alpha)
    comment = writer.post_comment("regretted").json()
    assert shown(reader.thread().json()) == ["<p>regretted</p>"]
    with transaction.atomic():
        assert writer.send("DELETE", f"/api/v1/comments/{comment['id']}").status_code == 204
        assert shown(in_threads(lambda: reader.thread().json())[0]) == ["<p>regretted</p>"]
    assert shown(reader.thread().json()) == []
    assert reader.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 0}


def test_a_reader_before_the_commit_cannot_keep_a_rejected_comment(alpha):
    from embed.moderation.actions import comment_moderate

    writer, reader = Api(alpha), Api(alpha)
    comment_id = writer.post_comment("rude").json()["id"]
    assert shown(reader.thread().json()) == ["<p>rude</p>"]
    with schema_context(alpha.schema_name), transaction.atomic():
        owner = get_user_model().objects.get(email="owner@alpha.example")
        comment_moderate(comment=Comment.objects.get(pk=comment_id), action="reject", actor=owner)
        assert shown(in_threads(lambda: reader.thread().json())[0]) == ["<p>rude</p>"]
    body = reader.thread().json()
    assert shown(body) == [] and body["thread"]["comment_count"] == 0


def test_a_reader_before_the_commit_cannot_keep_an_old_score_or_text(alpha):
    writer, reader, voter = Api(alpha), Api(alpha), Api(alpha)
    comment = writer.post_comment("draft").json()
    voter.post_comment("I have a say", url="https://alpha.example/other")
    reader.thread()
    with transaction.atomic():
        writer.send("PATCH", f"/api/v1/comments/{comment['id']}", {"body": "final"})
        voter.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": 1})
        in_threads(lambda: reader.thread())
    body = reader.thread().json()
    assert shown(body) == ["<p>final</p>"]
    assert body["comments"][0]["score"] == 1


def test_a_reader_before_the_commit_cannot_keep_old_settings(alpha):
    reader = Api(alpha)
    assert reader.thread().json()["site"]["guest_email_required"] is False
    with schema_context(alpha.schema_name), transaction.atomic():
        site_settings_update(guest_email_required=True)
        in_threads(lambda: reader.thread())
    assert reader.thread().json()["site"]["guest_email_required"] is True


def test_live_readers_hear_of_a_comment_only_once_it_is_committed(alpha):
    writer, reader = Api(alpha), Api(alpha)
    with schema_context(alpha.schema_name):
        channel = events_channel(thread_ident(url=PAGE, key=None))
    pubsub = Subscription(channel)
    try:
        with transaction.atomic():
            posted = writer.post_comment("news")
            assert posted.status_code == 201
            assert next_message(pubsub, 0.5) is None
        event = next_message(pubsub, 2)
        assert event is not None and json.loads(event["data"])["type"] == "comment.new"
        # The widget refetches on the event: what it gets has the comment.
        assert shown(in_threads(lambda: reader.thread().json())[0]) == ["<p>news</p>"]
    finally:
        pubsub.close()


def test_a_write_that_rolls_back_leaves_the_cache_alone(alpha):
    writer, reader = Api(alpha), Api(alpha)
    writer.post_comment("kept")
    reader.thread()
    with schema_context(alpha.schema_name):
        version = thread_version(thread_ident(url=PAGE, key=None))
    with pytest.raises(RuntimeError), transaction.atomic():
        writer.post_comment("undone")
        raise RuntimeError("the surrounding work failed")
    with schema_context(alpha.schema_name):
        assert thread_version(thread_ident(url=PAGE, key=None)) == version
    assert shown(reader.thread().json()) == ["<p>kept</p>"]


def test_every_post_shows_while_readers_keep_reading(alpha):
    writers = [Api(alpha) for _ in range(3)]
    reader = Api(alpha)
    done = threading.Event()

    def write(api: Api, n: int) -> list[int]:
        return [api.post_comment(f"w{n} c{i}").status_code for i in range(5)]

    def read() -> int:
        reads = 0
        while not done.is_set():
            reader.thread()
            reader.get("/api/v1/counts", {"url": PAGE})
            reads += 1
        return reads

    finish_readers = start_threads(read, read)
    codes = in_threads(*(lambda api=api, n=n: write(api, n) for n, api in enumerate(writers)))
    done.set()
    assert all(reads > 0 for reads in finish_readers())
    assert all(code == 201 for batch in codes for code in batch)
    body = reader.thread().json()
    assert len(shown(body)) == 15
    assert body["thread"]["comment_count"] == 15
    assert reader.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 15}


# Requests that arrive twice, or at the same time, count once


def test_two_deletes_at_once_drop_the_count_once(alpha):
    author = Api(alpha)
    author.post_comment("stays")
    comment_id = author.post_comment("double-clicked").json()["id"]
    delete = lambda: author.send("DELETE", f"/api/v1/comments/{comment_id}").status_code  # noqa: E731
    with schema_context(alpha.schema_name), transaction.atomic():
        Thread.objects.select_for_update().get(url=PAGE)  # both deletes queue behind this
        finish = start_threads(delete, delete)
        wait_for_lock_waiters(2)
    assert finish() == [204, 204]
    assert thread_row(alpha).comment_count == 1
    assert author.thread().json()["thread"]["comment_count"] == 1
    assert author.send("DELETE", f"/api/v1/comments/{comment_id}").status_code == 204


def test_two_first_votes_of_one_reader_at_once_make_one_vote(alpha):
    author, voter = Api(alpha), Api(alpha)
    comment_id = author.post_comment("vote on me").json()["id"]
    voter.post_comment("a reader who comments", url="https://alpha.example/other")
    vote = lambda: voter.send("POST", f"/api/v1/comments/{comment_id}/vote", {"value": 1})  # noqa: E731
    with schema_context(alpha.schema_name), transaction.atomic():
        Comment.objects.select_for_update().get(pk=comment_id)
        finish = start_threads(vote, vote)
        wait_for_lock_waiters(2)
    answers = finish()
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["score"] for a in answers] == [1, 1]
    with schema_context(alpha.schema_name):
        assert Vote.objects.filter(comment_id=comment_id).count() == 1
        assert Comment.objects.get(pk=comment_id).score == 1


def test_two_guest_votes_from_one_network_at_once_count_once(alpha):
    author = Api(alpha)
    comment_id = author.post_comment("vote on me").json()["id"]
    guests = [Api(alpha), Api(alpha)]  # no tokens, same /24
    calls = [
        lambda g=g: g.send("POST", f"/api/v1/comments/{comment_id}/vote", {"value": 1})
        for g in guests
    ]
    with schema_context(alpha.schema_name), transaction.atomic():
        Comment.objects.select_for_update().get(pk=comment_id)
        finish = start_threads(*calls)
        wait_for_lock_waiters(2)
    codes = sorted(a.status_code for a in finish())
    assert codes == [200, 403]
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment_id).score == 1


def test_reports_at_once_hold_the_comment_once(alpha):
    with schema_context(alpha.schema_name):
        site_settings_update(flag_threshold=2)
    author = Api(alpha)
    author.post_comment("stays")
    comment_id = author.post_comment("disputed").json()["id"]
    reporters = [Api(alpha) for _ in range(3)]
    for reporter in reporters:
        reporter.post_comment("my view", url="https://alpha.example/other")
    calls = [
        lambda r=r: r.send("POST", f"/api/v1/comments/{comment_id}/flag", {"reason": "abuse"})
        for r in (*reporters, reporters[0])  # the first one double-clicks
    ]
    with schema_context(alpha.schema_name), transaction.atomic():
        Comment.objects.select_for_update().get(pk=comment_id)
        finish = start_threads(*calls)
        wait_for_lock_waiters(4)
    assert {a.status_code for a in finish()} <= {200, 403}
    with schema_context(alpha.schema_name):
        held = Comment.objects.get(pk=comment_id)
        assert held.status == "pending"
        assert len([r for r in held.reasons if "reader reports" in r]) == 1
    assert thread_row(alpha).comment_count == 1


def test_two_moderators_approving_at_once_count_and_teach_once(alpha):
    with schema_context(alpha.schema_name):
        site_settings_update(moderation_mode="pre")
        owner = get_user_model().objects.get(email="owner@alpha.example")
    comment_id = Api(alpha).post_comment("held for review").json()["id"]
    moderators = []
    for _ in range(2):
        client = Client(HTTP_HOST=host_of(alpha))
        with schema_context(alpha.schema_name):
            client.force_login(owner)
        moderators.append(client)
    calls = [
        lambda m=m: m.post(f"/api/v1/admin/comments/{comment_id}/approve").status_code
        for m in moderators
    ]
    with schema_context(alpha.schema_name), transaction.atomic():
        Thread.objects.select_for_update().get(url=PAGE)
        finish = start_threads(*calls)
        wait_for_lock_waiters(2)
    assert finish() == [200, 200]
    assert thread_row(alpha).comment_count == 1
    with schema_context(alpha.schema_name):
        assert SpamModelState.objects.get().decisions == 1


def test_two_first_comments_on_a_new_page_at_once_make_one_thread(alpha):
    readers = [Api(alpha) for _ in range(4)]
    calls = [lambda r=r: r.post_comment("first!").status_code for r in readers]
    assert in_threads(*calls) == [201] * 4
    with schema_context(alpha.schema_name):
        assert Thread.objects.filter(url=PAGE).count() == 1
    assert thread_row(alpha).comment_count == 4


def test_committed_tests_leave_the_sites_as_they_found_them(alpha):
    with schema_context(alpha.schema_name):
        assert not Comment.objects.exists()
        assert current_schema() == alpha.schema_name
