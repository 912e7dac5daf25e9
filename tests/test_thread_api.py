"""Reading threads: the tree, paging, sorting, the hot cache and its invalidation."""

import gzip
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from core import redis
from embed.models import Comment, Commenter, Thread
from tests.conftest import PAGE
from tests.factories import ThreadFactory
from tests.redis_cluster import hot_store_unreachable

pytestmark = pytest.mark.django_db


def seed_thread(tenant, top_level: int, replies_each: int, url: str = PAGE) -> Thread:
    with schema_context(tenant.schema_name):
        thread = cast(Thread, ThreadFactory(url=url))
        author = Commenter.objects.create(name="Seeder")
        tops = Comment.objects.bulk_create(
            Comment(thread=thread, author=author, body=f"top {i}", body_html=f"<p>top {i}</p>")
            for i in range(top_level)
        )
        Comment.objects.bulk_create(
            Comment(
                thread=thread,
                author=author,
                parent=top,
                root=top,
                depth=1,
                body="reply",
                body_html="<p>reply</p>",
            )
            for top in tops
            for _ in range(replies_each)
        )
        Thread.objects.filter(pk=thread.pk).update(comment_count=top_level * (1 + replies_each))
        return thread


def test_an_unknown_page_has_no_thread_and_creates_none(api, alpha):
    response = api.thread()
    assert response.status_code == 200
    body = response.json()
    assert body["thread"] is None
    assert body["comments"] == []
    assert body["next"] is None
    assert body["site"]["guests_allowed"] is True
    with schema_context(alpha.schema_name):
        assert not Thread.objects.exists()


def test_it_returns_the_tree_with_replies_in_order(api):
    first = api.post_comment("First!").json()
    reply = api.post_comment("A reply", parent=first["id"]).json()
    nested = api.post_comment("Deeper", parent=reply["id"]).json()
    api.post_comment("Second top-level")

    body = api.thread().json()
    assert body["thread"]["comment_count"] == 4
    assert body["thread"]["url"] == PAGE
    assert [c["html"] for c in body["comments"]] == ["<p>First!</p>", "<p>Second top-level</p>"]
    top = body["comments"][0]
    assert top["replies"][0]["id"] == reply["id"]
    assert top["replies"][0]["parent"] == first["id"]
    assert top["replies"][0]["replies"][0]["id"] == nested["id"]
    assert set(top) == {
        "id", "parent", "author", "html", "created", "edited", "score", "pinned", "deleted",
        "replies",
    }  # fmt: skip
    assert top["author"] == {"name": "Ann", "avatar": None, "badge": None}


def test_a_deleted_comment_with_replies_stays_as_a_placeholder(api):
    parent = api.post_comment("I will delete this").json()
    api.post_comment("But I replied", parent=parent["id"])
    lonely = api.post_comment("Delete me too").json()
    assert api.send("DELETE", f"/api/v1/comments/{parent['id']}").status_code == 204
    assert api.send("DELETE", f"/api/v1/comments/{lonely['id']}").status_code == 204

    comments = api.thread().json()["comments"]
    assert len(comments) == 1
    placeholder = comments[0]
    assert placeholder["deleted"] is True
    assert placeholder["html"] == ""
    assert placeholder["author"]["name"] == ""
    assert placeholder["replies"][0]["html"] == "<p>But I replied</p>"


def test_pinned_comments_come_first_and_sorts_work(api, alpha):
    ids = [api.post_comment(f"c{i}").json()["id"] for i in range(3)]
    with schema_context(alpha.schema_name):
        Comment.objects.filter(pk=ids[1]).update(pinned=True)
        Comment.objects.filter(pk=ids[2]).update(score=5)

    def order(sort: str) -> list[int]:
        return [c["id"] for c in api.thread(sort=sort).json()["comments"]]

    assert order("oldest") == [ids[1], ids[0], ids[2]]
    assert order("newest") == [ids[1], ids[2], ids[0]]
    assert order("top") == [ids[1], ids[2], ids[0]]


def test_it_pages_top_level_comments_with_an_opaque_cursor(api, alpha):
    seed_thread(alpha, top_level=120, replies_each=1)
    first = api.thread().json()
    assert len(first["comments"]) == 50
    assert all(len(c["replies"]) == 1 for c in first["comments"])
    second = api.thread(cursor=first["next"]).json()
    third = api.thread(cursor=second["next"]).json()
    assert len(second["comments"]) == 50
    assert len(third["comments"]) == 20
    assert third["next"] is None
    seen = [c["id"] for page in (first, second, third) for c in page["comments"]]
    assert len(set(seen)) == 120


@pytest.mark.parametrize(
    "params, field",
    [
        ({"url": "https://alpha.example/p", "sort": "random"}, "sort"),
        ({"url": "https://alpha.example/p", "cursor": "!!not-a-cursor"}, "cursor"),
        ({"url": "ftp://alpha.example/p"}, "url"),
        ({"url": "not a url"}, "url"),
        ({}, "url"),
        ({"url": "https://alpha.example/" + "x" * 2100}, "url"),
    ],
)
def test_bad_read_parameters_get_a_400(api, params, field):
    response = api.get("/api/v1/thread", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_thread_can_be_read_by_site_key(api):
    api.post_comment("keyed", key="post-42")
    body = api.get("/api/v1/thread", {"key": "post-42"}).json()
    assert body["thread"]["comment_count"] == 1


def test_a_hot_read_runs_no_sql(api, django_assert_num_queries):
    api.post_comment("warm me up")
    api.thread()  # fills the cache
    with django_assert_num_queries(0):
        response = api.thread()
    assert response.status_code == 200
    assert response.json()["thread"]["comment_count"] == 1


def test_a_cold_read_costs_the_same_queries_for_10_and_500_comments(api, alpha):
    def cold_read_queries(url: str) -> int:
        redis.call("flushdb")
        with CaptureQueriesContext(connection) as ctx:
            assert api.thread(url=url).status_code == 200
        return len(ctx.captured_queries)

    seed_thread(alpha, top_level=5, replies_each=1, url="https://alpha.example/small")
    seed_thread(alpha, top_level=100, replies_each=4, url="https://alpha.example/large")
    api.thread(url="https://alpha.example/warm-up")  # host and site settings now cached
    small = cold_read_queries("https://alpha.example/small")
    large = cold_read_queries("https://alpha.example/large")
    # SET search_path, then thread, top-level page, replies. Under transaction pooling the
    # search path is a SET LOCAL on the driver's cursor, outside Django's query log.
    expected = 3 if getattr(connection, "transaction_pooling", False) else 4
    assert small == large == expected


def test_etag_and_if_none_match_give_304(api):
    api.post_comment("etag me")
    first = api.thread()
    etag = first["ETag"]
    assert etag
    again = api.get("/api/v1/thread", {"url": PAGE}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    api.post_comment("changed")
    changed = api.get("/api/v1/thread", {"url": PAGE}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.5", True), ("*", True),
     ("gzip;q=0", False), ("identity", False), ("", False)],
)  # fmt: skip
def test_the_thread_is_sent_gzipped_to_clients_that_take_it(api, accept: str, gzipped: bool):
    api.post_comment("squeeze me " * 50)
    plain = api.thread()
    answer = api.get("/api/v1/thread", {"url": PAGE}, HTTP_ACCEPT_ENCODING=accept)
    assert answer.status_code == 200
    assert "Accept-Encoding" in answer["Vary"] and "Accept-Encoding" in plain["Vary"]
    if gzipped:
        assert answer["Content-Encoding"] == "gzip"
        assert gzip.decompress(answer.content) == plain.content
        assert len(answer.content) < len(plain.content) / 3
        assert answer["ETag"] != plain["ETag"]
    else:
        assert not answer.has_header("Content-Encoding")
        assert answer.content == plain.content and answer["ETag"] == plain["ETag"]
    # Either representation's tag revalidates (the content behind them is the same).
    for etag in {answer["ETag"], plain["ETag"]}:
        again = api.get(
            "/api/v1/thread", {"url": PAGE}, HTTP_ACCEPT_ENCODING=accept, HTTP_IF_NONE_MATCH=etag
        )
        assert again.status_code == 304


def test_every_write_invalidates_the_cached_thread(api):
    comment = api.post_comment("original").json()
    assert api.thread().json()["comments"][0]["html"] == "<p>original</p>"

    api.send("PATCH", f"/api/v1/comments/{comment['id']}", {"body": "edited"})
    assert api.thread().json()["comments"][0]["html"] == "<p>edited</p>"

    voter = api.__class__.__new__(api.__class__)
    voter.client, voter.token = api.client, None
    vote = voter.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": 1})
    assert vote.json()["score"] == 1
    assert api.thread().json()["comments"][0]["score"] == 1

    api.post_comment("another")
    assert api.thread().json()["thread"]["comment_count"] == 2

    api.send("DELETE", f"/api/v1/comments/{comment['id']}")
    body = api.thread().json()
    assert [c["html"] for c in body["comments"]] == ["<p>another</p>"]
    assert body["thread"]["comment_count"] == 1


def test_site_settings_changes_reach_cached_threads(api, alpha):
    from embed.site import site_settings_update

    assert api.thread().json()["site"]["guest_email_required"] is False
    with schema_context(alpha.schema_name):
        site_settings_update(guest_email_required=True)
    assert api.thread().json()["site"]["guest_email_required"] is True


@pytest.fixture
def redis_down(settings):
    with hot_store_unreachable(settings):
        yield


def test_with_redis_down_reads_and_writes_still_work(api, redis_down):
    created = api.post_comment("written while Redis is down")
    assert created.status_code == 201
    body = api.thread().json()
    assert body["comments"][0]["html"] == "<p>written while Redis is down</p>"
    counts = api.get("/api/v1/counts", {"url": PAGE}).json()
    assert counts == {PAGE: 1}
    vote = api.send("POST", f"/api/v1/comments/{created.json()['id']}/vote", {"value": -1})
    assert vote.status_code == 200


def test_counts_for_many_pages(api):
    api.post_comment("one", url="https://alpha.example/a")
    api.post_comment("two", url="https://alpha.example/a")
    api.post_comment("three", url="https://alpha.example/b?utm_source=feed")
    urls = [
        "https://alpha.example/a#comments",
        "https://alpha.example/b",
        "https://alpha.example/c",
    ]
    body = api.get("/api/v1/counts", {"url": urls}).json()
    assert body == {urls[0]: 2, urls[1]: 1, urls[2]: 0}


def test_counts_are_served_from_cache_and_refreshed_by_writes(api, django_assert_num_queries):
    api.post_comment("one")
    api.get("/api/v1/counts", {"url": PAGE})
    with django_assert_num_queries(0):
        assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 1}
    api.post_comment("two")
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 2}


def test_counts_reject_too_many_or_no_urls(api):
    assert api.get("/api/v1/counts").status_code == 400
    many = [f"https://alpha.example/{i}" for i in range(101)]
    response = api.get("/api/v1/counts", {"url": many})
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]


def test_a_worker_reuses_its_copy_while_the_version_holds(api, alpha):
    from core.tenancy import current_schema

    api.post_comment("cached once")
    first = api.thread()
    # Drop the shared copy: the worker's own copy of the same version still answers.
    with schema_context(alpha.schema_name):
        pattern = f"palaver:{{{current_schema()}:*}}:tp:*"
    for key in redis.call("keys", pattern):
        redis.call("delete", key)
    assert api.thread().content == first.content
    api.post_comment("a new version")
    assert len(api.thread().json()["comments"]) == 2


def test_thread_versions_never_repeat_after_redis_loses_its_data(api):
    from embed import cache

    ident = cache.thread_ident(url=PAGE, key=None)
    api.post_comment("before")
    with schema_context("site_alpha"):
        before = int(cache.thread_version(ident))
    redis.call("flushdb")
    api.post_comment("after")
    with schema_context("site_alpha"):
        after = int(cache.thread_version(ident))
    assert after > before


def test_a_settings_change_in_another_process_reaches_hot_reads_at_once(api, alpha):
    import time

    from embed.site import _cache, site_config, site_settings_update

    with schema_context(alpha.schema_name):
        stale = site_config()
    assert api.thread().json()["site"]["guest_email_required"] is False
    with schema_context(alpha.schema_name):
        site_settings_update(guest_email_required=True)
        # This process still holds the old settings, as another worker would.
        _cache[alpha.schema_name] = (time.monotonic() + 60, stale)
    assert api.thread().json()["site"]["guest_email_required"] is True
    with schema_context(alpha.schema_name):
        _cache[alpha.schema_name] = (time.monotonic() + 60, stale)
    # Writes check too: the stale copy would have let a post without email through.
    response = api.post_comment("no email given")
    assert response.status_code == 400
    assert "author_email" in response.json()["error"]["fields"]


def test_a_workers_copies_stay_within_their_memory_budget(monkeypatch):
    from embed import cache

    monkeypatch.setattr(cache, "LOCAL_COPY_BYTES", 1000)
    for i in range(20):
        cache._remember(f"k{i}", "1", b"x" * 300)
    assert sum(len(payload) for _, payload in cache._local.values()) <= 1000
    assert "k19" in cache._local and "k0" not in cache._local


def test_a_copy_is_never_served_after_redis_loses_the_threads_version(api, alpha):
    seed_thread(alpha, top_level=1, replies_each=0)  # written without touching Redis
    assert len(api.thread().json()["comments"]) == 1  # this worker now holds a copy
    api.post_comment("second")
    redis.call("flushdb")  # Redis loses the thread's version
    assert len(api.thread().json()["comments"]) == 2


def test_writes_made_while_redis_was_down_show_once_it_is_back(api, settings):
    api.post_comment("before the outage")
    assert len(api.thread().json()["comments"]) == 1  # cached in Redis and in this worker
    with hot_store_unreachable(settings):
        assert api.post_comment("during the outage").status_code == 201
    assert len(api.thread().json()["comments"]) == 2
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 2}


def test_plain_copies_are_kept_by_etag_within_their_byte_budget():
    from embed.api.threads import Inflated

    copies = Inflated(max_bytes=250)
    bodies = {f'"{n}"': bytes([65 + n]) * 100 for n in range(3)}
    for etag, body in bodies.items():
        assert copies.plain(etag, gzip.compress(body)) == body
    # 300 bytes were inflated into a 250-byte budget: the oldest went first.
    assert list(copies.held) == ['"1"', '"2"'] and copies.size == 200
    # A held copy is answered without reading the gzip bytes at all.
    assert copies.plain('"2"', b"not gzip") == bodies['"2"']


def test_a_process_meeting_a_site_first_takes_the_current_copy_in_redis(
    alpha, in_schema, django_assert_num_queries
):
    from embed.site import site_config, site_config_forget

    with in_schema(alpha):
        loaded = site_config()  # the database, leaving a copy and its version in Redis
        site_config_forget()  # as a process that has not met the site yet
        with django_assert_num_queries(0):
            assert site_config() == loaded


def test_a_copy_of_an_older_version_is_not_taken(alpha, in_schema, django_assert_num_queries):
    from core import redis
    from embed.site import site_config, site_config_forget, site_copy_key, site_settings_update

    with in_schema(alpha):
        site_config()
        old_copy = redis.call("get", site_copy_key())
        site_settings_update(max_links=7)  # after COMMIT: a new version and a new copy
        redis.call("set", site_copy_key(), old_copy)  # a process that read the row before
        site_config_forget()
        with django_assert_num_queries(2):  # the settings row and the sign-in providers
            assert site_config().max_links == 7
