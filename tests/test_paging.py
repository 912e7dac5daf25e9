"""Keyset paging of a thread's top-level comments: comments posted, held or removed between
two page loads never make another comment repeat or go missing (embed.selectors.Cursor)."""

from datetime import timedelta
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import redis
from embed import selectors
from embed.models import Comment, Commenter, Thread
from tests.conftest import PAGE
from tests.factories import ThreadFactory

pytestmark = pytest.mark.django_db

SIZE = selectors.PAGE_SIZE


def seed(tenant, in_schema, count: int, *, scores=None, pinned=()) -> list[int]:
    """`count` top-level comments a minute apart, oldest first; some with scores or pinned."""
    with in_schema(tenant):
        thread = cast(Thread, ThreadFactory(url=PAGE))
        author = Commenter.objects.create(name="Seeder")
        start = timezone.now() - timedelta(days=1)
        made = Comment.objects.bulk_create(
            Comment(
                thread=thread,
                author=author,
                body=f"c{i}",
                body_html=f"<p>c{i}</p>",
                score=scores[i] if scores else 0,
                pinned=i in pinned,
            )  # fmt: skip
            for i in range(count)
        )
        for i, comment in enumerate(made):  # auto_now_add ignores a given time
            Comment.objects.filter(pk=comment.pk).update(created=start + timedelta(minutes=i))
        return [c.pk for c in made]


def ids(body: dict) -> list[int]:
    return [c["id"] for c in body["comments"]]


def read_all(api, sort: str, between=None) -> list[int]:
    """Every page of the thread in order, running `between(page_number)` between loads."""
    seen, cursor, page = [], None, 0
    while True:
        params = {"sort": sort, **({"cursor": cursor} if cursor else {})}
        response = api.thread(**params)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += ids(body)
        cursor, page = body["next"], page + 1
        if cursor is None:
            return seen
        if between:
            between(page)


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_posts_between_page_loads_neither_repeat_nor_skip(api, alpha, in_schema, sort):
    scores = [(i * 7) % 5 - 2 for i in range(130)]  # ties on score, so created and id decide
    original = seed(alpha, in_schema, 130, scores=scores)
    posted: list[int] = []

    def post(page: int) -> None:
        for n in range(3):
            posted.append(api.post_comment(f"posted after page {page} ({n})").json()["id"])

    seen = read_all(api, sort, between=post)
    assert len(seen) == len(set(seen)), "a comment came twice"
    assert set(original) <= set(seen), "a comment was skipped"
    assert set(seen) <= set(original) | set(posted)
    if sort == "oldest":
        assert seen == original + posted  # new comments come last, so every one shows


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_removals_between_page_loads_skip_nothing_else(api, alpha, in_schema, sort):
    original = seed(alpha, in_schema, 120)
    removed: list[int] = []

    def hide(page: int) -> None:
        # Moderators reject comments already seen and comments still to come.
        first_page = original[:SIZE] if sort != "newest" else original[-SIZE:]
        with in_schema(alpha):
            for pk in (first_page[0], first_page[-1], original[60]):
                Comment.objects.filter(pk=pk).update(status=Comment.Status.REJECTED)
                removed.append(pk)

    seen = read_all(api, sort, between=hide)
    assert len(seen) == len(set(seen))
    assert set(original) - set(removed) <= set(seen)


def test_pinned_comments_come_first_and_only_once(api, alpha, in_schema):
    original = seed(alpha, in_schema, 75, pinned={10, 60})
    pinned = [original[10], original[60]]
    for sort in ("oldest", "newest", "top"):
        first = api.thread(sort=sort).json()
        assert ids(first)[:2] == (pinned if sort != "newest" else pinned[::-1])
        seen = read_all(api, sort)
        assert sorted(seen) == sorted(original)
        assert [pk for pk in seen if pk in pinned] == ids(first)[:2]


def test_more_pinned_comments_than_a_page_still_page_in_order(api, alpha, in_schema):
    original = seed(alpha, in_schema, SIZE + 10, pinned=set(range(SIZE + 5)))
    assert read_all(api, "oldest") == original


@pytest.mark.parametrize("cursor", ["!!not-a-cursor", "AAAA", "x" * 47, "é", "o50", "AQAA" * 20])
def test_a_bad_cursor_is_a_400_in_the_error_shape(api, alpha, in_schema, cursor):
    seed(alpha, in_schema, 3)
    response = api.thread(cursor=cursor)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "cursor" in error["fields"]


def test_a_cursor_is_only_good_for_the_read_it_was_made_for(api, alpha, in_schema, api_for, beta):
    seed(alpha, in_schema, SIZE + 5)
    cursor = api.thread(sort="newest").json()["next"]
    assert api.thread(sort="newest", cursor=cursor).status_code == 200
    other_sort = api.thread(sort="oldest", cursor=cursor)
    assert other_sort.status_code == 400
    assert "sort order" in other_sort.json()["error"]["fields"]["cursor"][0]
    assert api.thread(url=PAGE + "/other", sort="newest", cursor=cursor).status_code == 400
    assert api_for(beta).thread(sort="newest", cursor=cursor).status_code == 400
    tampered = cursor[:-12] + ("A" if cursor[-12] != "A" else "B") + cursor[-11:]
    assert api.thread(sort="newest", cursor=tampered).status_code == 400


def test_a_later_page_is_cached_per_cursor_and_costs_constant_queries(api, alpha, in_schema):
    seed(alpha, in_schema, 3 * SIZE)
    first = api.thread(sort="top").json()
    second_cursor = first["next"]
    redis.call("flushdb")
    with CaptureQueriesContext(connection) as cold:
        second = api.thread(sort="top", cursor=second_cursor).json()
    # SET search_path, then thread, top-level page, replies.
    assert len(cold.captured_queries) == 4
    with CaptureQueriesContext(connection) as hot:
        again = api.thread(sort="top", cursor=second_cursor).json()
    assert len(hot.captured_queries) == 0
    assert again == second
    assert not set(ids(first)) & set(ids(second))
