"""Each format imports its real sample files (tests/data/imports, from the Isso and Remark42
test suites) with the expected threads, comments, tree and states."""

import gzip
import json
import sqlite3
from pathlib import Path
from typing import cast

import pytest

from embed.importers.records import Refused
from embed.importers.run import comments_import
from embed.importers.source import Source, detect
from embed.models import Comment, Commenter, Thread
from tests.factories import CommentFactory, ThreadFactory
from tests.import_support import DATA, repaired


def tree(url: str) -> list[tuple]:
    """(source id, parent's source id, depth, status) of a thread's comments, in id order."""
    comments = Comment.objects.filter(thread__url=url).select_related("parent").order_by("id")
    return [
        (c.import_id, c.parent.import_id if c.parent else None, c.depth, c.status) for c in comments
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("isso-disqus.xml", "disqus"),
        ("isso-wordpress.xml", "wordpress"),
        ("isso-generic.json", "isso-json"),
        ("remark42-commento.json", "commento"),
        ("remark42-disqus.xml", "disqus"),
    ],
)
def test_it_tells_the_format_from_the_first_bytes(name, expected):
    assert detect(Source(DATA / name)) == expected


def test_it_reads_gzipped_files_and_refuses_what_it_does_not_know(tmp_path: Path):
    zipped = tmp_path / "export.gz"
    zipped.write_bytes(gzip.compress((DATA / "isso-disqus.xml").read_bytes()))
    assert detect(Source(zipped)) == "disqus"
    (tmp_path / "notes.txt").write_text("Dear diary")
    with pytest.raises(Refused, match="not an export we know"):
        detect(Source(tmp_path / "notes.txt"))
    with pytest.raises(Refused, match="Unknown format"):
        detect(Source(zipped), "blogger")
    (tmp_path / "empty.xml").write_text("")
    with pytest.raises(Refused, match="empty"):
        detect(Source(tmp_path / "empty.xml"))


def test_a_format_can_be_named_when_the_file_does_not_say(alpha, in_schema, tmp_path: Path):
    # Remark42 lines without the metadata line are not recognisable; named, they import.
    line = {"id": "c1", "pid": "", "text": "<p>Hi</p>", "user": {"name": "Ann", "id": "x"},
            "locator": {"site": "s", "url": "https://alpha.example/named"},
            "time": "2020-01-01T00:00:00Z"}  # fmt: skip
    path = tmp_path / "backup"
    path.write_text('{"version": 1, "users": [], "posts": []}\n' + json.dumps(line) + "\n")
    with in_schema(alpha):
        assert comments_import(path=path, format="remark42").comments == 1


def test_disqus_sample_from_isso(alpha, in_schema, api):
    with in_schema(alpha):
        result = comments_import(path=DATA / "isso-disqus.xml")
        assert (result.threads, result.comments, result.skipped) == (2, 5, 2)
        assert result.report["skipped"] == {
            "thread: has no link": 1,
            "comment: its thread is not in the file": 1,
        }
        lines = {(e["kind"], e["id"], e["line"]) for e in result.report["entries"]}
        assert lines == {("thread", "3", 28), ("comment", "6", 66)}
        hello = Thread.objects.get(url="http://example.org/")
        assert (hello.title, hello.key, hello.comment_count) == ("Hello, World!", None, 3)
        assert tree(hello.url) == [
            ("4", None, 0, "published"),
            ("5", "4", 1, "published"),
            ("9", None, 0, "deleted"),
            ("11", "9", 1, "published"),
        ]
        untitled = Thread.objects.get(
            url="http://localhost:4000/blog/2013/02/12/redacted/index.html"
        )
        assert (untitled.title, untitled.key, untitled.comment_count) == ("", None, 1)
        # The origins are not the site's yet: the report says so.
        assert result.report["origins_not_allowed"] == {
            "http://example.org": 1,
            "http://localhost:4000": 1,
        }
    body = api.thread(url="http://example.org/").json()
    assert [c["deleted"] for c in body["comments"]] == [False, True]
    placeholder = body["comments"][1]
    assert placeholder["author"]["name"] == "" and placeholder["html"] == ""
    assert placeholder["replies"][0]["html"] == "<p>Hello, World.</p>"


def test_wordpress_sample_from_isso(alpha, in_schema):
    with in_schema(alpha):
        result = comments_import(path=DATA / "isso-wordpress.xml")
        assert (result.threads, result.comments, result.skipped) == (2, 8, 0)
        post = "http://example.tld/2014/test/"
        assert [row[:3] for row in tree(post)] == [
            ("18/2", None, 0),
            ("18/6", None, 0),
            ("18/7", "18/6", 1),
            ("18/8", "18/7", 2),
            ("18/9", "18/7", 2),
            ("18/10", None, 0),
            ("18/11", None, 0),
        ]
        multiline = Comment.objects.get(import_id="18/10")
        assert multiline.body_html == (
            "<p>When you have a comment with multiple lines:<br>\n"
            "WordPress exports it like this.</p>"
        )
        # comment_date_gmt wins over the local comment_date; ::ffff:192.0.2.10 is IPv4.
        assert multiline.created.isoformat() == "2022-06-06T02:13:14+00:00"
        assert multiline.ip == "192.0.2.0"
        # The same comment_id on another post (named by its link: no post_id) is another.
        assert tree("http://example.tld/?p=4") == [
            ("http://example.tld/?p=4/11", None, 0, "published")
        ]
        assert Thread.objects.get(url=post).title == "Hello, World\u2026"
        # A registered user (comment_user_id 1) is one reader; guests are one per address
        # and name (comment 7 has no user id).
        authors = Commenter.objects.filter(comments__thread__url=post).distinct()
        assert sorted(str(a.import_key) for a in authors) == [
            "wordpress:e:reader10@example.invalid:Reader 15",
            "wordpress:e:reader9@example.invalid:Reader 14",
            "wordpress:u:user1",
        ]


def test_isso_json_sample_goes_on_the_base_url(alpha, in_schema):
    with in_schema(alpha):
        result = comments_import(path=DATA / "isso-generic.json", base_url="https://alpha.example")
        assert (result.threads, result.comments, result.skipped) == (2, 2, 0)
        comment = Comment.objects.get(thread__url="https://alpha.example/posts/0007/")
        assert comment.author.name == "Richard Crinshaw"
        assert comment.body == "Ja-make-a me crazzy mon :)"
        assert comment.created.isoformat() == "2005-05-08T06:50:26+00:00"
        assert comment.ip == "192.0.2.0"


def test_a_path_without_a_base_url_is_reported_not_guessed(alpha, in_schema):
    with in_schema(alpha):  # alpha allows two origins: which one is not ours to guess
        result = comments_import(path=DATA / "isso-generic.json")
        assert result.comments == 0
        assert result.skipped == 4  # two threads and their comments
        reasons = {e["reason"] for e in result.report["entries"] if e["kind"] == "thread"}
        assert len(reasons) == 1 and "no base URL" in reasons.pop()


ISSO_SCHEMA = [
    "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256))",
    "CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER, "
    "created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR, "
    "author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0, "
    "dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification INTEGER NOT NULL DEFAULT 0)",
]


def test_isso_sqlite_database(alpha, in_schema, tmp_path: Path):
    path = tmp_path / "comments.db"
    db = sqlite3.connect(path)
    for statement in ISSO_SCHEMA:
        db.execute(statement)
    db.execute("INSERT INTO threads VALUES (1, '/posts/one/', 'One')")
    rows = [
        # id, parent, created, modified, mode, ip, text, author, email, likes, dislikes
        (1, None, 1600000000.5, None, 1, "198.51.100.0", "First *post*", "Ann", "a@x.org", 3, 1),
        (2, 1, 1600000100.0, 1600000200.0, 4, "198.51.100.0", "", None, None, 0, 0),
        (3, 2, 1600000300.0, None, 1, "198.51.100.0", "<b>raw</b> reply", "Bo", None, 0, 0),
        (4, None, 1600000400.0, None, 2, "198.51.100.0", "Held", "Cy", None, 0, 0),
    ]  # fmt: skip
    for row in rows:
        db.execute(
            "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text, "
            "author, email, likes, dislikes, voters) VALUES (1, ?,?,?,?,?,?,?,?,?,?,?, x'00')",
            row,
        )
    db.commit()
    db.close()
    with in_schema(alpha):
        result = comments_import(path=path, format="isso", base_url="https://alpha.example")
        assert result.format == "isso-sqlite"
        assert (result.threads, result.comments, result.skipped) == (1, 4, 0)
        url = "https://alpha.example/posts/one/"
        assert tree(url) == [
            ("1", None, 0, "published"),
            ("2", "1", 1, "deleted"),
            ("3", "2", 2, "published"),
            ("4", None, 0, "pending"),
        ]
        first = Comment.objects.get(import_id="1")
        assert first.body_html == "<p>First <em>post</em></p>"
        assert (first.score, first.created.isoformat()) == (2, "2020-09-13T12:26:40.500000+00:00")
        # Isso's text is Markdown with raw HTML off, as ours: the tags show as text.
        assert Comment.objects.get(import_id="3").body_html == "<p>&lt;b&gt;raw&lt;/b&gt; reply</p>"
        assert Comment.objects.get(import_id="2").edited is not None
        assert Thread.objects.get(url=url).comment_count == 2


def test_isso_sqlite_that_is_not_isso_is_refused(alpha, in_schema, tmp_path: Path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (id INTEGER)")
    db.commit()
    db.close()
    with in_schema(alpha), pytest.raises(Refused, match="not an Isso database"):
        comments_import(path=path)


def test_commento_sample_from_remark42(alpha, in_schema, api):
    with in_schema(alpha):
        result = comments_import(path=DATA / "remark42-commento.json")
        assert (result.threads, result.comments, result.skipped) == (2, 3, 0)
        assert tree("https://example.com/blog/post/1") == [
            ("7d77e39fcd813241d6281478cc8f21ab5f807d043c750bc1a936bc23b34fb854", None, 0,
             "published"),
            ("ea5f7bcd6ac9bb7b657f7d0569831104e1bcf9c253d03c1e16bf9654c49a5ce9",
             "7d77e39fcd813241d6281478cc8f21ab5f807d043c750bc1a936bc23b34fb854", 1, "published"),
        ]  # fmt: skip
        reply = Comment.objects.get(import_id__startswith="ea5f7b")
        # The commenters come after the comments in the file and still name them.
        assert (reply.author.name, reply.author.email) == ("Reader 19", "reader14@example.invalid")
        assert reply.author.avatar.startswith("https://avatars.example.invalid/")
        anonymous = Comment.objects.get(thread__url="https://example.com/blog/post/2")
        assert (anonymous.author.name, anonymous.score) == ("", 1)
    body = api.thread(url="https://example.com/blog/post/1").json()
    assert body["comments"][0]["replies"][0]["author"]["name"] == "Reader 19"
    assert "reader14@example.invalid" not in json.dumps(body)


def test_remark42_disqus_sample_is_refused_naming_the_line(alpha, in_schema):
    with in_schema(alpha):
        kept = cast(Comment, CommentFactory(thread=ThreadFactory(url="https://alpha.example/kept")))
        with pytest.raises(Refused) as refused:
            comments_import(path=DATA / "remark42-disqus.xml")
        assert refused.value.line == 1
        assert "not well-formed XML" in str(refused.value)
        assert list(Comment.objects.values_list("pk", flat=True)) == [kept.pk]


def test_remark42_disqus_sample_once_mended(alpha, in_schema, api, tmp_path: Path):
    with in_schema(alpha):
        result = comments_import(path=repaired("remark42-disqus.xml", tmp_path))
        assert (result.threads, result.comments, result.skipped) == (2, 5, 1)
        assert result.report["skipped"] == {
            "comment: its date does not parse: '2011-x09-30T22:48:43Z' is not a date": 1
        }
        assert result.report["notes"] == {"comment: has no dsq:id: identified by its content": 1}
        podcast = Thread.objects.get(url="https://example-blog.com/p/2011/03/05/podcast-229/")
        assert podcast.closed and podcast.comment_count == 2
        assert podcast.title == "Радио-Т: Радио-Т 229"
        spam = Comment.objects.get(import_id="299986073")
        assert spam.status == "spam"
        no_id = Comment.objects.get(import_id="id:12345678890")
        assert no_id.body == "This comment had no ID"
        cyrillic = Comment.objects.get(import_id="299744309")
        assert cyrillic.body.startswith("Microsoft показал")
        assert 'href="http://blogs.msdn.com/' in cyrillic.body_html
        assert 'title="' not in cyrillic.body_html or "nofollow ugc noopener" in cyrillic.body_html
    body = api.thread(url=podcast.url).json()
    assert body["thread"]["closed"] is True
    assert len(body["comments"]) == 2  # the spam is not shown


def test_remark42_disqus_deleted_post_and_thread(alpha, in_schema, tmp_path: Path):
    with in_schema(alpha):
        result = comments_import(path=repaired("remark42-disqus-deleted-post.xml", tmp_path))
        assert (result.comments, result.skipped) == (5, 1)
        assert Comment.objects.get(import_id="299619020").status == "deleted"
    with in_schema(alpha):
        Comment.objects.all().delete()
        Thread.objects.all().delete()
        path = repaired("remark42-disqus-deleted-thread.xml", tmp_path)
        result = comments_import(path=path)
        assert (result.threads, result.comments) == (1, 2)
        assert result.report["skipped"] == {
            "thread: deleted in the source": 1,
            "comment: its thread is left out: deleted in the source": 3,
            "comment: its date does not parse: '2011-x09-30T22:48:43Z' is not a date": 1,
        }
        assert not Thread.objects.filter(url__contains="podcast-229").exists()


def test_remark42_backup(alpha, in_schema, tmp_path: Path):
    page = "https://alpha.example/remark"
    lines = [
        {"version": 1, "users": [{"id": "github_1", "verified": True}],
         "posts": [{"url": page, "read_only": True}]},
        {"id": "a", "pid": "", "text": "<p>Top</p>", "orig": "Top **one**",
         "user": {"name": "Gale", "id": "github_1", "ip": "3f2a9c", "picture": "/avatar.png"},
         "locator": {"site": "blog", "url": page}, "score": 4,
         "time": "2017-12-20T15:18:22-06:00", "title": "Remarks"},
        {"id": "b", "pid": "a", "text": "<p>Reply <script>x()</script></p>",
         "user": {"name": "Guest", "id": "anonymous_9"}, "locator": {"site": "blog", "url": page},
         "time": "2017-12-21T15:18:22Z", "edit": {"time": "2017-12-21T16:00:00Z"}},
        {"id": "c", "pid": "a", "text": "", "user": {"name": "Gale", "id": "github_1"},
         "locator": {"site": "blog", "url": page}, "time": "2017-12-22T15:18:22Z",
         "delete": True},
    ]  # fmt: skip
    path = tmp_path / "remark-backup.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(x) + "\n" for x in lines).encode()))
    with in_schema(alpha):
        result = comments_import(path=path)
        assert result.format == "remark42"
        assert (result.threads, result.comments, result.skipped) == (1, 3, 0)
        assert tree(page) == [
            ("a", None, 0, "published"),
            ("b", "a", 1, "published"),
            ("c", "a", 1, "deleted"),
        ]
        top = Comment.objects.get(import_id="a")
        assert top.body == "Top **one**" and top.body_html == "<p>Top <strong>one</strong></p>"
        assert (top.score, top.created.isoformat()) == (4, "2017-12-20T21:18:22+00:00")
        assert top.ip is None  # Remark42 keeps a hash, not an address
        assert top.author.avatar == ""  # not an absolute URL
        reply = Comment.objects.get(import_id="b")
        assert reply.body_html == "<p>Reply </p>" and reply.edited is not None
        assert reply.author.import_key == "remark42:n:Guest"
        thread = Thread.objects.get(url=page)
        assert thread.closed and thread.title == "Remarks"


def test_remark42_backup_with_a_broken_line_is_refused(alpha, in_schema, tmp_path: Path):
    path = tmp_path / "backup.jsonl"
    path.write_text('{"version": 1, "users": [], "posts": []}\n{"id": "a", "locator": {\n')
    with in_schema(alpha), pytest.raises(Refused) as refused:
        comments_import(path=path, format="remark42")
    assert refused.value.line == 2


def test_commento_json_that_is_cut_short_is_refused_naming_the_line(alpha, in_schema, tmp_path):
    text = (DATA / "remark42-commento.json").read_text()
    path = tmp_path / "commento.json"
    path.write_text(text[: text.index('"commenters"')] + '"commenters": [}')
    with in_schema(alpha), pytest.raises(Refused) as refused:
        comments_import(path=path)
    assert refused.value.line == text[: text.index('"commenters"')].count("\n") + 1
