"""Commento JSON export: `{"version": 1, "comments": [...], "commenters": [...]}`.

A comment has `commentHex`, `domain`, `url` (the page's path), `commenterHex` (`anonymous`
for guests), `markdown`, `html`, `parentHex` (`root` at the top), `score`, `state`
(`approved`, `unapproved`, `flagged`), `creationDate`, `deleted`; a commenter has
`commenterHex`, `email`, `name`, `photo`. Pages are taken as https://<domain><url>.
Format as written by Commento's data export; docs/import.md maps each field.
"""

from collections.abc import Iterator
from typing import Any

from embed.importers.jsonstream import items
from embed.importers.records import (
    AuthorRecord,
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

STATES = {"approved": State.PUBLISHED, "unapproved": State.PENDING, "flagged": State.PENDING}


def read(source: Source) -> Iterator[Record]:
    page = None
    with source.open() as stream:
        for prefix, value in items(stream, ("comments.item", "commenters.item"), source):
            if prefix == "version" and value not in (1, 1.0):
                raise Refused(f"Commento export version {value!r} is not one we know (1).")
            if not isinstance(value, dict):
                continue
            if prefix == "commenters.item":
                yield AuthorRecord(
                    source_id=str(value.get("commenterHex") or ""),
                    name=str(value.get("name") or ""),
                    email=str(value.get("email") or ""),
                    avatar=str(value.get("photo") or ""),
                )
            elif prefix == "comments.item":
                thread = f"{value.get('domain') or ''}{value.get('url') or ''}"
                if thread != page:
                    page = thread
                    yield ThreadRecord(source_id=thread, link=_link(value))
                yield _comment(value, thread)


def _link(value: dict[str, Any]) -> str:
    domain, path = str(value.get("domain") or ""), str(value.get("url") or "")
    if not domain:
        return path
    return f"https://{domain}{path if path.startswith('/') else '/' + path}"


def _comment(value: dict[str, Any], thread: str) -> CommentRecord | Skip:
    source_id = str(value.get("commentHex") or "")
    if not source_id:
        return Skip("comment", "", "has no commentHex", None)
    try:
        created = parse_date(value.get("creationDate"))
    except BadValue as exc:
        return Skip("comment", source_id, f"its date does not parse: {exc}", None)
    markdown = str(value.get("markdown") or "")
    parent = str(value.get("parentHex") or "root")
    commenter = str(value.get("commenterHex") or "anonymous")
    state = STATES.get(str(value.get("state") or "approved"), State.PENDING)
    return CommentRecord(
        source_id=source_id,
        thread_id=thread,
        parent_id=None if parent == "root" else parent,
        message=markdown or str(value.get("html") or ""),
        markup=Markup.MARKDOWN if markdown else Markup.HTML,
        state=State.DELETED if value.get("deleted") is True else state,
        created=created,
        author_id=None if commenter == "anonymous" else commenter,
        score=parse_int(value.get("score")),
    )
