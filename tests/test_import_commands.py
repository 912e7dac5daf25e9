"""The command-line doors: import_comments (progress, report, last line, exit status) and
export_comments (JSON and Disqus XML), and the round trip export -> import."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from embed.models import Comment, Thread
from tests.factories import CommenterFactory, CommentFactory, ThreadFactory
from tests.import_support import DATA


def run_import(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_comments", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_the_report_and_a_last_line(alpha, in_schema):
    out, err = run_import("alpha", str(DATA / "isso-disqus.xml"))
    lines = out.strip().splitlines()
    assert lines[-1] == "import: threads=2 comments=5 skipped=2"
    assert "skipped: 1 × thread: has no link" in out
    assert "  line 28: thread 3: has no link" in out
    assert "created: threads=2 comments=5; updated: comments=0" in out
    assert "reading" in err or "writing" in err or "done" in err  # the progress bar
    again, _ = run_import("alpha", str(DATA / "isso-disqus.xml"))
    assert again.strip().splitlines()[-1] == "import: threads=2 comments=5 skipped=2"
    assert "created: threads=0 comments=0; updated: comments=0" in again
    with in_schema(alpha):
        assert Comment.objects.count() == 5


def test_a_dry_run_keeps_nothing(alpha, in_schema):
    out, _ = run_import("alpha", str(DATA / "isso-wordpress.xml"), "--dry-run")
    assert out.strip().splitlines()[-1] == "import: threads=2 comments=8 skipped=0"
    assert "dry run: nothing was kept" in out
    with in_schema(alpha):
        assert not Comment.objects.exists()


def test_a_refused_file_exits_non_zero_naming_the_line(alpha, in_schema, capsys):
    with pytest.raises(CommandError, match=r"refused: line 1: The file is not well-formed XML"):
        run_import("alpha", str(DATA / "remark42-disqus.xml"))
    with pytest.raises(CommandError, match="No site 'nowhere'"):
        run_import("nowhere", str(DATA / "isso-disqus.xml"))
    with pytest.raises(CommandError, match="No file"):
        run_import("alpha", "/nonexistent/export.xml")


def test_the_json_export_follows_its_schema(alpha, in_schema, tmp_path: Path):
    with in_schema(alpha):
        thread = cast(Thread, ThreadFactory(url="https://alpha.example/a", title="A"))
        ThreadFactory(url="https://alpha.example/empty")
        top = cast(Comment, CommentFactory(thread=thread, body="Top"))
        CommentFactory(thread=thread, parent=top, body="Reply", status="pending")
    target = tmp_path / "site.json"
    call_command("export_comments", "alpha", "--format", "json", "-o", str(target))
    data = json.loads(target.read_text())
    assert {key: data[key] for key in ("format", "version", "site")} == {
        "format": "palaver", "version": 1, "site": "alpha",
    }  # fmt: skip
    first, empty = data["threads"]
    assert (first["url"], first["title"], empty["comments"]) == (
        "https://alpha.example/a", "A", [],
    )  # fmt: skip
    assert [(c["body"], c["status"], c["parent"]) for c in first["comments"]] == [
        ("Top", "published", None),
        ("Reply", "pending", top.pk),
    ]
    assert set(first["comments"][0]) == {
        "id", "parent", "status", "author", "body", "html", "created", "edited", "score",
        "pinned", "ip", "source",
    }  # fmt: skip


def shape(tenant: Any, in_schema: Any) -> list[tuple]:
    """Each thread and its comments as the reader would see them, ids left out."""
    with in_schema(tenant):
        threads = []
        for thread in Thread.objects.order_by("url"):
            comments = Comment.objects.filter(thread=thread).select_related("author", "parent")
            rows = sorted(
                (
                    c.created.replace(microsecond=0).isoformat(), c.depth, c.status,
                    c.body_html, c.author.name,
                    c.parent.body_html if c.parent else None,
                )
                for c in comments
            )  # fmt: skip
            threads.append((thread.url, thread.title, thread.closed, thread.comment_count, rows))
        return threads


def test_disqus_export_imports_back_to_the_same_tree(alpha, beta, in_schema, tmp_path: Path):
    with in_schema(alpha):
        thread = cast(Thread, ThreadFactory(url="https://alpha.example/round", closed=True))
        ann = CommenterFactory(name="Ann <b>", email="ann@x.example")
        top = cast(Comment, CommentFactory(thread=thread, author=ann, body="Top & *more*"))
        gone = cast(Comment, CommentFactory(thread=thread, parent=top, status="deleted"))
        deep = cast(Comment, CommentFactory(thread=thread, parent=gone, body="Under a deleted"))
        CommentFactory(thread=thread, parent=deep, body="Deeper")
        CommentFactory(thread=thread, status="spam", body="Spam")
        CommentFactory(thread=thread, status="pending", body="Held")
        Thread.objects.filter(pk=thread.pk).update(comment_count=3)
    target = tmp_path / "alpha.xml"
    call_command("export_comments", "alpha", "--format", "disqus", "-o", str(target))
    out, _ = run_import("beta", str(target))
    assert out.strip().splitlines()[-1] == "import: threads=1 comments=6 skipped=0"
    assert shape(beta, in_schema) == shape(alpha, in_schema)


def test_an_imported_disqus_site_exports_its_own_ids(alpha, beta, in_schema, tmp_path: Path):
    run_import("alpha", str(DATA / "isso-disqus.xml"))
    target = tmp_path / "alpha.xml"
    call_command("export_comments", "alpha", "--format", "disqus", "-o", str(target))
    text = target.read_text()
    assert 'dsq:id="5"' in text and '<parent dsq:id="4"/>' in text
    run_import("beta", str(target))
    assert shape(beta, in_schema) == shape(alpha, in_schema)
    # Importing its own export back changes nothing.
    out, _ = run_import("alpha", str(target))
    assert "created: threads=0 comments=0; updated: comments=0" in out


def test_manage_py_exits_non_zero_on_a_refusal(tmp_path: Path):
    # A CommandError is manage.py's exit status 1 and its message on stderr.
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "import_comments", "alpha", str(tmp_path / "none.xml")],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "No file" in done.stderr
