"""`make bench-import`: import speed and memory on generated Disqus exports.

Generates a gzipped Disqus export per size (default 100,000 and 300,000 comments: threads of
50 posts, a third of them replies, HTML messages of 100-400 characters, guests and registered
authors), then imports each into a fresh site of the bench database with
`manage.py import_comments` in a child process, measuring its wall time, the CPU time of the
import (its process and its cleaning workers) and of the PostgreSQL backends serving it, and
its memory sampled every 0.1 s during the run (RSS of the import process; PSS summed over it
and its workers, which counts their shared pages once; PostgreSQL's own memory is not in it).
Then imports the first file again: the time of a re-import and the rows it created (0
expected). The database is `palaver_bench_import` (`BENCH_IMPORT_DATABASE`), the Redis
database 13 (`BENCH_IMPORT_REDIS_DB`).

    make bench-import                                        # 100k and 300k
    make bench-import BENCH_ARGS="--sizes 100000,1000000"    # RSS at a million

Results in bench/results/import-*.json; docs/performance.md has the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.env import (
    RESULTS,
    ROOT,
    BenchEnv,
    _libpq,
    bench_env,
    database_recreate,
    load_average,
    redis_client,
)

DATABASE = os.environ.get("BENCH_IMPORT_DATABASE", "palaver_bench_import")
REDIS_DB = int(os.environ.get("BENCH_IMPORT_REDIS_DB", "13"))
POSTS_PER_THREAD = 50
TARGET_RATE = 5000.0  # comments per second
TARGET_RSS_MB = 300.0
WORDS = (
    "comment thread reply post site reader moderation import export comments widget page "
    "thanks agree disagree interesting point article author great question answer link code "
    "python django postgres redis speed memory stream batch copy merge tree parent child"
).split()


def say(text: str) -> None:
    print(text, flush=True)


def message(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(15, 60))
    text = " ".join(words)
    if rng.random() < 0.3:
        text += f' <a href="https://example.org/{rng.randint(1, 999)}">a link</a>'
    if rng.random() < 0.2:
        text = text.replace("thread", "<b>thread</b>", 1)
    return f"<p>{text}</p>"


def generate(path: Path, comments: int, seed: int = 7) -> None:
    """A Disqus export of `comments` posts: threads first, then posts, as Disqus writes."""
    rng = random.Random(seed)
    threads = max(1, comments // POSTS_PER_THREAD)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for t in range(threads):
            out.write(
                f'<thread dsq:id="{1000 + t}"><id>post-{t}</id><forum>bench</forum>'
                f"<link>https://bench.example/posts/{t}/?utm_source=feed</link>"
                f"<title>Post number {t}</title><createdAt>2015-01-01T00:00:00Z</createdAt>"
                "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n"
            )
        for n in range(comments):
            thread = n % threads
            post_id = 10_000_000 + n
            parent = ""
            if n >= threads and rng.random() < 0.35:
                # An earlier post of the same thread.
                earlier = n - threads * rng.randint(1, max(1, n // threads))
                if earlier >= 0:
                    parent = f'<parent dsq:id="{10_000_000 + earlier}"/>'
            registered = rng.random() < 0.4
            who = rng.randint(1, 20_000)
            author = (
                f"<email>reader{who}@readers.example</email><name>Reader {who}</name>"
                f"<isAnonymous>{str(not registered).lower()}</isAnonymous>"
                + (f"<username>reader{who}</username>" if registered else "")
            )
            day = 1 + n * 3000 // comments
            stamp = (
                f"2016-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
            )
            spam = "true" if rng.random() < 0.02 else "false"
            out.write(
                f'<post dsq:id="{post_id}"><id/><message><![CDATA[{message(rng)}]]></message>'
                f"<createdAt>{stamp}</createdAt><isDeleted>false</isDeleted>"
                f"<isSpam>{spam}</isSpam><author>{author}</author>"
                f"<ipAddress>198.51.{who % 256}.{n % 256}</ipAddress>"
                f'<thread dsq:id="{1000 + thread}"/>{parent}</post>\n'
            )
        out.write("</disqus>\n")


def manage(env: BenchEnv, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env.process_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


SAMPLE_SECONDS = 0.1


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (its cleaning workers), from /proc/<pid>/task/*/children."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                text = Path(f"/proc/{parent}/task/{task}/children").read_text()
            except OSError:
                continue
            for child in map(int, text.split()):
                found.append(child)
                todo.append(child)
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KB; (0, 0) once it is gone. PSS shares each page among the
    processes mapping it, so a sum over a forked pool counts the shared pages once."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = dict(re.findall(r"^(Rss|Pss):\s+(\d+) kB", text, re.MULTILINE))
    return int(values.get("Rss", 0)), int(values.get("Pss", 0))


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """While an import runs, every SAMPLE_SECONDS: the memory of its process and of its
    children (RSS of the import process; RSS and PSS summed over it and its workers), and the
    CPU time of the PostgreSQL backends serving the bench database (read from /proc, so only
    when PostgreSQL runs on this machine and its processes are readable; None otherwise)."""

    def __init__(self, pid: int, env: BenchEnv) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.env = env
        self.stop = threading.Event()
        self.peak_rss_kb = self.peak_tree_rss_kb = self.peak_tree_pss_kb = 0
        self.workers = 0
        self.backend_cpu: dict[int, float] = {}
        self.backend_start: dict[int, float] = {}

    def run(self) -> None:
        import psycopg

        with psycopg.connect(_libpq(self.env.admin_url), autocommit=True) as conn:
            while not self.stop.wait(SAMPLE_SECONDS):
                self._sample(conn)

    def _sample(self, conn: Any) -> None:
        children = _descendants(self.pid)
        self.workers = max(self.workers, len(children))
        memory = [_memory_kb(pid) for pid in [self.pid, *children]]
        self.peak_rss_kb = max(self.peak_rss_kb, memory[0][0])
        self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, sum(rss for rss, _ in memory))
        self.peak_tree_pss_kb = max(self.peak_tree_pss_kb, sum(pss for _, pss in memory))
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.env.database_name],
        ).fetchall()
        for (backend,) in backends:
            cpu = _cpu_seconds(backend)
            if cpu is not None:
                self.backend_start.setdefault(backend, cpu)
                self.backend_cpu[backend] = cpu

    @property
    def database_cpu(self) -> float | None:
        if not self.backend_cpu:
            return None
        return sum(self.backend_cpu[pid] - self.backend_start[pid] for pid in self.backend_cpu)


def timed_import(env: BenchEnv, slug: str, path: Path) -> dict[str, Any]:
    """Run import_comments in a child process: wall seconds, CPU seconds (the import process
    with its workers, and the database backends), peak memory (MB), its summary."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "import_comments", slug, str(path),
             "--verbosity", "0"],
            cwd=ROOT, env=env.process_env(), stdout=out, stderr=err,
        )  # fmt: skip
        sampler = Sampler(child.pid, env)
        sampler.start()
        # wait4, not wait: the child's own resource usage (with its reaped workers').
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    if child.returncode:
        raise SystemExit(f"import failed:\n{text}{errors}")
    summary = text.strip().splitlines()[-1]
    created = re.search(r"created: threads=(\d+) comments=(\d+)", text)
    counts = dict(re.findall(r"(\w+)=(\d+)", summary))
    database_cpu = sampler.database_cpu
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "seconds": round(seconds, 2),
        # ru_maxrss is in KB on Linux: the largest of the process and its reaped workers.
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "sampled_peak_rss_mb": round(sampler.peak_rss_kb / 1024, 1),
        "sampled_peak_tree_rss_mb": round(sampler.peak_tree_rss_kb / 1024, 1),
        "sampled_peak_tree_pss_mb": round(sampler.peak_tree_pss_kb / 1024, 1),
        "workers": sampler.workers,
        # CPU time is what the load of other work on the machine changes least.
        "cpu_seconds": round(cpu, 2),
        "database_cpu_seconds": None if database_cpu is None else round(database_cpu, 2),
        "summary": summary,
        "comments": int(counts.get("comments", 0)),
        "threads_created": int(created.group(1)) if created else None,
        "comments_created": int(created.group(2)) if created else None,
    }


def _memory(run: dict[str, Any]) -> float:
    """The import's memory: its process and its workers, shared pages counted once (PSS)."""
    return max(run["sampled_peak_tree_pss_mb"], run["sampled_peak_rss_mb"])


def _per_cpu_second(run: dict[str, Any]) -> str:
    cpu = run["cpu_seconds"] + (run["database_cpu_seconds"] or 0)
    return f"{run['size'] / cpu:,.0f}" if cpu else "-"


def _row(label: str, run: dict[str, Any]) -> list[str]:
    database = run["database_cpu_seconds"]
    return [
        label, f"{run['seconds']:.1f} s", f"{run['rate']:,}", f"{run['cpu_seconds']:.1f} s",
        "-" if database is None else f"{database:.1f} s", _per_cpu_second(run),
        f"{run['sampled_peak_rss_mb']:.0f} MB",
        f"{run['sampled_peak_tree_pss_mb']:.0f} MB ({run['workers']} workers)",
        f"{run['load']:.2f}",
    ]  # fmt: skip


def _line(run: dict[str, Any]) -> str:
    database = run["database_cpu_seconds"]
    return (
        f"{run['seconds']:.1f} s, {run['rate']:,}/s, CPU {run['cpu_seconds']:.1f} s + database "
        f"{'-' if database is None else f'{database:.1f}'} s ({_per_cpu_second(run)} comments "
        f"per CPU-second), peak RSS {run['sampled_peak_rss_mb']:.0f} MB, PSS with workers "
        f"{run['sampled_peak_tree_pss_mb']:.0f} MB, load {run['load']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import benchmark")
    parser.add_argument("--sizes", default="100000,300000", help="comma-separated sizes")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    env = bench_env(DATABASE, REDIS_DB)
    loads = [load_average()]
    say(f"database {DATABASE}, Redis db {REDIS_DB}; load {loads[0]:.2f}; cores {os.cpu_count()}")
    database_recreate(env)
    redis_client(env).flushdb()
    manage(env, "migrate", "--verbosity", "0")
    folder = RESULTS / "import-files"
    folder.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, Any]] = []
    for size in sizes:
        path = folder / f"disqus-{size}.xml.gz"
        if not path.exists():
            t0 = time.perf_counter()
            generate(path, size)
            say(f"generated {path.name}: {path.stat().st_size / 1e6:.1f} MB gzipped "
                f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
        slug = f"imp{size}"
        manage(env, "create_site", "--slug", slug, "--name", slug, "--owner-email",
               f"owner@{slug}.example", "--owner-password", "correct-horse-battery-staple",
               "--origin", "https://bench.example")  # fmt: skip
        loads.append(load_average())
        result = timed_import(env, slug, path)
        result.update(size=size, load=load_average(), rate=round(size / result["seconds"]))
        runs.append(result)
        say(f"{size:>9,} comments: {_line(result)}  [{result['summary']}]")
    first = sizes[0]
    again = timed_import(env, f"imp{first}", folder / f"disqus-{first}.xml.gz")
    again.update(size=first, load=load_average(), rate=round(first / again["seconds"]))
    say(f"re-import of {first:,}: {_line(again)}, created threads={again['threads_created']} "
        f"comments={again['comments_created']}")  # fmt: skip
    rows = [_row(f"{r['size']:,} comments", r) for r in runs]
    rows.append(_row(f"re-import {first:,} (created {again['comments_created']})", again))
    say(report.table(rows, [
        "run", "wall time", "comments/s", "CPU import", "CPU database", "comments/CPU-s",
        "peak RSS", "peak PSS, with workers", "load"]))  # fmt: skip
    biggest = runs[-1]
    ok_rate = runs[0]["rate"] >= TARGET_RATE
    ok_rss = all(_memory(r) < TARGET_RSS_MB for r in [*runs, again])
    say(f"target >= {TARGET_RATE:,.0f}/s at {first:,}: {'yes' if ok_rate else 'NO'}; "
        f"peak memory < {TARGET_RSS_MB:.0f} MB: {'yes' if ok_rss else 'NO'}; memory at "
        f"{biggest['size']:,} vs {first:,}: {_memory(biggest):.0f} / {_memory(runs[0]):.0f} MB; "
        f"re-import created {again['comments_created']} comments")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(
        {"machine": report.machine(), "loads": loads, "runs": runs, "reimport": again},
        indent=2,
    ))  # fmt: skip
    say(f"results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
