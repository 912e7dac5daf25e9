"""WordPress eXtended RSS (WXR), any version (`http://wordpress.org/export/1.0/` to `1.2/`).

Each `<item>` is a post or page (`<link>`, `<title>`, `wp:post_id`, `wp:status`,
`wp:comment_status`, `wp:post_date_gmt`) with its `wp:comment` children (`comment_id`,
`comment_author`, `comment_author_email`, `comment_author_IP`, `comment_date_gmt`,
`comment_content`, `comment_approved`, `comment_type`, `comment_parent`, `comment_user_id`).
Format as written by WordPress's Tools > Export; docs/import.md maps each field.
"""

from collections.abc import Iterator

from lxml import etree

from embed.importers.records import CommentRecord, Markup, Record, Skip, State, ThreadRecord
from embed.importers.source import Source
from embed.importers.values import BadValue, parse_date
from embed.importers.xmlstream import elements, localname

APPROVED = {"1": State.PUBLISHED, "0": State.PENDING, "spam": State.SPAM}
NOT_COMMENTS = ("pingback", "trackback")


def read(source: Source) -> Iterator[Record]:
    with source.open() as stream:
        for item in elements(stream, ("item",), depth=2):
            yield from _item(item)


def _children(element: etree._Element) -> dict[str, str]:
    """Child texts by local name (first of each), stripped; CDATA included."""
    values: dict[str, str] = {}
    for child in element:
        name = localname(child.tag)
        if name and name not in values and name != "comment":
            values[name] = (child.text or "").strip()
    return values


def _item(item: etree._Element) -> Iterator[Record]:
    values = _children(item)
    comments = [child for child in item if localname(child.tag) == "comment"]
    if not comments:
        return
    post = values.get("post_id") or values.get("link") or values.get("guid", "")
    try:
        created = parse_date(values.get("post_date_gmt"))
    except BadValue:
        created = None
    thread = ThreadRecord(
        source_id=post,
        link=values.get("link", ""),
        title=values.get("title", ""),
        closed=values.get("comment_status") == "closed",
        created=created,
        line=item.sourceline,
    )
    if values.get("status") == "trash":
        thread.skip = "the post is in the trash"
    yield thread
    for comment in comments:
        yield _comment(comment, post)


def _comment(element: etree._Element, post: str) -> CommentRecord | Skip:
    values = _children(element)
    line = element.sourceline
    number = values.get("comment_id", "")
    source_id = f"{post}/{number}"
    if not number:
        return Skip("comment", source_id, "has no comment_id", line)
    kind = values.get("comment_type", "")
    if kind in NOT_COMMENTS:
        return Skip("comment", source_id, f"is a {kind}, not a comment", line)
    try:
        created = parse_date(values.get("comment_date_gmt"))
    except BadValue:
        try:
            created = parse_date(values.get("comment_date"))
        except BadValue as exc:
            return Skip("comment", source_id, f"its date does not parse: {exc}", line)
    approved = values.get("comment_approved", "1")
    parent = values.get("comment_parent", "0")
    user = values.get("comment_user_id", "0")
    return CommentRecord(
        source_id=source_id,
        thread_id=post,
        parent_id=f"{post}/{parent}" if parent not in ("", "0") else None,
        message=values.get("comment_content", ""),
        markup=Markup.WORDPRESS,
        state=APPROVED.get(approved, State.DELETED),  # trash, post-trashed
        created=created,
        author_name=values.get("comment_author", ""),
        author_email=values.get("comment_author_email", ""),
        author_id=f"user{user}" if user not in ("", "0") else None,
        ip=values.get("comment_author_IP") or None,
        line=line,
    )
