"""Building export files for the import tests: Disqus XML from a few lines of Python."""

import gzip
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "imports"

DISQUS_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
)


def dq_thread(
    dsq: str,
    link: str,
    *,
    title: str = "A post",
    ident: str = "",
    closed: bool = False,
    deleted: bool = False,
    created: str = "2020-01-01T09:00:00Z",
) -> str:
    return (
        f'<thread dsq:id="{dsq}">\n<id>{ident}</id>\n<link>{link}</link>\n'
        f"<title>{title}</title>\n<createdAt>{created}</createdAt>\n"
        f"<isClosed>{str(closed).lower()}</isClosed>\n"
        f"<isDeleted>{str(deleted).lower()}</isDeleted>\n</thread>\n"
    )


def dq_post(
    dsq: str | None,
    thread: str,
    message: str = "<p>Hello</p>",
    *,
    parent: str | None = None,
    created: str = "2020-01-02T10:00:00Z",
    deleted: bool = False,
    spam: bool = False,
    name: str = "Ann",
    email: str = "ann@readers.example",
    anonymous: bool = True,
    username: str = "",
    ip: str = "203.0.113.7",
) -> str:
    attribute = f' dsq:id="{dsq}"' if dsq is not None else ""
    parent_element = f'<parent dsq:id="{parent}"/>\n' if parent else ""
    user = f"<username>{username}</username>" if username else ""
    return (
        f"<post{attribute}>\n<message><![CDATA[{message}]]></message>\n"
        f"<createdAt>{created}</createdAt>\n<isDeleted>{str(deleted).lower()}</isDeleted>\n"
        f"<isSpam>{str(spam).lower()}</isSpam>\n"
        f"<author><email>{email}</email><name>{name}</name>"
        f"<isAnonymous>{str(anonymous).lower()}</isAnonymous>{user}</author>\n"
        f"<ipAddress>{ip}</ipAddress>\n"
        f'<thread dsq:id="{thread}"/>\n{parent_element}</post>\n'
    )


def disqus_file(folder: Path, *parts: str, name: str = "export.xml", zipped: bool = False) -> Path:
    text = DISQUS_HEAD + "".join(parts) + "</disqus>\n"
    path = folder / (name + (".gz" if zipped else ""))
    if zipped:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def repaired(name: str, folder: Path) -> Path:
    """A Remark42 Disqus sample with its two faults mended (the stray character before the
    declaration and the unquoted attribute), to import what it holds."""
    text = (DATA / name).read_text(encoding="utf-8")
    text = text.lstrip("`").replace("dsq:id=247937687/>", 'dsq:id="247937687"/>')
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
