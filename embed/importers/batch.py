"""Cleaning in chunks: the readers' records, a chunk at a time, through the rules of
`embed.importers.clean`, with the comments already formatted as COPY rows; for a large file in
a small pool of processes while this one goes on parsing.

Parsing is one stream and stays in this process; cleaning each record (sanitizing, names,
addresses, digest) is independent of every other, so chunks of records go to the workers and
come back in file order. At most QUEUED chunks per worker are in flight, so memory stays
bounded whatever the file's size. A file of one chunk, or an import running where a process
may not have children (a daemonic process), is cleaned in this process: the result is the
same either way (tests/test_import_batch.py).
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool

from embed.importers.clean import Unusable, author_row, comment_row, thread_row
from embed.importers.records import AuthorRecord, CommentRecord, Record, Skip, ThreadRecord
from embed.importers.writer import copy_rows

CHUNK = 1000  # records per chunk
WORKERS = min(2, os.cpu_count() or 1)  # cleaning processes for a file of several chunks
QUEUED = 2  # chunks in flight per worker


@dataclass(slots=True)
class Cleaned:
    """One chunk's records, cleaned, in file order: `comments` is `count` rows of COPY text
    for the comment staging table (writer.COMMENT_COLUMNS); `threads` and `authors` rows for
    theirs; `skips` (kind, source id, reason, line) of what cannot be imported."""

    comments: bytes = b""
    count: int = 0
    threads: list[tuple] = field(default_factory=list)
    authors: list[tuple] = field(default_factory=list)
    skips: list[tuple[str, str, str, int | None]] = field(default_factory=list)


def clean_chunk(fmt: str, base: str | None, records: list[Record]) -> Cleaned:
    """Clean one chunk of a reader's records (`fmt`: the format's name, `base`: where page
    paths go; see clean.thread_row)."""
    done = Cleaned()
    rows: list[tuple] = []
    for record in records:
        if isinstance(record, CommentRecord):
            try:
                rows.append(comment_row(fmt, record))
            except Unusable as exc:
                done.skips.append(("comment", record.source_id, str(exc), record.line))
        elif isinstance(record, ThreadRecord):
            done.threads.append(thread_row(record, base))
        elif isinstance(record, AuthorRecord):
            done.authors.append(author_row(fmt, record))
        elif isinstance(record, Skip):
            done.skips.append((record.kind, record.source_id, record.reason, record.line))
    done.comments = copy_rows(rows)
    done.count = len(rows)
    return done


def cleaned(
    records: Iterable[Record], fmt: str, base: str | None, workers: int | None = None
) -> Iterator[Cleaned]:
    """The records, cleaned a chunk at a time, in file order. The pool (`workers` processes,
    default WORKERS; 0 for none) starts with the second chunk and is gone when this generator
    is."""
    workers = WORKERS if workers is None else workers
    if multiprocessing.current_process().daemon:
        workers = 0
    pool: Pool | None = None
    pending: deque[AsyncResult[Cleaned]] = deque()
    first = True
    try:
        for chunk in _chunks(records):
            if pool is None and workers > 0 and not first:
                # Forked: the workers start with this process's modules and settings, and
                # touch neither its database connection nor its Redis.
                pool = multiprocessing.get_context("fork").Pool(workers)
            first = False
            if pool is None:
                yield clean_chunk(fmt, base, chunk)
                continue
            pending.append(pool.apply_async(clean_chunk, (fmt, base, chunk)))
            if len(pending) >= QUEUED * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _chunks(records: Iterable[Record]) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
