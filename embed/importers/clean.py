"""The rules every imported record goes through, whatever its format: the same sanitizing as a
new comment, the widget's URL normalisation, IP anonymising, author identity, and a digest of
the source record so a newer export updates only what changed in the source."""

import hashlib
import re
from functools import lru_cache
from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.clientip import ip_anonymise
from core.text import BIDI_CONTROLS, NAME_MAX, display_name_clean, forbidden_character
from core.urlnorm import InvalidURL, url_normalize
from embed.importers.records import AuthorRecord, CommentRecord, Markup, State, ThreadRecord
from embed.sanitize import clean_html, has_visible_text, html_text, render_markdown

ID_MAX = 200  # Comment.import_id
KEY_MAX = 300  # Commenter.import_key
TITLE_MAX = 300
AVATAR_MAX = 200
# Longer than anyone writes by hand: a message past this is a broken record, not a comment.
MESSAGE_MAX = 100_000

STATUS = {
    State.PUBLISHED: "published",
    State.PENDING: "pending",
    State.SPAM: "spam",
    State.DELETED: "deleted",
}


class Unusable(ValueError):
    """The record cannot become a comment; the message is the report's reason."""


def text(raw: str) -> str:
    """`raw` without the characters the platform refuses anywhere (NUL and other controls,
    lone surrogates: see core.text), which PostgreSQL could not even store."""
    if forbidden_character(raw) is None:
        return raw
    return "".join(char for char in raw if forbidden_character(char) is None)


def source_id(raw: str) -> str:
    """A source id as stored: ids past ID_MAX characters (Isso's page paths) are hashed, the
    same way for a comment and for the replies that name it."""
    raw = text(raw).strip()
    if len(raw) <= ID_MAX:
        return raw
    return "h:" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()


def page_url(link: str, base: str | None) -> str:
    """The thread URL for a source's link: a path is joined to the site's base URL, then the
    widget's normalisation applies (tracking parameters and fragments go)."""
    link = text(link).strip()
    if not link:
        raise Unusable("has no link")
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", link):
        if base is None:
            raise Unusable(
                "its link is a path and there is no base URL to put it on "
                "(choose one: the site allows several origins)"
            )
        link = urljoin(base + "/", link)
    try:
        return url_normalize(link)
    except InvalidURL as exc:
        raise Unusable(f"its link is not a page URL ({exc})") from None


def thread_row(record: ThreadRecord, base: str | None) -> tuple:
    """(source id, url, title, closed, created, line, skip) for the staging table."""
    url, skip = None, record.skip
    if skip is None:
        try:
            url = page_url(record.link, base)
        except Unusable as exc:
            skip = str(exc)
    title = " ".join(text(record.title).split())[:TITLE_MAX]
    return (
        source_id(record.source_id), url, title, record.closed, record.created, record.line,
        skip,
    )  # fmt: skip


@lru_cache(maxsize=65536)
def _name(raw: str) -> str:
    """The name by the platform's rules for display names; a name those rules refuse loses
    what they refuse (controls, direction marks, the excess length), or goes blank."""
    try:
        return display_name_clean(raw)
    except ValidationError:
        pass
    kept = "".join(char for char in text(raw) if char not in BIDI_CONTROLS)
    try:
        return display_name_clean(" ".join(kept.split())[:NAME_MAX])
    except ValidationError:
        return ""


@lru_cache(maxsize=65536)  # exports repeat their authors: check each address once
def _email(raw: str) -> str:
    email = text(raw).strip().lower()
    if not email or len(email) > 254:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def _avatar(raw: str) -> str:
    raw = text(raw).strip()
    if len(raw) > AVATAR_MAX or not raw.lower().startswith(("https://", "http://")):
        return ""
    return raw


_IPV4 = re.compile(
    r"((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3})(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
)
_anonymise_cached = lru_cache(maxsize=65536)(ip_anonymise)


def _anonymise(ip: str) -> str | None:
    """services.ip_anonymise, with a quick path for plain IPv4 (the ipaddress module costs
    more than the rest of a comment's cleaning)."""
    match = _IPV4.fullmatch(ip)
    if match:
        return match[1] + "0"
    return _anonymise_cached(ip)


def author_key(fmt: str, *, account: str | None, name: str, email: str) -> str:
    """Who wrote it, as one key per reader: the source's account id for registered authors;
    for guests their e-mail address and name, or the name alone."""
    if account:
        key = f"{fmt}:u:{account}"
    elif email:
        key = f"{fmt}:e:{email}:{name}"
    elif name:
        key = f"{fmt}:n:{name}"
    else:
        key = f"{fmt}:anonymous"
    key = text(key)
    if len(key) > KEY_MAX:
        key = f"{fmt}:h:" + hashlib.blake2b(key.encode(), digest_size=20).hexdigest()
    return key


def author_row(fmt: str, record: AuthorRecord) -> tuple:
    """(key, name, email, avatar) of an author defined apart from their comments."""
    key = author_key(fmt, account=record.source_id, name="", email="")
    return key, _name(record.name), _email(record.email), _avatar(record.avatar)


def message_html(message: str, markup: Markup) -> tuple[str, str]:
    """(body, html): the text kept as the comment's source, and its sanitized HTML."""
    if markup is Markup.MARKDOWN:
        source = message.strip()
        return source, render_markdown(source)
    if markup is Markup.WORDPRESS:
        message = wordpress_paragraphs(message)
    html = clean_html(message.strip())
    return html_text(html), html


def wordpress_paragraphs(text: str) -> str:
    """WordPress stores a comment's paragraphs as blank lines and shows them through wpautop;
    a comment that already has paragraphs is left as it is."""
    text = text.replace("\r\n", "\n").strip()
    if re.search(r"<p[\s>]", text, re.IGNORECASE):
        return text
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    return "".join(f"<p>{part.replace(chr(10), '<br>' + chr(10))}</p>" for part in paragraphs)


def comment_row(fmt: str, record: CommentRecord) -> tuple:
    """The staging row of an imported comment, or Unusable with the reason it cannot be one.

    Columns: source id, thread source id, parent source id, author key, name, email, avatar,
    body, html, status, created, edited (ISO 8601, with their offsets), ip, score, digest,
    line, note.
    """
    if len(record.message) > MESSAGE_MAX:
        raise Unusable(f"its message is longer than {MESSAGE_MAX:,} characters")
    body, html = message_html(text(record.message), record.markup)
    if not has_visible_text(html) and record.state is not State.DELETED:
        raise Unusable("its message is empty")
    name, email = _name(record.author_name), _email(record.author_email)
    account = (record.author_id or "").strip() or None
    key = author_key(fmt, account=account, name=name, email=email)
    ip = _anonymise(record.ip.strip()) if record.ip else None
    parent = source_id(record.parent_id) if record.parent_id else None
    created = record.created.isoformat()
    edited = record.edited.isoformat() if record.edited else ""
    # Of what is stored, not of the source's spelling: our own export of an imported comment
    # reads back to the same digest, and changes nothing.
    digest = hashlib.blake2b(
        "\x1f".join(
            (
                parent or "", html, record.state, created, edited, name, email, account or "",
                ip or "", str(record.score),
            )
        ).encode(),
        digest_size=16,
    ).hexdigest()  # fmt: skip
    return (
        source_id(record.source_id), source_id(record.thread_id), parent, key, name, email,
        _avatar(record.author_avatar), body, html, STATUS[record.state], created,
        edited or None, ip, record.score, digest, record.line, record.note,
    )  # fmt: skip
