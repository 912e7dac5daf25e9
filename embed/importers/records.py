"""What a format's reader yields: threads, comments and the records it had to leave out.

Readers only parse. They hand over the source's own values (raw page link, message in the
source's markup, raw IP); one shared step (`embed.importers.clean`) applies the rules every
comment on the platform follows, so no format can bypass sanitizing, URL normalisation or
IP anonymising.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Markup(StrEnum):
    """How a message is written in its source."""

    HTML = "html"  # Disqus, Remark42's rendered text
    WORDPRESS = "wordpress"  # HTML whose line breaks are paragraphs (WordPress's wpautop)
    MARKDOWN = "markdown"  # Isso, Commento, Remark42's original text


class State(StrEnum):
    """A comment's state in its source, mapped onto ours by the writer."""

    PUBLISHED = "published"
    PENDING = "pending"
    SPAM = "spam"
    DELETED = "deleted"


class Refused(Exception):
    """The file cannot be imported at all (not well-formed, not the format it claims).

    `line` is the 1-based line of the fault when the format has lines. Nothing is written.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(slots=True)
class ThreadRecord:
    """A page in the source. `source_id` is what the source's comments name it by; several
    records may share a link (merged) or a source id (the flat formats repeat it)."""

    source_id: str
    link: str  # as the source has it: absolute, or a path (joined to the base URL)
    title: str = ""
    closed: bool = False
    created: datetime | None = None
    line: int | None = None
    skip: str | None = None  # why the thread and its comments cannot be imported


@dataclass(slots=True)
class AuthorRecord:
    """An author defined apart from their comments (Commento's `commenters`)."""

    source_id: str
    name: str = ""
    email: str = ""
    avatar: str = ""


@dataclass(slots=True)
class CommentRecord:
    """A comment as the source has it. Dates are timezone-aware; `author_id` is the source's
    account id for registered authors (None for guests)."""

    source_id: str
    thread_id: str
    parent_id: str | None
    message: str
    markup: Markup
    state: State
    created: datetime
    author_name: str = ""
    author_email: str = ""
    author_id: str | None = None
    author_avatar: str = ""
    ip: str | None = None
    score: int = 0
    edited: datetime | None = None
    line: int | None = None
    note: str | None = None  # something the reader worked around, for the report


@dataclass(slots=True)
class Skip:
    """A record the reader could not turn into a comment or thread, and why."""

    kind: str  # "comment" or "thread"
    source_id: str
    reason: str
    line: int | None = None


Record = ThreadRecord | CommentRecord | AuthorRecord | Skip
