"""One import, from file to site: detect the format, read it as a stream, clean every record,
stage and merge it in one transaction, then refresh the touched threads' caches after commit."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from core.urlnorm import InvalidURL, origin_of, url_normalize
from embed import cache
from embed.importers import commento, disqus, isso, remark42, wordpress
from embed.importers.batch import cleaned
from embed.importers.records import Record, Refused
from embed.importers.report import Report
from embed.importers.source import Source, detect
from embed.importers.writer import Writer
from embed.site import SiteConfig, site_config

READERS: dict[str, Callable[[Source], Iterator[Record]]] = {
    "disqus": disqus.read,
    "wordpress": wordpress.read,
    "isso-sqlite": isso.read_sqlite,
    "isso-json": isso.read_json,
    "remark42": remark42.read,
    "commento": commento.read,
}
LABELS = {
    "disqus": "Disqus",
    "wordpress": "WordPress",
    "isso-sqlite": "Isso",
    "isso-json": "Isso",
    "remark42": "Remark42",
    "commento": "Commento",
}
PROGRESS_SECONDS = 0.5

# phase ("reading", "writing", "done"), bytes of the file read, its size, comments read
Progress = Callable[[str, int, int, int], None]


@dataclass
class Result:
    """What an import did. `threads`/`comments` count what the file's usable records are now
    (created, updated or already there); `*_created`/`comments_updated` what changed."""

    format: str
    dry_run: bool
    threads: int = 0
    threads_created: int = 0
    comments: int = 0
    comments_created: int = 0
    comments_updated: int = 0
    skipped: int = 0
    report: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        return f"import: threads={self.threads} comments={self.comments} skipped={self.skipped}"


def base_url_for(asked: str | None, site: SiteConfig) -> str | None:
    """Where the file's page paths live: the origin asked for, else the site's only allowed
    origin; None when neither says (paths are then reported, not guessed)."""
    if asked:
        try:
            return origin_of(url_normalize(asked))
        except InvalidURL as exc:
            raise Refused(f"The base URL is not valid: {exc}") from None
    if len(site.allowed_origins) == 1:
        return next(iter(site.allowed_origins))
    return None


def comments_import(
    *,
    path: str | Path,
    format: str | None = None,  # noqa: A002 - the word users know
    base_url: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Import an export file into the current site's schema, all or nothing.

    `format` is one of source.FORMATS (detected from the file when None). Relative page links
    go on `base_url` (default: the site's only allowed origin). Raises Refused, leaving the site
    untouched, for a file that is not well-formed or not the format it claims; everything
    narrower is skipped or worked around and reported in `Result.report`. With `dry_run` the
    whole import runs and is rolled back. Touched threads' caches are bumped after commit.
    """
    source = Source(path)
    detected = detect(source, format)
    site = site_config(fresh=True)
    base = base_url_for(base_url, site)
    name = detected.split("-")[0]
    report = Report()
    result = Result(format=detected, dry_run=dry_run)
    tick = _ticker(progress, source)
    with transaction.atomic():
        writer = Writer(source=detected, max_depth=site.max_depth, label=LABELS[detected])
        for chunk in cleaned(READERS[detected](source), name, base):
            writer.comments(chunk.comments, chunk.count)
            for row in chunk.threads:
                writer.thread(row)
            for row in chunk.authors:
                writer.author(row)
            for kind, source_id, reason, line in chunk.skips:
                report.skip(kind, source_id, reason, line)
            tick(writer.staged)
        if progress:
            progress("writing", source.size, source.size, writer.staged)
        merged = writer.finish(report)
        if dry_run:
            transaction.set_rollback(True)
        else:
            # One bump per touched thread, after COMMIT, pipelined: their pages and counts
            # are read afresh.
            cache.threads_changed(merged.touched)
    result.threads, result.threads_created = merged.threads, merged.threads_created
    result.comments = merged.comments
    result.comments_created = merged.comments_created
    result.comments_updated = merged.comments_updated
    result.skipped = report.skipped_total
    allowed = site.allowed_origins
    result.report = {
        **report.as_dict(),
        "base_url": base,
        "empty_threads": merged.empty_threads,
        "origins_not_allowed": {o: n for o, n in merged.origins.items() if o not in allowed},
    }
    if progress:
        progress("done", source.size, source.size, writer.staged)
    return result


def _ticker(progress: Progress | None, source: Source) -> Callable[[int], None]:
    last = [0.0]

    def tick(comments: int) -> None:
        if progress is None:
            return
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            progress("reading", source.done, source.size, comments)

    return tick
