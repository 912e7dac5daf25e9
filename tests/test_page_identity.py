"""Which thread a page gets: site keys that start, change or stop (docs/api.md, "Threads,
URLs and keys"), every read and write resolving the same way, and the caches following."""

import json

import pytest

from embed import services
from embed.models import Commenter, Thread
from embed.site import site_config
from tests.conftest import PAGE

pytestmark = pytest.mark.django_db

OTHER = "https://alpha.example/posts/other"


def threads(tenant, in_schema) -> list[tuple[str, str | None, int]]:
    with in_schema(tenant):
        return list(Thread.objects.order_by("id").values_list("url", "key", "comment_count"))


def html_of(response) -> list[str]:
    return [c["html"] for c in response.json()["comments"]]


def read(api, **params: str):
    response = api.get("/api/v1/thread", params)
    assert response.status_code == 200, response.content
    return response


def test_a_page_that_gains_a_key_keeps_its_thread(api, alpha, in_schema):
    assert api.post_comment("before the key").status_code == 201
    response = api.post_comment("with the key", key="post-42")
    assert response.status_code == 201, response.content
    assert threads(alpha, in_schema) == [(PAGE, "post-42", 2)]
    expected = ["<p>before the key</p>", "<p>with the key</p>"]
    assert html_of(read(api, key="post-42")) == expected
    assert html_of(read(api, url=PAGE)) == expected
    assert html_of(read(api, url=PAGE, key="post-42")) == expected


def test_reads_cached_before_the_key_was_adopted_are_invalidated(api, alpha):
    api.post_comment("first")
    # Cached while the thread had no key: by key alone (no thread), by URL, and by both
    # (found through the URL).
    assert read(api, key="post-42").json()["thread"] is None
    assert html_of(read(api, url=PAGE)) == ["<p>first</p>"]
    assert html_of(read(api, url=PAGE, key="post-42")) == ["<p>first</p>"]
    api.post_comment("second", key="post-42")
    both = ["<p>first</p>", "<p>second</p>"]
    assert html_of(read(api, key="post-42")) == both
    assert html_of(read(api, url=PAGE)) == both
    assert html_of(read(api, url=PAGE, key="post-42")) == both


def test_a_read_by_url_and_key_sees_writes_made_without_the_key(api, alpha, in_schema):
    api.post_comment("first")
    assert html_of(read(api, url=PAGE, key="post-42")) == ["<p>first</p>"]
    api.post_comment("from a page without data-key")
    assert html_of(read(api, url=PAGE, key="post-42")) == [
        "<p>first</p>",
        "<p>from a page without data-key</p>",
    ]
    assert threads(alpha, in_schema) == [(PAGE, None, 2)]  # reads never adopt a key


def test_a_new_key_on_the_same_url_is_a_new_page(api, alpha, in_schema):
    api.post_comment("old article", key="post-41")
    assert html_of(read(api, url=PAGE)) == ["<p>old article</p>"]
    assert api.post_comment("new article", key="post-42").status_code == 201
    assert threads(alpha, in_schema) == [(PAGE, "post-41", 1), (PAGE, "post-42", 1)]
    assert html_of(read(api, url=PAGE, key="post-41")) == ["<p>old article</p>"]
    assert html_of(read(api, url=PAGE, key="post-42")) == ["<p>new article</p>"]
    # A reader without a key gets the page's newest thread, here and in counts.
    assert html_of(read(api, url=PAGE)) == ["<p>new article</p>"]
    api.post_comment("another on the new one", key="post-42")
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 2}


def test_a_page_that_drops_its_key_keeps_its_thread(api, alpha, in_schema):
    api.post_comment("keyed", key="post-42")
    assert html_of(read(api, url=PAGE)) == ["<p>keyed</p>"]
    assert api.post_comment("no key any more").status_code == 201
    assert threads(alpha, in_schema) == [(PAGE, "post-42", 2)]
    assert html_of(read(api, key="post-42")) == ["<p>keyed</p>", "<p>no key any more</p>"]
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 2}


def test_a_key_less_thread_wins_over_keyed_ones_for_readers_without_a_key(api, alpha, in_schema):
    api.post_comment("keyed", key="post-42")
    with in_schema(alpha):
        # As a widget without data-key makes it when it races one that has the key.
        keyless = Thread.objects.create(url=PAGE)
        services.comment_create(
            thread=keyless, author=Commenter.objects.create(name="Bo"), body="key-less",
            site=site_config(),
        )  # fmt: skip
    assert html_of(read(api, url=PAGE)) == ["<p>key-less</p>"]
    assert html_of(read(api, url=PAGE, key="post-42")) == ["<p>keyed</p>"]
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 1}
    assert api.post_comment("by URL").status_code == 201
    assert html_of(read(api, url=PAGE)) == ["<p>key-less</p>", "<p>by URL</p>"]


def test_a_moved_page_keeps_its_thread_by_key_and_its_first_url(api, alpha, in_schema):
    api.post_comment("at the old address", key="post-42")
    assert api.post_comment("at the new one", url=OTHER, key="post-42").status_code == 201
    assert threads(alpha, in_schema) == [(PAGE, "post-42", 2)]
    assert len(read(api, url=OTHER, key="post-42").json()["comments"]) == 2


def test_thread_me_and_events_resolve_the_page_the_same_way(api, alpha):
    mine = api.post_comment("mine").json()
    me = api.get("/api/v1/thread/me", {"url": PAGE, "key": "post-42"}, token=api.token).json()
    assert me["own"] == [mine["id"]]

    def hello() -> str:
        body = api.get("/api/v1/thread/events", {"url": PAGE, "key": "post-42"}).content
        return json.loads(body.decode().split("data: ", 1)[1].split("\n", 1)[0])["version"]

    before = hello()
    api.post_comment("a write by URL only moves the version a keyed page listens to")
    assert hello() != before


def test_racing_posts_end_on_the_row_that_won(alpha, in_schema):
    with in_schema(alpha):
        site = site_config()
        keyless = Thread.objects.create(url=PAGE)
        stale = Thread.objects.get(pk=keyless.pk)
        # Another request gave the key to a thread elsewhere after this one looked.
        winner = Thread.objects.create(url=OTHER, key="post-42")
        found = services.thread_for_post(url=PAGE, key="post-42", title="", site=site, found=stale)
        assert found.pk == winner.pk
        # Another request created the page's key-less thread after this one looked.
        again = services.thread_for_post(url=PAGE, key=None, title="", site=site, found=None)
        assert again.pk == keyless.pk
        # Another request created the keyed thread after this one looked.
        raced = services.thread_for_post(url=OTHER, key="post-42", title="", site=site, found=None)
        assert raced.pk == winner.pk
        assert Thread.objects.count() == 2


def test_a_key_taken_by_another_key_in_between_makes_a_new_thread(alpha, in_schema):
    with in_schema(alpha):
        site = site_config()
        thread = Thread.objects.create(url=PAGE)
        stale = Thread.objects.get(pk=thread.pk)
        Thread.objects.filter(pk=thread.pk).update(key="post-41")
        found = services.thread_for_post(url=PAGE, key="post-42", title="", site=site, found=stale)
        assert found.pk != thread.pk
        assert (found.url, found.key) == (PAGE, "post-42")


def test_counts_follow_the_same_rules(api, alpha):
    api.post_comment("one", key="post-41")
    api.post_comment("two", url=OTHER)
    api.post_comment("three", url=OTHER, key="post-43")
    assert api.get("/api/v1/counts", {"url": [PAGE, OTHER]}).json() == {PAGE: 1, OTHER: 2}
