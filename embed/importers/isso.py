"""Isso: its SQLite database (`threads`: id, uri, title; `comments`: tid, id, parent,
created, modified, mode, remote_addr, text, author, email, website, likes, dislikes) or its
JSON import format (a list of threads `{id, title, comments: [{id, parent?, author, email,
website, remote_addr, created, text, mode?}]}`), as described in Isso's documentation. Text is
Markdown; `mode` 1 is published, 2 held, 4 deleted. Isso keeps IPs already anonymised.
"""

import sqlite3
from collections.abc import Iterator
from typing import Any

from embed.importers.jsonstream import items
from embed.importers.records import (
    CommentRecord,
    Markup,
    Record,
    Refused,
    Skip,
    State,
    ThreadRecord,
)
from embed.importers.source import Source
from embed.importers.values import BadValue, parse_date, parse_int

MODES = {1: State.PUBLISHED, 2: State.PENDING, 4: State.DELETED}


def read_sqlite(source: Source) -> Iterator[Record]:
    with source.as_file() as path:
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise Refused(f"The Isso database cannot be opened: {exc}.") from None
        try:
            yield from _rows(db)
        except sqlite3.DatabaseError as exc:
            raise Refused(f"This is not an Isso database: {exc}.") from None
        finally:
            db.close()


def _rows(db: sqlite3.Connection) -> Iterator[Record]:
    for tid, uri, title in db.execute("SELECT id, uri, title FROM threads ORDER BY id"):
        yield ThreadRecord(source_id=str(tid), link=uri or "", title=title or "")
    query = (
        "SELECT id, tid, parent, created, modified, mode, remote_addr, text, author, email, "
        "likes, dislikes FROM comments ORDER BY id"
    )
    for row in db.execute(query):
        number, tid, parent, created, modified, mode, ip, text, author, email, up, down = row
        yield _comment(
            source_id=str(number),
            thread_id=str(tid),
            parent_id=str(parent) if parent is not None else None,
            data={
                "created": created, "modified": modified, "mode": mode, "remote_addr": ip,
                "text": text, "author": author, "email": email,
                "score": parse_int(up) - parse_int(down),
            },
        )  # fmt: skip


def read_json(source: Source) -> Iterator[Record]:
    with source.open() as stream:
        for index, (_, thread) in enumerate(items(stream, ("item",), source), 1):
            if not isinstance(thread, dict):
                yield Skip("thread", f"#{index}", "is not a JSON object", None)
                continue
            uri = str(thread.get("id") or "")
            yield ThreadRecord(source_id=uri, link=uri, title=str(thread.get("title") or ""))
            for comment in thread.get("comments") or []:
                if not isinstance(comment, dict):
                    continue
                parent = comment.get("parent")
                yield _comment(
                    source_id=f"{uri}#{comment.get('id')}",
                    thread_id=uri,
                    parent_id=f"{uri}#{parent}" if parent not in (None, "") else None,
                    data=comment,
                )


def _comment(
    *, source_id: str, thread_id: str, parent_id: str | None, data: dict[str, Any]
) -> CommentRecord | Skip:
    try:
        created = parse_date(data.get("created"))
    except BadValue as exc:
        return Skip("comment", source_id, f"its date does not parse: {exc}", None)
    try:
        edited = parse_date(data["modified"]) if data.get("modified") else None
    except BadValue:
        edited = None
    return CommentRecord(
        source_id=source_id,
        thread_id=thread_id,
        parent_id=parent_id,
        message=str(data.get("text") or ""),
        markup=Markup.MARKDOWN,
        state=MODES.get(parse_int(data.get("mode"), 1), State.PENDING),
        created=created,
        edited=edited,
        author_name=str(data.get("author") or ""),
        author_email=str(data.get("email") or ""),
        ip=str(data.get("remote_addr") or "") or None,
        score=parse_int(data.get("score")),
    )
