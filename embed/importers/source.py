"""The export file: opened as a stream (gunzipped when it is gzip), its format told from its
first bytes, and how far the readers have got through it (for the progress bar)."""

import gzip
import io
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from embed.importers.records import Refused

HEAD_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
SQLITE_MAGIC = b"SQLite format 3\x00"

# The formats a file can be; `isso` is asked for as one and told apart by its first bytes.
FORMATS = ("disqus", "wordpress", "isso", "remark42", "commento")
DETECTED = ("disqus", "wordpress", "isso-sqlite", "isso-json", "remark42", "commento")


class _Counting(io.RawIOBase):
    """Reads through to the file, counting the bytes taken from disk."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class Source:
    """An export on disk. `open()` gives its (decompressed) bytes as a stream; `done` and
    `size` say how many of the file's bytes on disk have been read, for progress."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.size = self.path.stat().st_size
            with self.path.open("rb") as handle:
                self.gzipped = handle.read(2) == GZIP_MAGIC
        except OSError as exc:
            raise Refused(f"The file cannot be read: {exc.strerror or exc}.") from None
        self._counter: _Counting | None = None

    @property
    def done(self) -> int:
        return self._counter.count if self._counter else 0

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        with self.path.open("rb") as raw:
            self._counter = _Counting(raw)
            buffered = io.BufferedReader(self._counter, buffer_size=256 * 1024)
            stream: BinaryIO = buffered
            if self.gzipped:
                stream = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
            try:
                yield stream
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                raise Refused(f"The file is not a complete gzip file: {exc}.") from None

    def head(self) -> bytes:
        """The first HEAD_BYTES of the content (decompressed)."""
        try:
            with self.open() as stream:
                return stream.read(HEAD_BYTES)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise Refused(f"The file is not a complete gzip file: {exc}.") from None

    @contextmanager
    def as_file(self) -> Iterator[Path]:
        """A path to the content on disk (a gunzipped temporary copy if need be): SQLite
        reads files, not streams."""
        if not self.gzipped:
            yield self.path
            return
        with tempfile.NamedTemporaryFile(suffix=".sqlite") as copy:
            with self.open() as stream:
                shutil.copyfileobj(stream, copy, 1024 * 1024)
            copy.flush()
            yield Path(copy.name)


def _text_start(head: bytes) -> str:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return text


def detect(source: Source, asked: str | None = None) -> str:
    """The file's format, one of DETECTED, from its first bytes; `asked` (one of FORMATS)
    overrides the guess, except that `isso` still needs the bytes to tell SQLite from JSON.

    Raises Refused when the file matches no format (or is empty).
    """
    if asked is not None and asked not in FORMATS:
        raise Refused(f"Unknown format {asked!r}; use one of: {', '.join(FORMATS)}.")
    head = source.head()
    if not head.strip():
        raise Refused("The file is empty.")
    guess: str | None
    if head.startswith(SQLITE_MAGIC):
        guess = "isso-sqlite"
    else:
        guess = _guess_text(_text_start(head))
    if asked is None:
        if guess is None:
            raise Refused(
                "This file is not an export we know (Disqus, WordPress, Isso, Remark42, "
                "Commento); choose its format if it is one."
            )
        return guess
    if asked == "isso":
        return "isso-sqlite" if guess == "isso-sqlite" else "isso-json"
    return asked


_DISQUS = re.compile(r"<disqus[\s>]")
_WXR = re.compile(r"xmlns:wp=\"http://wordpress\.org/export/|<rss[\s>]")


def _guess_text(text: str) -> str | None:
    start = text[:1]
    if start == "[":
        return "isso-json"
    if start == "{":
        if '"commentHex"' in text or '"commenters"' in text:
            return "commento"
        if '"locator"' in text or re.match(r"\{\s*\"version\"\s*:\s*\d+\s*,\s*\"users\"", text):
            return "remark42"
        return None
    # XML, allowing for junk before the declaration: the parser will name it.
    if _DISQUS.search(text):
        return "disqus"
    if _WXR.search(text) and "wordpress.org/export/" in text:
        return "wordpress"
    return None
