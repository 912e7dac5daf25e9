"""What real exports carry (issue item 3), each case in a small Disqus file of its own;
idempotence; sanitizing; the caches after an import; all or nothing."""

import json
from pathlib import Path
from typing import cast

import pytest

from embed.importers.clean import _anonymise
from embed.importers.records import Refused
from embed.importers.run import comments_import
from embed.models import Comment, Commenter, SiteSettings, Thread
from embed.services import ip_anonymise
from embed.site import _cache as site_cache
from tests.factories import CommentFactory, ThreadFactory
from tests.import_support import disqus_file, dq_post, dq_thread

PAGE = "https://alpha.example/posts/imported"


def run(tmp_path: Path, *parts: str, **options):
    return comments_import(path=disqus_file(tmp_path, *parts), **options)


def parents(url: str = PAGE) -> dict[str, str | None]:
    comments = Comment.objects.filter(thread__url=url).select_related("parent")
    return {str(c.import_id): (c.parent.import_id if c.parent else None) for c in comments}


def entry(result, source_id: str) -> dict:
    return next(e for e in result.report["entries"] if e["id"] == source_id)


@pytest.fixture
def site(alpha, in_schema):
    with in_schema(alpha):
        yield alpha


def test_posts_listed_before_their_parents_and_threads(site, tmp_path):
    result = run(
        tmp_path,
        dq_post("3", "t1", parent="2", created="2020-01-03T00:00:00Z"),
        dq_post("2", "t1", parent="1", created="2020-01-02T00:00:00Z"),
        dq_post("1", "t1", created="2020-01-01T00:00:00Z"),
        dq_thread("t1", PAGE),
    )
    assert (result.comments, result.skipped) == (3, 0)
    assert parents() == {"1": None, "2": "1", "3": "2"}
    depths = dict(Comment.objects.values_list("import_id", "depth"))
    roots = {c.import_id: c.root_id for c in Comment.objects.all()}
    first = Comment.objects.get(import_id="1").pk
    assert depths == {"1": 0, "2": 1, "3": 2}
    assert roots == {"1": None, "2": first, "3": first}


def test_a_reply_to_a_parent_missing_from_the_file_becomes_top_level(site, tmp_path):
    result = run(tmp_path, dq_thread("t1", PAGE), dq_post("5", "t1", parent="404"))
    assert (result.comments, result.skipped) == (1, 0)
    assert parents() == {"5": None}
    note = entry(result, "5")
    assert not note["skipped"] and note["line"] == 11
    assert "not in the file" in note["reason"]


def test_a_parent_in_another_thread_is_no_parent(site, tmp_path):
    other = "https://alpha.example/posts/other"
    run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_thread("t2", other),
        dq_post("1", "t2"),
        dq_post("2", "t1", parent="1"),
    )
    assert parents() == {"2": None}


def test_a_post_whose_thread_does_not_exist_is_skipped_with_its_line(site, tmp_path):
    result = run(tmp_path, dq_thread("t1", PAGE), dq_post("1", "t1"), dq_post("2", "t404"))
    assert (result.comments, result.skipped) == (1, 1)
    skipped = entry(result, "2")
    assert skipped == {
        "kind": "comment",
        "id": "2",
        "line": 20,
        "reason": "its thread is not in the file",
        "skipped": True,
    }


def test_a_post_without_dsq_id_is_imported_once(site, tmp_path):
    parts = (dq_thread("t1", PAGE), dq_post(None, "t1", "<p>No id here</p>"))
    first = run(tmp_path, *parts)
    assert (first.comments_created, first.skipped) == (1, 0)
    assert first.report["notes"] == {"comment: has no dsq:id: identified by its content": 1}
    again = run(tmp_path, *parts)
    assert (again.comments_created, again.comments_updated) == (0, 0)
    assert str(Comment.objects.get().import_id).startswith("digest:")


def test_a_thread_with_an_empty_id_and_no_link_is_skipped(site, tmp_path):
    empty = '<thread dsq:id="9">\n<id/>\n</thread>\n'
    result = run(tmp_path, empty, dq_post("1", "9"), dq_thread("t1", PAGE), dq_post("2", "t1"))
    assert result.comments == 1
    assert entry(result, "9") == {
        "kind": "thread", "id": "9", "line": 3, "reason": "has no link", "skipped": True,
    }  # fmt: skip
    assert entry(result, "1")["reason"] == "its thread is left out: has no link"


def test_an_empty_id_with_a_link_is_fine(site, tmp_path):
    result = run(tmp_path, dq_thread("t1", PAGE, ident=""), dq_post("1", "t1"))
    assert result.comments == 1
    assert Thread.objects.get(url=PAGE).key is None


def test_two_thread_elements_for_one_link_are_merged(site, tmp_path):
    result = run(
        tmp_path,
        dq_thread("t1", PAGE, title=""),
        dq_thread("t2", PAGE + "?utm_source=feed#comments", title="Second title", closed=True),
        dq_post("1", "t1"),
        dq_post("2", "t2", parent="1"),
    )
    assert (result.threads, result.comments) == (1, 2)
    thread = Thread.objects.get()
    assert (thread.url, thread.title, thread.closed) == (PAGE, "Second title", True)
    assert parents() == {"1": None, "2": "1"}
    assert result.report["notes"] == {"thread: same page as an earlier thread: merged": 1}


def test_a_deleted_thread_is_skipped_with_its_posts(site, tmp_path):
    result = run(
        tmp_path, dq_thread("t1", PAGE, deleted=True), dq_post("1", "t1"), dq_post("2", "t1")
    )
    assert (result.threads, result.comments, result.skipped) == (0, 0, 3)
    assert not Thread.objects.exists()


def test_a_deleted_post_with_replies_stays_as_a_placeholder(site, tmp_path, api):
    run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_post("1", "t1", "<p>Regrets</p>", deleted=True),
        dq_post("2", "t1", "<p>Answer</p>", parent="1"),
        dq_post("3", "t1", "<p>Gone</p>", deleted=True),
    )
    body = api.thread(url=PAGE).json()
    assert body["thread"]["comment_count"] == 1
    [placeholder] = body["comments"]  # the deleted post without replies is not shown
    assert placeholder["deleted"] and placeholder["html"] == ""
    assert [reply["html"] for reply in placeholder["replies"]] == ["<p>Answer</p>"]


def test_spam_is_imported_as_spam_and_not_shown(site, tmp_path, api):
    run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_post("1", "t1", "<p>Fine</p>"),
        dq_post("2", "t1", "<p>Buy now</p>", spam=True),
    )
    spam = Comment.objects.get(import_id="2")
    assert (spam.status, spam.reasons) == ("spam", ["imported from Disqus"])
    body = api.thread(url=PAGE).json()
    assert body["thread"]["comment_count"] == 1
    assert [c["html"] for c in body["comments"]] == ["<p>Fine</p>"]


def test_links_with_tracking_parameters_join_the_widgets_thread(site, tmp_path, api):
    native = cast(Thread, ThreadFactory(url=PAGE + "?id=2"))
    CommentFactory(thread=native)
    run(
        tmp_path,
        dq_thread(
            "t1", "HTTPS://Alpha.Example:443/posts/imported?utm_source=x&amp;id=2&amp;fbclid=1#c5"
        ),
        dq_post("1", "t1"),
    )
    assert Thread.objects.get().pk == native.pk
    assert api.thread(url=PAGE + "?id=2&utm_medium=mail").json()["thread"]["comment_count"] == 2


def test_cdata_with_surrounding_whitespace(site, tmp_path):
    thread = (
        '<thread dsq:id="t1">\n<link>\n   <![CDATA[  ' + PAGE + "  ]]>\n</link>\n"
        "<title><![CDATA[\n  Spaced title \n]]></title>\n</thread>\n"
    )
    post = dq_post("1", "t1", "\n\n   <p>Padded</p>   \n").replace("<![CDATA[", "\n    <![CDATA[")
    run(tmp_path, thread, post)
    comment = Comment.objects.get()
    assert (comment.thread.url, comment.thread.title) == (PAGE, "Spaced title")
    assert (comment.body, comment.body_html) == ("Padded", "<p>Padded</p>")


def test_a_date_that_does_not_parse_is_skipped_with_its_line(site, tmp_path):
    result = run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_post("1", "t1", created="2011-x09-30T22:48:43Z"),
        dq_post("2", "t1", created="yesterday"),
        dq_post("3", "t1", created="2011-09-30T22:48:43Z"),
    )
    assert (result.comments, result.skipped) == (1, 2)
    assert [(e["id"], e["line"]) for e in result.report["entries"]] == [("1", 11), ("2", 20)]
    assert all("does not parse" in e["reason"] for e in result.report["entries"])


def test_a_file_that_is_not_well_formed_changes_nothing(site, tmp_path, api):
    kept = cast(
        Comment,
        CommentFactory(thread=ThreadFactory(url=PAGE), body="Before", body_html="<p>Before</p>"),
    )
    good = "".join(dq_post(str(n), "t1") for n in range(1, 400))
    path = disqus_file(tmp_path, dq_thread("t1", PAGE), good, '<post dsq:id="x"><message>')
    with pytest.raises(Refused) as refused:
        comments_import(path=path)
    assert refused.value.line == path.read_text().count("\n")  # the last line
    assert "not well-formed" in refused.value.message
    assert list(Comment.objects.all()) == [kept]
    assert Thread.objects.get().comment_count == 0  # as the factory left it
    assert not Commenter.objects.filter(import_key__isnull=False).exists()


def test_the_same_file_twice_creates_nothing(site, tmp_path):
    parts = (
        dq_thread("t1", PAGE),
        dq_post("1", "t1"),
        dq_post("2", "t1", parent="1", name="Bo", email="bo@readers.example"),
    )
    first = run(tmp_path, *parts)
    assert (first.threads_created, first.comments_created) == (1, 2)
    counts = (Thread.objects.count(), Comment.objects.count(), Commenter.objects.count())
    again = run(tmp_path, *parts)
    assert (again.threads, again.comments, again.skipped) == (1, 2, 0)
    assert (again.threads_created, again.comments_created, again.comments_updated) == (0, 0, 0)
    assert counts == (Thread.objects.count(), Comment.objects.count(), Commenter.objects.count())


def test_a_newer_export_adds_the_new_and_updates_the_changed(site, tmp_path):
    run(tmp_path, dq_thread("t1", PAGE), dq_post("1", "t1", "<p>Old</p>"), dq_post("2", "t1"))
    # A moderator hid comment 2 here; the newer export did not change it.
    Comment.objects.filter(import_id="2").update(status="rejected")
    newer = run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_post("1", "t1", "<p>Edited at the source</p>"),
        dq_post("2", "t1"),
        dq_post("3", "t1", parent="2"),
    )
    assert (newer.comments_created, newer.comments_updated) == (1, 1)
    assert Comment.objects.get(import_id="1").body_html == "<p>Edited at the source</p>"
    assert Comment.objects.get(import_id="2").status == "rejected"
    assert parents() == {"1": None, "2": None, "3": "2"}
    assert Thread.objects.get().comment_count == 2


def test_replies_that_lead_back_to_themselves_become_top_level(site, tmp_path):
    result = run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_post("1", "t1", parent="2"),
        dq_post("2", "t1", parent="1"),
        dq_post("3", "t1", parent="3"),
    )
    assert result.comments == 3
    assert parents() == {"1": None, "2": None, "3": None}
    assert result.report["notes"]["comment: its replies lead back to itself: made top-level"] == 2


def test_replies_deeper_than_the_site_allows_hang_at_the_cap(site, tmp_path):
    SiteSettings.objects.update(max_depth=3)
    site_cache.clear()
    chain = [dq_post("1", "t1")] + [
        dq_post(str(n), "t1", parent=str(n - 1), created=f"2020-01-0{n}T00:00:00Z")
        for n in range(2, 7)
    ]
    run(tmp_path, dq_thread("t1", PAGE), *chain)
    depths = dict(Comment.objects.values_list("import_id", "depth"))
    assert depths == {"1": 0, "2": 1, "3": 2, "4": 2, "5": 2, "6": 2}
    assert parents() == {"1": None, "2": "1", "3": "2", "4": "2", "5": "2", "6": "2"}


def test_messages_are_sanitized_like_new_comments(site, tmp_path, api):
    hostile = (
        '<p onclick="steal()">Hi <b>bold</b> <i>it</i> <script>alert(1)</script>'
        '<a href="javascript:alert(2)">x</a> <img src="https://img.example/a.png" onerror="y()">'
        '<iframe src="https://evil.example"></iframe><style>p{}</style></p>'
    )
    run(tmp_path, dq_thread("t1", PAGE), dq_post("1", "t1", hostile))
    html = api.thread(url=PAGE).json()["comments"][0]["html"]
    assert html == (
        "<p>Hi <strong>bold</strong> <em>it</em> "
        '<a rel="nofollow ugc noopener">x</a> '
        '<a href="https://img.example/a.png" rel="nofollow ugc noopener">'
        "https://img.example/a.png</a></p>"
    )
    assert Comment.objects.get().body == "Hi bold it x https://img.example/a.png"


def test_ips_are_anonymised_like_new_comments(site, tmp_path):
    run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_post("1", "t1", ip="203.0.113.77"),
        dq_post("2", "t1", ip="2001:db8:85a3:8d3:1319:8a2e:370:7348"),
        dq_post("3", "t1", ip="::ffff:198.51.100.9"),
        dq_post("4", "t1", ip="not an address"),
    )
    ips = dict(Comment.objects.values_list("import_id", "ip"))
    assert ips == {"1": "203.0.113.0", "2": "2001:db8:85a3::", "3": "198.51.100.0", "4": None}


def test_authors_keep_their_names_and_private_emails(site, tmp_path, api):
    run(
        tmp_path,
        dq_thread("t1", PAGE),
        dq_post("1", "t1", name="Jo", email="jo@x.example", anonymous=False, username="jo99"),
        dq_post("2", "t1", name="Jo (new name)", email="", anonymous=False, username="jo99"),
        dq_post("3", "t1", name="Guest", email="g@x.example", anonymous=True, username="ignored"),
        dq_post("4", "t1", name="", email="not-an-address", anonymous=True),
    )
    keys = dict(Comment.objects.values_list("import_id", "author__import_key"))
    assert keys == {
        "1": "disqus:u:jo99",
        "2": "disqus:u:jo99",
        "3": "disqus:e:g@x.example:Guest",
        "4": "disqus:anonymous",
    }
    jo = Commenter.objects.get(import_key="disqus:u:jo99")
    assert (jo.name, jo.email) == ("Jo", "jo@x.example")
    text = api.thread(url=PAGE).content.decode()
    assert "jo@x.example" not in text and "g@x.example" not in text


def test_original_dates_are_kept(site, tmp_path):
    run(
        tmp_path,
        dq_thread("t1", PAGE, created="2009-05-01T08:00:00Z"),
        dq_post("1", "t1", created="2010-06-07T08:09:10Z"),
        dq_post("2", "t1", created="2011-06-07T08:09:10Z"),
    )
    thread = Thread.objects.get()
    assert thread.created.isoformat() == "2009-05-01T08:00:00+00:00"
    assert thread.last_activity.isoformat() == "2011-06-07T08:09:10+00:00"
    assert Comment.objects.get(import_id="1").created.isoformat() == "2010-06-07T08:09:10+00:00"


def test_a_dry_run_reports_and_keeps_nothing(site, tmp_path):
    result = run(tmp_path, dq_thread("t1", PAGE), dq_post("1", "t1"), dry_run=True)
    assert (result.dry_run, result.threads, result.comments_created) == (True, 1, 1)
    assert not Thread.objects.exists() and not Comment.objects.exists()


def test_the_widget_shows_imported_comments_after_commit(site, tmp_path, api):
    native = cast(Thread, ThreadFactory(url=PAGE))
    CommentFactory(thread=native, body_html="<p>Native</p>")
    native.comment_count = 1
    native.save()
    before = api.thread(url=PAGE)
    assert before.json()["thread"]["comment_count"] == 1  # now cached
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 1}
    # The import's transaction commits (tests/conftest.py runs its on_commit callbacks then).
    run(tmp_path, dq_thread("t1", PAGE), dq_post("1", "t1", "<p>Imported</p>"))
    after = api.thread(url=PAGE, sort="oldest")
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert [c["html"] for c in after.json()["comments"]] == ["<p>Imported</p>", "<p>Native</p>"]
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: 2}


def test_characters_the_platform_refuses_are_dropped_not_fatal(site, tmp_path):
    # JSON can carry what XML cannot: NUL (which PostgreSQL cannot store), other controls.
    def line(number: str, text: str, name: str) -> dict:
        return {"id": number, "pid": "", "orig": text, "time": "2020-01-01T00:00:00Z",
                "user": {"name": name, "id": "u" + number}, "title": "Title\u0007 here",
                "locator": {"site": "s", "url": PAGE}}  # fmt: skip

    path = tmp_path / "backup.jsonl"
    rows = [
        {"version": 1},
        line("1\u0000", "Nul\u0000 byte", "Eve\u202e rtl"),
        line("2", "\u200b", "Al"),
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows))
    result = comments_import(path=path)
    comment = Comment.objects.get()
    assert (comment.import_id, comment.body) == ("1", "Nul byte")
    assert (comment.author.name, comment.thread.title) == ("Eve rtl", "Title here")
    assert result.report["skipped"] == {"comment: its message is empty": 1}


def test_a_page_the_site_gave_a_key_gets_its_comments_on_that_thread(site, tmp_path, api):
    keyed = cast(Thread, ThreadFactory(url=PAGE, key="post-17"))
    result = run(tmp_path, dq_thread("t1", PAGE), dq_post("1", "t1", "<p>Old</p>"))
    assert (result.threads, result.threads_created) == (1, 0)
    assert Comment.objects.get().thread_id == keyed.pk
    by_key = api.thread(url=PAGE, key="post-17").json()
    assert [c["html"] for c in by_key["comments"]] == ["<p>Old</p>"]


@pytest.mark.parametrize(
    "ip",
    ["203.0.113.77", "0.0.0.0",  # noqa: S104 - an address, not a bind
     "255.255.255.255", "01.2.3.4", "256.1.1.1", "1.2.3",
     "::ffff:1.2.3.4", "2001:db8::1", "1.2.3.4 ", ""],
)  # fmt: skip
def test_the_quick_ipv4_path_agrees_with_ip_anonymise(ip):
    assert _anonymise(ip) == ip_anonymise(ip)
