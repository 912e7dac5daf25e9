"""Remark42 backup: JSON lines, usually gzipped. The first line is the metadata
`{"version": 1, "users": [...], "posts": [{"url", "read_only"}]}`; every further line is a
comment: `id`, `pid` (parent, '' at the top), `text` (HTML), `orig` (the Markdown written),
`user` (`name`, `id`, `picture`; `ip` is a hash, not an address), `locator` (`site`, `url`),
`score`, `time`, `edit` (`time`), `delete`, `title`. Format as written by Remark42's backup
and export (backend/app/migrator/native.go); docs/import.md maps each field.
"""

from collections.abc import Iterator
from typing import Any

import orjson

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


def read(source: Source) -> Iterator[Record]:
    page = None
    with source.open() as stream:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise Refused(f"The line is not well-formed JSON: {exc}.", line=number) from None
            if not isinstance(value, dict):
                raise Refused("The line is not a JSON object.", line=number)
            if number == 1 or "version" in value and "locator" not in value:
                yield from _meta(value, number)
                continue
            url = str((value.get("locator") or {}).get("url") or "")
            if url != page:
                page = url
                yield ThreadRecord(
                    source_id=url, link=url, title=str(value.get("title") or ""), line=number
                )
            yield _comment(value, url, number)


def _meta(value: dict[str, Any], line: int) -> Iterator[Record]:
    version = value.get("version", 0)
    if version not in (0, 1):
        raise Refused(f"Remark42 backup version {version!r} is not one we know (0 or 1).", line)
    for post in value.get("posts") or []:
        if isinstance(post, dict) and post.get("url"):
            url = str(post["url"])
            yield ThreadRecord(
                source_id=url, link=url, closed=bool(post.get("read_only")), line=line
            )


def _comment(value: dict[str, Any], url: str, line: int) -> CommentRecord | Skip:
    source_id = str(value.get("id") or "")
    if not source_id:
        return Skip("comment", "", "has no id", line)
    try:
        created = parse_date(value.get("time"))
    except BadValue as exc:
        return Skip("comment", source_id, f"its date does not parse: {exc}", line)
    edit = value.get("edit") or {}
    try:
        edited = parse_date(edit.get("time")) if isinstance(edit, dict) and edit else None
    except BadValue:
        edited = None
    user = value.get("user") or {}
    account = str(user.get("id") or "")
    orig = str(value.get("orig") or "")
    return CommentRecord(
        source_id=source_id,
        thread_id=url,
        parent_id=str(value.get("pid") or "") or None,
        message=orig or str(value.get("text") or ""),
        markup=Markup.MARKDOWN if orig else Markup.HTML,
        state=State.DELETED if value.get("delete") is True else State.PUBLISHED,
        created=created,
        edited=edited,
        author_name=str(user.get("name") or ""),
        author_id=None if not account or account.startswith("anonymous_") else account,
        author_avatar=str(user.get("picture") or ""),
        score=parse_int(value.get("score")),
        line=line,
    )
