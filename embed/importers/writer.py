"""The shared writer: stage every record with COPY, then merge them into the site's tables in a
few set-based statements.

Nothing about the file is kept in Python memory: records go to temporary tables in batches,
and everything that needs the whole file (threads named after their posts, parents listed after
their replies, duplicates, authors, the tree's roots and depths) is resolved by PostgreSQL.
Call it inside a transaction: the merge either happens whole or not at all.

Identity: a comment is its (format, source id), unique on `Comment`; a thread is the one a
widget sending the page's normalised URL reads; an author is `Commenter.import_key`. A record
whose source digest is unchanged is left as it is, so a moderator's decision here survives
importing the same export again.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from embed.importers.report import Report

BATCH = 5000

THREAD_COLUMNS = "src_id, url, title, closed, created, line, skip"
COMMENT_COLUMNS = (
    "src_id, thread_src, parent_src, author_key, author_name, author_email, author_avatar, "
    "body, body_html, status, created, edited, ip, score, digest, line, note"
)
AUTHOR_COLUMNS = "key, name, email, avatar"

_NO_STATISTICS = (
    "author_name author_email author_avatar body body_html status created edited ip score "
    "digest line"
)
_DROP = (
    "DROP TABLE IF EXISTS imp_thread, imp_comment, imp_author, imp_tsrc, imp_page, imp_tmap, "
    "imp_touched, imp_ids, imp_named, imp_tree, imp_walk"
)
_STAGING = [
    # The merge sorts and hashes whole files: room for them in memory, for this transaction.
    "SET LOCAL work_mem = '64MB'",
    _DROP,
    """CREATE TEMP TABLE imp_thread (
        seq bigserial, src_id text, url text, title text, closed boolean,
        created timestamptz, line integer, skip text) ON COMMIT DROP""",
    """CREATE TEMP TABLE imp_comment (
        seq bigserial, src_id text, thread_src text, parent_src text, author_key text,
        author_name text, author_email text, author_avatar text, body text, body_html text,
        status text, created timestamptz, edited timestamptz, ip text, score integer,
        digest text, line integer, note text, skip text) ON COMMIT DROP""",
    "CREATE TEMP TABLE imp_author (key text, name text, email text, avatar text) ON COMMIT DROP",
    # Statistics only for the columns joins and filters use: ANALYZE skips the wide texts.
    "ALTER TABLE imp_comment "
    + ", ".join(f"ALTER {column} SET STATISTICS 0" for column in _NO_STATISTICS.split()),
]

# Each source id once: its first usable record, else its first record (with the reason).
_THREADS = [
    """CREATE TEMP TABLE imp_tsrc ON COMMIT DROP AS
       SELECT DISTINCT ON (src_id) seq, src_id, url, title, closed, created, line, skip
       FROM imp_thread ORDER BY src_id, (skip IS NOT NULL), seq""",
    "CREATE UNIQUE INDEX ON imp_tsrc (src_id)",
    "ANALYZE imp_tsrc",
    # Every thread element of one page becomes one thread.
    """CREATE TEMP TABLE imp_page ON COMMIT DROP AS
       SELECT url,
              coalesce((array_agg(title ORDER BY seq) FILTER (WHERE title <> ''))[1], '')
                  AS title,
              bool_or(closed) AS closed, min(created) AS created
       FROM imp_thread WHERE skip IS NULL GROUP BY url""",
    "CREATE UNIQUE INDEX ON imp_page (url)",
]

_COMMENT_SKIPS = [
    "CREATE INDEX ON imp_comment (src_id, seq)",
    "CREATE INDEX ON imp_comment (thread_src)",
    "ANALYZE imp_comment",
    """UPDATE imp_comment c SET skip = 'its thread is not in the file'
       WHERE NOT EXISTS (SELECT 1 FROM imp_tsrc t WHERE t.src_id = c.thread_src)""",
    """UPDATE imp_comment c SET skip = 'its thread is left out: ' || t.skip
       FROM imp_tsrc t WHERE t.src_id = c.thread_src AND t.skip IS NOT NULL AND c.skip IS NULL""",
    """UPDATE imp_comment c SET skip = 'its id appears earlier in the file'
       FROM (SELECT seq, row_number() OVER (PARTITION BY src_id ORDER BY seq) AS n
             FROM imp_comment WHERE skip IS NULL) d
       WHERE d.seq = c.seq AND d.n > 1""",
]

# A page joins the thread a widget sending only its URL reads (selectors.thread_find): the
# key-less thread at the URL, else the newest keyed one; a page with none gets a key-less one.
_THREAD_UPSERT = """
WITH used AS (
    SELECT t.url, min(c.created) AS first, max(c.created) AS last
    FROM imp_comment c JOIN imp_tsrc t ON t.src_id = c.thread_src
    WHERE c.skip IS NULL GROUP BY t.url
), up AS (
    INSERT INTO embed_thread (url, key, title, closed, comment_count, created, last_activity)
    SELECT p.url, NULL, p.title, p.closed, 0, least(p.created, u.first), u.last
    FROM imp_page p JOIN used u ON u.url = p.url
    WHERE NOT EXISTS (SELECT 1 FROM embed_thread th WHERE th.url = p.url)
    ORDER BY p.url
    ON CONFLICT (url) WHERE key IS NULL DO NOTHING
    RETURNING id
)
SELECT count(*) FROM up
"""

_THREAD_MAP = [
    """CREATE TEMP TABLE imp_tmap ON COMMIT DROP AS
       SELECT t.src_id, (
           SELECT th.id FROM embed_thread th WHERE th.url = t.url
           ORDER BY th.key IS NOT NULL, th.created DESC, th.id DESC LIMIT 1) AS thread_id
       FROM imp_tsrc t WHERE t.skip IS NULL""",
    "DELETE FROM imp_tmap WHERE thread_id IS NULL",
    "CREATE UNIQUE INDEX ON imp_tmap (src_id)",
    # Threads whose comments change: where the file puts them, and where they were (a page
    # whose link changed in a newer export takes its comments along).
    """CREATE TEMP TABLE imp_touched ON COMMIT DROP AS
       SELECT DISTINCT m.thread_id AS id FROM imp_comment c JOIN imp_tmap m
           ON m.src_id = c.thread_src WHERE c.skip IS NULL
       UNION
       SELECT e.thread_id FROM embed_comment e JOIN imp_comment c
           ON e.import_source = %(source)s AND e.import_id = c.src_id WHERE c.skip IS NULL""",
    # The file's title where the thread has none; closed if the file says so (an import
    # never reopens a thread).
    """UPDATE embed_thread th SET
           title = CASE WHEN th.title = '' THEN p.title ELSE th.title END,
           closed = th.closed OR p.closed
       FROM imp_page p
       WHERE th.url = p.url AND th.id IN (SELECT id FROM imp_touched)
         AND ((th.title = '' AND p.title <> '') OR (p.closed AND NOT th.closed))""",
]

_AUTHORS = [
    "CREATE INDEX ON imp_author (key)",
    """INSERT INTO embed_commenter (name, email, avatar, badge, sso_id, import_key, created)
       SELECT DISTINCT ON (c.author_key) coalesce(a.name, c.author_name),
              coalesce(a.email, c.author_email), coalesce(a.avatar, c.author_avatar), '', NULL,
              c.author_key, c.created
       FROM imp_comment c
       LEFT JOIN (SELECT DISTINCT ON (key) * FROM imp_author) a ON a.key = c.author_key
       WHERE c.skip IS NULL
       ORDER BY c.author_key, c.created, c.seq
       ON CONFLICT (import_key) DO UPDATE SET
           name = EXCLUDED.name, email = EXCLUDED.email, avatar = EXCLUDED.avatar
       WHERE (embed_commenter.name, embed_commenter.email, embed_commenter.avatar)
             IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.avatar)""",
]

# Every usable comment with the id it has (a re-import) or will have (drawn from the
# comments' own identity sequence, in file order), its thread and its author, before anything
# is written: the tree is worked out first and each comment written once, with it.
_IDS = [
    """CREATE TEMP TABLE imp_ids ON COMMIT DROP AS
       SELECT s.seq, s.src_id, s.parent_src, s.line, s.thread_id, s.author_id,
              coalesce(s.old_id, nextval(%(sequence)s::regclass)) AS id
       FROM (SELECT c.seq, c.src_id, c.parent_src, c.line, m.thread_id, a.id AS author_id,
                    e.id AS old_id
             FROM imp_comment c
             JOIN imp_tmap m ON m.src_id = c.thread_src
             JOIN embed_commenter a ON a.import_key = c.author_key
             LEFT JOIN embed_comment e
                 ON e.import_source = %(source)s AND e.import_id = c.src_id
             WHERE c.skip IS NULL
             ORDER BY c.seq) s""",
    "CREATE UNIQUE INDEX ON imp_ids (id)",
    "CREATE UNIQUE INDEX ON imp_ids (seq)",
    "ANALYZE imp_ids",
]

# The tree: each touched thread's comments, those of the file with the parent the file names
# (in the same thread, as the file places it), the others with the parent they have; then
# roots and depths from a walk down from the top-level comments. Past the site's depth cap a
# reply hangs from its ancestor at the cap, as a new reply would.
_TREE = [
    # What a reply in the file can name: this format's comments in the touched threads, where
    # the file puts them.
    """CREATE TEMP TABLE imp_named ON COMMIT DROP AS
       SELECT i.id, i.thread_id, i.src_id FROM imp_ids i
       UNION ALL
       SELECT e.id, e.thread_id, e.import_id FROM embed_comment e
       WHERE e.import_source = %(source)s AND e.thread_id IN (SELECT id FROM imp_touched)
         AND NOT EXISTS (SELECT 1 FROM imp_ids i WHERE i.id = e.id)""",
    "CREATE INDEX ON imp_named (src_id, thread_id)",
    "ANALYZE imp_named",
    """CREATE TEMP TABLE imp_tree ON COMMIT DROP AS
       SELECT i.id, p.id AS parent FROM imp_ids i
       LEFT JOIN imp_named p ON i.parent_src IS NOT NULL AND p.src_id = i.parent_src
           AND p.thread_id = i.thread_id AND p.id <> i.id
       UNION ALL
       SELECT e.id, e.parent_id FROM embed_comment e
       WHERE e.thread_id IN (SELECT id FROM imp_touched)
         AND NOT EXISTS (SELECT 1 FROM imp_ids i WHERE i.id = e.id)""",
    "CREATE UNIQUE INDEX ON imp_tree (id)",
    "CREATE INDEX ON imp_tree (parent)",
    "ANALYZE imp_tree",
]

_WALK = """
CREATE TEMP TABLE imp_walk ON COMMIT DROP AS
WITH RECURSIVE walk (id, root, depth, anchor, parent) AS (
    SELECT id, id, 0, CASE WHEN %(anchor)s = 0 THEN id END, NULL::bigint
    FROM imp_tree WHERE parent IS NULL
    UNION ALL
    SELECT t.id, w.root, w.depth + 1,
           CASE WHEN w.depth + 1 = %(anchor)s THEN t.id ELSE w.anchor END,
           CASE WHEN w.depth + 1 > %(cap)s THEN w.anchor ELSE t.parent END
    FROM imp_tree t JOIN walk w ON t.parent = w.id
)
SELECT id, CASE WHEN depth = 0 THEN NULL ELSE root END AS root, least(depth, %(cap)s) AS depth,
       parent
FROM walk
"""

# Each comment of the file written once, with its place in the tree (in any order: the ids
# are drawn already). An unchanged comment is not written at all.
_COMMENT_UPSERT = """
WITH up AS (
    INSERT INTO embed_comment (
        id, thread_id, parent_id, root_id, depth, author_id, body, body_html, status, score,
        pinned, created, edited, ip, reasons, spam_score, shadowed, import_source, import_id,
        import_digest)
    SELECT i.id, i.thread_id, w.parent, w.root, w.depth, i.author_id, c.body, c.body_html,
           c.status, c.score, false, c.created, c.edited, c.ip::inet, ARRAY[%(reason)s], NULL,
           false, %(source)s, c.src_id, c.digest
    FROM imp_ids i
    JOIN imp_comment c ON c.seq = i.seq
    JOIN imp_walk w ON w.id = i.id
    ON CONFLICT ON CONSTRAINT comment_import_unique DO UPDATE SET
        thread_id = EXCLUDED.thread_id, parent_id = EXCLUDED.parent_id,
        root_id = EXCLUDED.root_id, depth = EXCLUDED.depth, author_id = EXCLUDED.author_id,
        body = EXCLUDED.body, body_html = EXCLUDED.body_html, status = EXCLUDED.status,
        score = EXCLUDED.score, created = EXCLUDED.created, edited = EXCLUDED.edited,
        ip = EXCLUDED.ip, import_digest = EXCLUDED.import_digest
    WHERE embed_comment.import_digest IS DISTINCT FROM EXCLUDED.import_digest
       OR embed_comment.thread_id <> EXCLUDED.thread_id
       OR (embed_comment.parent_id, embed_comment.root_id, embed_comment.depth)
          IS DISTINCT FROM (EXCLUDED.parent_id, EXCLUDED.root_id, EXCLUDED.depth)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
"""

_TREE_APPLY = [
    "CREATE UNIQUE INDEX ON imp_walk (id)",
    # The comments already there whose place moved (replies to a comment the file moved).
    """UPDATE embed_comment e SET parent_id = w.parent, root_id = w.root, depth = w.depth
       FROM imp_walk w
       WHERE w.id = e.id AND NOT EXISTS (SELECT 1 FROM imp_ids i WHERE i.id = w.id)
         AND (e.parent_id IS DISTINCT FROM w.parent OR e.root_id IS DISTINCT FROM w.root
              OR e.depth <> w.depth)""",
    """UPDATE embed_thread th SET comment_count = x.n,
           last_activity = greatest(th.last_activity, x.last)
       FROM (SELECT t.id, count(e.id) FILTER (WHERE e.status = 'published') AS n,
                    max(e.created) AS last
             FROM imp_touched t LEFT JOIN embed_comment e ON e.thread_id = t.id GROUP BY t.id) x
       WHERE th.id = x.id AND (th.comment_count <> x.n OR th.last_activity < x.last)""",
]


# COPY's text format (PostgreSQL docs, "COPY", File Formats, Text Format): tab between
# columns, newline after each row, \N for NULL; backslash, newline, carriage return and tab
# in a value escaped with a backslash.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_COPY_SPECIAL = re.compile("[\\\\\n\r\t]")


def copy_value(value: object) -> str:
    """One value as COPY text: str, int, bool, an aware datetime, or None."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"no COPY text for {type(value).__name__}")


def copy_rows(rows: Iterable[tuple]) -> bytes:
    """Rows as COPY text (UTF-8), ready for `copy.write`; b"" for no rows."""
    return "".join("\t".join(map(copy_value, row)) + "\n" for row in rows).encode()


@dataclass
class Merged:
    """What the merge did. `touched` are the (url, key) of every thread whose comments
    changed, for the cache bumps after commit."""

    threads: int = 0
    threads_created: int = 0
    comments: int = 0
    comments_created: int = 0
    comments_updated: int = 0
    empty_threads: int = 0
    touched: list[tuple[str, str | None]] = field(default_factory=list)
    origins: dict[str, int] = field(default_factory=dict)  # thread origins -> threads


class Writer:
    """Stages records for one import into the current schema and merges them.

    `source` is the format's name, stored as `Comment.import_source`; `max_depth` is the
    site's reply depth setting. Use `thread()`, `comment()`, `author()` with rows from
    `embed.importers.clean`, then `finish()` once.
    """

    def __init__(self, *, source: str, max_depth: int, label: str) -> None:
        self.source = source
        self.label = label
        # Replies go at most this deep (the API's rule: see services.comment_create).
        self.cap = max(max_depth - 1, 1)
        self._rows: dict[str, list[tuple]] = {"thread": [], "author": []}
        self._copy_text: list[bytes] = []
        self._copy_count = 0
        self.staged = 0
        with connection.cursor() as cursor:
            for statement in _STAGING:
                cursor.execute(statement)

    def thread(self, row: tuple) -> None:
        self._add("thread", row)

    def comments(self, data: bytes, count: int) -> None:
        """`count` comment rows, already COPY text (`copy_rows`), in file order."""
        self._copy_text.append(data)
        self._copy_count += count
        self.staged += count
        if self._copy_count >= BATCH:
            self._flush_comments()

    def author(self, row: tuple) -> None:
        self._add("author", row)

    def _add(self, table: str, row: tuple) -> None:
        rows = self._rows[table]
        rows.append(row)
        if len(rows) >= BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows = self._rows[table]
        if not rows:
            return
        columns = {"thread": THREAD_COLUMNS, "author": AUTHOR_COLUMNS}
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no COPY
            with raw.copy(f"COPY imp_{table} ({columns[table]}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        rows.clear()

    def _flush_comments(self) -> None:
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY imp_comment ({COMMENT_COLUMNS}) FROM STDIN") as copy:
                for data in self._copy_text:
                    copy.write(data)
        self._copy_text.clear()
        self._copy_count = 0

    def finish(self, report: Report) -> Merged:
        """Merge what was staged; add what it left out or worked around to `report`."""
        for table in self._rows:
            self._flush(table)
        self._flush_comments()
        params = {"source": self.source, "reason": f"imported from {self.label}"}
        merged = Merged()
        with connection.cursor() as cursor:
            run = _runner(cursor, params)
            run(_THREADS)
            run(_COMMENT_SKIPS)
            self._report_skips(cursor, report)
            cursor.execute(_THREAD_UPSERT)
            merged.threads_created = cursor.fetchone()[0]
            run(_THREAD_MAP)
            run(_AUTHORS)
            cursor.execute("SELECT pg_get_serial_sequence('embed_comment', 'id')")
            run(_IDS, sequence=cursor.fetchone()[0])
            run(_TREE)
            self._report_parents(cursor, report)
            cursor.execute(_WALK, {"anchor": self.cap - 1, "cap": self.cap})
            if self._break_loops(cursor, report):
                cursor.execute("DROP TABLE imp_walk")
                cursor.execute(_WALK, {"anchor": self.cap - 1, "cap": self.cap})
            cursor.execute(_COMMENT_UPSERT, params)
            merged.comments_created, merged.comments_updated = cursor.fetchone()
            run(_TREE_APPLY)
            self._summarise(cursor, merged, report)
            cursor.execute(_DROP)
        return merged

    def _report_skips(self, cursor: Any, report: Report) -> None:
        _report(
            cursor, report, "thread", "FROM imp_tsrc WHERE skip IS NOT NULL", "skip", skipped=True
        )
        _report(
            cursor, report, "comment", "FROM imp_comment WHERE skip IS NOT NULL", "skip",
            skipped=True,
        )  # fmt: skip
        # Thread elements of one page, merged into one thread.
        _report(
            cursor,
            report,
            "thread",
            """FROM (SELECT src_id, line, seq, 'same page as an earlier thread: merged' AS why,
                            row_number() OVER (PARTITION BY url ORDER BY seq) AS n
                     FROM imp_tsrc WHERE skip IS NULL) d
               WHERE n > 1""",
            "why",
            skipped=False,
        )
        _report(
            cursor, report, "comment", "FROM imp_comment WHERE note IS NOT NULL AND skip IS NULL",
            "note", skipped=False,
        )  # fmt: skip

    def _report_parents(self, cursor: Any, report: Report) -> None:
        _report(
            cursor,
            report,
            "comment",
            """FROM (SELECT i.src_id, i.line, i.seq, 'the comment it replies to is not in the '
                            'file: imported as a top-level comment' AS why
                     FROM imp_ids i JOIN imp_tree t ON t.id = i.id
                     WHERE i.parent_src IS NOT NULL AND t.parent IS NULL) d""",
            "why",
            skipped=False,
        )

    def _break_loops(self, cursor: Any, report: Report) -> bool:
        """Replies that lead back to themselves never reach a top-level comment: they become
        top-level comments. True if there were any."""
        cursor.execute(
            """UPDATE imp_tree t SET parent = NULL
               WHERE NOT EXISTS (SELECT 1 FROM imp_walk w WHERE w.id = t.id)
               RETURNING t.id"""
        )
        looped = [row[0] for row in cursor.fetchall()]
        if not looped:
            return False
        cursor.execute("SELECT src_id, line FROM imp_ids WHERE id = ANY(%s) ORDER BY seq", [looped])
        for source_id, line in cursor.fetchall():
            report.note(
                "comment", source_id, "its replies lead back to itself: made top-level", line
            )
        return True

    def _summarise(self, cursor: Any, merged: Merged, report: Report) -> None:
        cursor.execute("SELECT count(*) FROM imp_ids")
        merged.comments = cursor.fetchone()[0]
        cursor.execute(
            """SELECT th.url, th.key FROM embed_thread th
               WHERE th.id IN (SELECT id FROM imp_touched) ORDER BY th.id"""
        )
        merged.touched = [(url, key) for url, key in cursor.fetchall()]
        cursor.execute("SELECT count(DISTINCT thread_id) FROM imp_ids")
        merged.threads = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM imp_page p
               WHERE NOT EXISTS (SELECT 1 FROM embed_thread th WHERE th.url = p.url)"""
        )
        merged.empty_threads = cursor.fetchone()[0]
        cursor.execute(
            """SELECT substring(th.url from '^[a-z]+://[^/]+') AS origin, count(*)
               FROM embed_thread th WHERE th.id IN (SELECT DISTINCT thread_id FROM imp_ids)
               GROUP BY origin ORDER BY count(*) DESC"""
        )
        merged.origins = dict(cursor.fetchall())


def _runner(cursor: Any, params: dict[str, Any]) -> Any:
    def run(statements: Iterable[str], **extra: Any) -> None:
        for statement in statements:
            cursor.execute(statement, {**params, **extra} if "%(" in statement else None)

    return run


def _report(
    cursor: Any, report: Report, kind: str, rows: str, reason: str, *, skipped: bool
) -> None:
    """Count the rows of `rows` (a FROM clause with src_id, line, seq and the reason column)
    by reason, and add the first ones as entries."""
    cursor.execute(f"SELECT {reason}, count(*) {rows} GROUP BY {reason}")  # noqa: S608
    for why, count in cursor.fetchall():
        report.tally(kind, why, count, skipped=skipped)
    cursor.execute(
        f"SELECT src_id, line, {reason} {rows} ORDER BY seq LIMIT %s",  # noqa: S608
        [max(report.room, 0)],
    )
    for source_id, line, why in cursor.fetchall():
        report.entry(kind, source_id, why, line, skipped=skipped)
