"""Page URLs in one spelling (core/urlnorm.py): one page is one thread, wherever its URL
comes from, and stored duplicates are merged (embed/renormalise.py, migration 0004)."""

import pytest

from core.urlnorm import InvalidURL, url_normalize, url_search_terms
from embed.models import Comment, Commenter, Flag, Thread, Vote
from embed.renormalise import thread_urls_renormalise

CAFE = "https://alpha.example/posts/caf%C3%A9"
SPELLINGS = [
    "https://alpha.example/posts/caf%C3%A9",
    "https://alpha.example/posts/caf%c3%a9",
    "https://alpha.example/posts/café",
]


@pytest.mark.parametrize(
    "raw, normal",
    [
        *((spelling, CAFE) for spelling in SPELLINGS),
        ("HTTPS://Blog.Example:443/post?utm_source=x&id=2#c5", "https://blog.example/post?id=2"),
        ("https://Bücher.Example/", "https://xn--bcher-kva.example/"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example/"),
        ("http://☃.net/", "http://xn--n3h.net/"),
        ("https://ＥＸＡＭＰＬＥ。com/a", "https://example.com/a"),  # full-width, as browsers map
        ("https://faß.de/", "https://xn--fa-hia.de/"),  # non-transitional, as browsers
        ("http://blog.example:80", "http://blog.example/"),
        ("https://blog.example:8443", "https://blog.example:8443/"),
        ("https://user:pw@blog.example/p", "https://blog.example/p"),
        ("http://[0:0::1]:8000/", "http://[::1]:8000/"),
        ("https://blog.example/%7Eann/%41%2f", "https://blog.example/~ann/A%2F"),
        ("https://blog.example/a/./b/../c", "https://blog.example/a/c"),
        ("https://blog.example/a/%2e%2E/c", "https://blog.example/c"),
        ("https://blog.example\\a\\b", "https://blog.example/a/b"),
        ("https://blog.example/a b^c", "https://blog.example/a%20b%5Ec"),
        ("https://blog.example/p%zz", "https://blog.example/p%25zz"),
        ("https://blog.example/p\x00x", "https://blog.example/p%00x"),
        (" https://blog.example/p\n ", "https://blog.example/p"),
        ("https://blog.example/?q=a+b&r=%20&s=%2f&t=/&u", "https://blog.example/?q=a+b&r=+&s=%2F&t=%2F&u="),
        ("https://blog.example/?q=%c3%a9&r=é&s=%ff", "https://blog.example/?q=%C3%A9&r=%C3%A9&s=%FF"),
        ("https://blog.example/?fbclid=1&UTM_medium=2", "https://blog.example/"),
    ],
)  # fmt: skip
def test_it_spells_each_page_one_way(raw: str, normal: str):
    assert url_normalize(raw) == normal
    assert url_normalize(normal) == normal  # idempotent


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "ftp://x.example/", "mailto:a@x.example", "/posts/1", "https://", "https://a b/",
     "https://a%00b.example/", "https://[::g]/", "https://x.example:99999/", "https://a\u0000.example/",
     "https://x.example/" + "x" * 2000, 42, None],
)  # fmt: skip
def test_it_refuses_what_is_no_page_url(raw):
    with pytest.raises(InvalidURL):
        url_normalize(raw)


def test_a_long_url_that_grows_past_the_limit_when_encoded_is_refused():
    with pytest.raises(InvalidURL, match="longer than"):
        url_normalize("https://x.example/" + "é" * 700)


def test_three_spellings_of_a_page_are_one_thread(api, alpha, in_schema):
    for index, spelling in enumerate(SPELLINGS):
        response = api.post_comment(f"comment {index}", url=spelling)
        assert response.status_code == 201, response.content
    with in_schema(alpha):
        assert list(Thread.objects.values_list("url", "comment_count")) == [(CAFE, 3)]
    for spelling in SPELLINGS:
        body = api.thread(url=spelling).json()
        assert body["thread"]["url"] == CAFE
        assert len(body["comments"]) == 3
    assert api.get("/api/v1/counts", {"url": SPELLINGS}).json() == dict.fromkeys(SPELLINGS, 3)


def test_an_internationalised_host_matches_its_punycode_origin(api, alpha, in_schema):
    with in_schema(alpha):
        from embed.site import site_settings_update

        site_settings_update(allowed_origins=["https://bücher.example"])
    typed = "https://Bücher.example/seite"
    assert api.post_comment("hallo", url=typed).status_code == 201
    sent = "https://xn--bcher-kva.example/seite"  # what a browser's location.href says
    assert api.thread(url=sent).json()["thread"]["url"] == sent


def test_moderators_find_threads_by_any_spelling(api, alpha, staff_client):
    api.post_comment("first", url=CAFE)
    owner = staff_client(alpha)
    for text in ("/posts/café", "posts/caf%c3%a9", "https://alpha.example/posts/café"):
        found = owner.get("/api/v1/admin/threads", {"q": text}).json()["results"]
        assert [t["url"] for t in found] == [CAFE], text
        page = owner.get("/dashboard/threads/", {"q": text}).content.decode()
        assert "/posts/caf%C3%A9" in page, text
    assert owner.get("/api/v1/admin/threads", {"q": "/posts/cafe"}).json()["results"] == []


def test_search_terms_include_the_stored_spelling():
    assert url_search_terms("bücher.example/ä") == [
        "bücher.example/ä",
        "b%C3%BCcher.example/%C3%A4",
        "xn--bcher-kva.example/%C3%A4",
    ]
    assert url_search_terms("https://Blog.example") == [
        "https://Blog.example",
        "https://blog.example",
    ]
    assert url_search_terms("  ") == []


def make_thread(url: str, key: str | None = None, **fields) -> Thread:
    # Stored as an older release stored it: not through today's normalisation.
    return Thread.objects.create(url=url, key=key, **fields)


def test_the_migration_merges_duplicates_into_the_oldest_thread(alpha, in_schema):
    with in_schema(alpha):
        ann, bo = Commenter.objects.create(name="Ann"), Commenter.objects.create(name="Bo")
        oldest = make_thread("https://alpha.example/posts/caf%c3%a9")
        second = make_thread("https://alpha.example/posts/café", title="Café", closed=True)
        third = make_thread("https://Alpha.example:443/posts/caf%C3%A9?utm_source=feed")
        keyed = make_thread("https://alpha.example/posts/café", key="cafe-2")
        other = make_thread("https://alpha.example/posts/tea")
        a = Comment.objects.create(thread=oldest, author=ann, body="a", body_html="<p>a</p>")
        b = Comment.objects.create(thread=second, author=bo, body="b", body_html="<p>b</p>")
        reply = Comment.objects.create(
            thread=second, author=ann, parent=b, root=b, depth=1, body="r", body_html="<p>r</p>"
        )
        Comment.objects.create(
            thread=third, author=bo, body="held", body_html="<p>held</p>", status="pending"
        )
        Comment.objects.create(thread=keyed, author=bo, body="k", body_html="<p>k</p>")
        Vote.objects.create(comment=b, commenter=ann, value=1)
        Flag.objects.create(comment=reply, commenter=bo, reason="spam")

        report = thread_urls_renormalise(thread_model=Thread, comment_model=Comment)

        assert (report.threads_merged, report.comments_moved) == (2, 3)
        assert report.urls_changed == 2  # the merged thread and the keyed one
        rows = Thread.objects.order_by("id")
        assert [(t.pk, t.url, t.key) for t in rows] == [
            (oldest.pk, CAFE, None),
            (keyed.pk, CAFE, "cafe-2"),  # a keyed thread is its own page: respelled only
            (other.pk, "https://alpha.example/posts/tea", None),
        ]
        merged = Thread.objects.get(pk=oldest.pk)
        assert merged.comment_count == 3  # a, b and the reply; the held one is not counted
        assert (merged.title, merged.closed, merged.created) == ("Café", True, oldest.created)
        assert set(merged.comments.values_list("body", flat=True)) == {"a", "b", "r", "held"}
        assert Vote.objects.get().comment_id == b.pk
        assert Flag.objects.get().comment_id == reply.pk
        assert Comment.objects.get(pk=reply.pk).parent_id == b.pk
        # Running it again changes nothing.
        assert thread_urls_renormalise(thread_model=Thread, comment_model=Comment).urls_changed == 0
        assert a.pk in merged.comments.values_list("pk", flat=True)


def test_after_the_migration_the_merged_thread_is_served(api, alpha, in_schema):
    with in_schema(alpha):
        for url in SPELLINGS[1:]:
            thread = make_thread(url)
            Comment.objects.create(
                thread=thread, author=Commenter.objects.create(name="Ann"), body=url,
                body_html="<p>x</p>",
            )  # fmt: skip
        thread_urls_renormalise(thread_model=Thread, comment_model=Comment)
    body = api.thread(url=SPELLINGS[0]).json()
    assert body["thread"]["comment_count"] == 2
    assert len(body["comments"]) == 2
