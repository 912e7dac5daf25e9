"""The import's fast path changes nothing it stores: the sanitizer built once gives what a
sanitizer built per call gave, COPY text reads back as the values written, and an import
cleaned in a pool of processes stores what one cleaned in-process stores."""

import multiprocessing
from datetime import UTC, datetime
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any, cast

import nh3
import pytest
from django.db import connection

from embed import cache, sanitize
from embed.importers import batch
from embed.importers.records import Refused
from embed.importers.run import comments_import
from embed.importers.writer import copy_rows
from embed.models import Comment, Commenter, Thread
from tests.factories import CommentFactory, ThreadFactory
from tests.import_support import disqus_file, dq_post, dq_thread

PAGE = "https://alpha.example/posts/imported"

TRICKY_HTML = [
    "",
    "plain text, no markup at all",
    "a < b && c > d; 5 > 3 & 2 < 4",
    "&amp; &lt;tag&gt; &nbsp; &#x27; &#39; &copy; &unknown; & amp;",
    "non\u00a0breaking and\r\ncarriage\rreturns\ttabs",
    "<p>para</p>\n\n\n\n<p>another</p>",
    "<b>bold</b> <i>it</i> <s>gone</s> <strike>old</strike> <B>UPPER</B> <bdi>x</bdi>",
    "<script>alert(1)</script><style>p{}</style>after",
    '<a href="javascript:alert(1)">js</a> <a href="JaVaScRiPt:x">js2</a>',
    '<a href="/relative">rel</a> <a href="//proto.example/x">proto</a> <a href="#frag">f</a>',
    '<a href=" http://space.example">space</a> <a href="http:no-slashes">odd</a>',
    '<a href="HTTPS://UP.example/A" title="t" onclick="x()" rel="me">up</a>',
    '<a href="mailto:ann@example.org">mail</a> <a href="ftp://files.example">ftp</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a> <a>no href</a>',
    '<img src="https://img.example/a.png" alt="x"><img src=x onerror=alert(1)>',
    "<img src='https://img.example/b.png'><IMG SRC=\"https://img.example/c.png\"/>",
    "<p>unclosed <strong>bold <em>both</p> after",
    "</p></div>stray closers<br/><br><br />",
    "<!-- a comment --><?pi?>text<!-->",
    "<table><tr><td>cell</td></tr></table><ul><li>one<li>two</ul>",
    "<pre><code>if a < b:\n    print('&')</code></pre>",
    "<blockquote><p>quoted</p></blockquote><ol><li>x</li></ol><del>d</del>",
    '<p style="color:red" class="c" id="i">attrs</p>',
    "<iframe src=https://evil.example></iframe><object data=x></object>",
    "<svg><script>alert(1)</script></svg><math><mi>x</mi></math>",
    "\u202eright to left\u202c \u200b zero width \U0001f600 emoji",
    "<a href='https://ok.example/?a=1&b=2'>amp in href</a>",
    '<a href="https://ok.example/\u00e9t\u00e9">unicode href</a>',
    "<noscript><p>inside</p></noscript><template><b>t</b></template>",
    "<textarea><b>raw</b></textarea><title>title</title><xmp><b>x</b></xmp>",
    "<p>" + "nested <em>" * 50 + "deep" + "</em>" * 50 + "</p>",
    "<<p>>double<</p>>",
    "<p>1 &lt; 2</p>\n<p>&#0; &#xD800; null refs</p>",
]


def _clean_per_call(html: str) -> str:
    """The sanitizer as it was: nh3.clean with its options on every call."""
    return nh3.clean(
        html,
        tags=set(sanitize.ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in sanitize.ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(sanitize.ALLOWED_URL_SCHEMES),
        link_rel="nofollow ugc noopener",
        strip_comments=True,
        attribute_filter=sanitize._absolute_links_only,
    ).strip()


@pytest.mark.parametrize("html", TRICKY_HTML)
def test_the_sanitizer_built_once_gives_what_one_built_per_call_gave(html):
    assert sanitize._clean(html) == _clean_per_call(html)
    synonyms = sanitize._SYNONYM_TAG.sub(
        lambda m: f"<{m[1]}{sanitize._SYNONYMS[m[2].lower()]}", html
    )
    images = sanitize._IMAGE_TAG.sub(sanitize._image_to_link, synonyms)
    assert sanitize.clean_html(html) == _clean_per_call(images)
    markdown = sanitize._markdown.render(html)
    assert sanitize.render_markdown(html) == _clean_per_call(markdown)


def test_copy_text_reads_back_as_the_values_written(db):
    rows = [
        ("tab\there", "new\nline", "back\\slash \\N", "cr\rlf\r\n", 7, True, None,
         datetime(2016, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)),
        ("", "\\", "ünïcödé \U0001f600", "\\t literal", -3, False, "x", None),
        ("2016-02-03T04:05:06+01:00", "\t", "\n", "\\\n", 0, False, "", None),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copy_check (a text, b text, c text, d text, n integer, "
            "f boolean, g text, t timestamptz) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY copy_check FROM STDIN") as copy:
            copy.write(copy_rows(rows))
        cursor.execute("SELECT * FROM copy_check")
        assert [tuple(row) for row in cursor.fetchall()] == rows
    assert copy_rows([]) == b""


def _stored() -> dict[str, Any]:
    comments = {
        c.import_id: (
            c.parent.import_id if c.parent else None, c.root.import_id if c.root else None,
            c.depth, c.body, c.body_html, c.status, c.created, c.edited, str(c.ip),
            c.author.name, c.author.email, c.author.import_key, c.import_digest, c.thread.url,
        )
        for c in Comment.objects.select_related("parent", "root", "author", "thread")
    }  # fmt: skip
    threads = sorted(Thread.objects.values_list("url", "title", "closed", "comment_count"))
    return {"comments": comments, "threads": threads}


def _export(tmp_path: Path) -> Path:
    parts = [dq_thread(f"t{n}", f"{PAGE}/{n}?utm_source=x", title=f"Page {n}") for n in range(3)]
    for n, html in enumerate(TRICKY_HTML):
        thread = f"t{n % 3}"
        parent = str(n - 3) if n >= 3 and n % 2 else None
        parts.append(
            dq_post(str(n), thread, html, parent=parent, name=f"Reader {n % 5}",
                    email=f"r{n % 5}@readers.example", ip=f"198.51.100.{n}",
                    created=f"2020-01-{1 + n % 28:02d}T10:00:00Z")
        )  # fmt: skip
    parts.append(dq_post("bad-date", "t0", created="2020-13-45T99:00:00Z"))
    parts.append(dq_post("no-thread", "t404"))
    parts.append(dq_post(None, "t1", "<p>no id</p>"))
    return disqus_file(tmp_path, *parts)


@pytest.fixture
def submitted(monkeypatch) -> list:
    """What the import hands to its pool's workers, in order."""
    handed: list = []
    apply_async = Pool.apply_async

    def counted(self: Pool, *args: Any, **kwargs: Any) -> Any:
        handed.append(args[0])
        return apply_async(self, *args, **kwargs)

    monkeypatch.setattr(Pool, "apply_async", counted)
    return handed


def test_a_pooled_import_stores_what_an_inline_one_stores(
    alpha, in_schema, tmp_path, monkeypatch, submitted
):
    monkeypatch.setattr(batch, "CHUNK", 4)
    path = _export(tmp_path)
    with in_schema(alpha):
        monkeypatch.setattr(batch, "WORKERS", 0)
        inline = comments_import(path=path)
        stored_inline = _stored()
        assert not submitted
        Comment.objects.all().delete()
        Commenter.objects.all().delete()
        Thread.objects.all().delete()
        monkeypatch.setattr(batch, "WORKERS", 2)
        pooled = comments_import(path=path)
        assert len(submitted) > 5 and set(submitted) == {batch.clean_chunk}
        assert _stored() == stored_inline
    assert pooled.report == inline.report
    assert (pooled.comments, pooled.skipped) == (inline.comments, inline.skipped)
    assert inline.comments > 25 and inline.report["skipped"] == {
        "comment: its date does not parse: '2020-13-45T99:00:00Z' is not a date": 1,
        "comment: its message is empty": 3,
        "comment: its thread is not in the file": 1,
    }


def test_threads_changed_bumps_every_thread_and_key(alpha, in_schema, api, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "BUMP_PIPELINE", 1)
    with in_schema(alpha):
        ThreadFactory(url=f"{PAGE}/0", key="post-0")
        before = [api.thread(url=f"{PAGE}/{n}").json()["thread"] for n in range(3)]
        by_key = api.thread(url=f"{PAGE}/0", key="post-0").json()["comments"]
        comments_import(path=_export(tmp_path))
    assert [b and b["comment_count"] for b in before] == [0, None, None]
    assert not by_key
    after = [api.thread(url=f"{PAGE}/{n}").json()["thread"]["comment_count"] for n in range(3)]
    assert all(after)
    assert api.thread(url=f"{PAGE}/0", key="post-0").json()["comments"]


def test_a_file_that_breaks_after_the_pool_started_changes_nothing(
    alpha, in_schema, tmp_path, monkeypatch, submitted
):
    monkeypatch.setattr(batch, "CHUNK", 50)
    monkeypatch.setattr(batch, "WORKERS", 2)
    good = "".join(dq_post(str(n), "t1") for n in range(1, 400))
    path = disqus_file(tmp_path, dq_thread("t1", PAGE), good, '<post dsq:id="x"><message>')
    with in_schema(alpha):
        kept = cast(Comment, CommentFactory(thread=ThreadFactory(url=PAGE), body="Before"))
        with pytest.raises(Refused) as refused:
            comments_import(path=path)
        assert list(Comment.objects.all()) == [kept]
        assert not Commenter.objects.filter(import_key__isnull=False).exists()
    assert refused.value.line == path.read_text().count("\n")
    assert submitted  # the pool had started
    assert multiprocessing.active_children() == []  # the pool is gone with the import
