"""Disqus XML export (`<disqus>` with `<category>`, `<thread>` and `<post>` children).

Threads carry `dsq:id`, the site's identifier `<id>`, `<link>`, `<title>`, `<createdAt>`,
`<isClosed>`, `<isDeleted>`; posts carry `dsq:id`, `<message>` (HTML), `<createdAt>`,
`<isDeleted>`, `<isSpam>`, `<author>` (`name`, `email`, `isAnonymous`, `username`),
`<ipAddress>`, `<thread dsq:id>` and `<parent dsq:id>`. Format as exported by Disqus
(Admin > Moderation > Export); docs/import.md maps each field.
"""

import hashlib
from collections.abc import Iterator

from lxml import etree

from embed.importers.records import (
    CommentRecord,
    Markup,
    Record,
    Skip,
    State,
    ThreadRecord,
)
from embed.importers.source import Source
from embed.importers.values import BadValue, parse_bool, parse_date
from embed.importers.xmlstream import attribute, children, elements, localname, text

DSQ_ID = "{http://disqus.com/disqus-internals}id"


def read(source: Source) -> Iterator[Record]:
    with source.open() as stream:
        for element in elements(stream, ("thread", "post"), depth=1):
            if localname(element.tag) == "thread":
                yield _thread(element)
            else:
                yield _post(element)


def _thread(element: etree._Element) -> ThreadRecord | Skip:
    found = children(element)
    line = element.sourceline
    source_id = attribute(element, DSQ_ID)
    if not source_id:
        return Skip("thread", text(found, "id"), "has no dsq:id", line)
    try:
        created = parse_date(text(found, "createdAt"))
    except BadValue:
        created = None
    record = ThreadRecord(
        source_id=source_id,
        link=text(found, "link"),
        title=text(found, "title"),
        closed=bool(parse_bool(text(found, "isClosed"))),
        created=created,
        line=line,
    )
    if parse_bool(text(found, "isDeleted")):
        record.skip = "deleted in the source"
    return record


def _post(element: etree._Element) -> CommentRecord | Skip:
    found = children(element)
    line = element.sourceline
    message = text(found, "message")
    author = children(found["author"]) if "author" in found else {}
    name, email = text(author, "name"), text(author, "email")
    thread_id = attribute(found.get("thread"), DSQ_ID)
    created_raw = text(found, "createdAt")
    note = None
    source_id = attribute(element, DSQ_ID)
    if not source_id:
        # Nothing can reply to it; an id made from what it says keeps a re-import idempotent.
        fallback = text(found, "id")
        digest = hashlib.blake2b(
            "\x1f".join((thread_id, created_raw, name, email, message)).encode(), digest_size=12
        ).hexdigest()
        source_id = f"id:{fallback}" if fallback else f"digest:{digest}"
        note = "has no dsq:id: identified by its content"
    if not thread_id:
        return Skip("comment", source_id, "names no thread", line)
    try:
        created = parse_date(created_raw)
    except BadValue as exc:
        return Skip("comment", source_id, f"its date does not parse: {exc}", line)
    spam = parse_bool(text(found, "isSpam"))
    deleted = parse_bool(text(found, "isDeleted"))
    if spam is None or deleted is None:
        note = "isSpam or isDeleted is neither true nor false: read as false"
    # Not a field of Disqus's own exports; ours write it for comments held for moderation.
    held = text(found, "isApproved") in ("false", "0")
    state = (
        State.SPAM if spam
        else State.DELETED if deleted
        else State.PENDING if held
        else State.PUBLISHED
    )  # fmt: skip
    anonymous = parse_bool(text(author, "isAnonymous"))
    username = text(author, "username")
    return CommentRecord(
        source_id=source_id,
        thread_id=thread_id,
        parent_id=attribute(found.get("parent"), DSQ_ID) or None,
        message=message,
        markup=Markup.HTML,
        state=state,
        created=created,
        author_name=name,
        author_email=email,
        author_id=None if anonymous or not username else username,
        ip=text(found, "ipAddress") or None,
        line=line,
        note=note,
    )
