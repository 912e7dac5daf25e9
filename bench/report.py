"""The tables a bench prints and the JSON it writes."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.env import RESULTS, load_average
from bench.load import Result


@dataclass
class Row:
    name: str
    server: str
    connections: int
    result: Result
    body_bytes: int | None = None
    sql_per_request: float | None = None

    def cells(self) -> list[str]:
        r = self.result
        if r.note and not r.requests:
            return [self.name, self.server, "", "", "", "", "", "", "", r.note]
        return [
            self.name,
            self.server,
            str(self.connections),
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            str(r.errors),
            f"{self.body_bytes:,}" if self.body_bytes is not None else "-",
            f"{self.sql_per_request:.2f}" if self.sql_per_request is not None else "-",
            r.note,
        ]


HEADER = ["row", "server", "conns", "req/s", "p50 ms", "p99 ms", "errors", "bytes", "SQL/req", ""]


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    right = {i for i, h in enumerate(header) if h not in ("row", "server", "", "target")}

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_1min_start": load_average(),
    }


def write_json(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    text = json.dumps(data, indent=2, default=_default)
    path.write_text(text)
    (RESULTS / f"{name}-latest.json").write_text(text)
    return path


def _default(value: object) -> object:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)  # type: ignore[call-overload]
    if isinstance(value, Result):
        return {**asdict(value), "rps": value.rps}
    return str(value)


def row_json(row: Row) -> dict[str, Any]:
    return {
        "name": row.name,
        "server": row.server,
        "connections": row.connections,
        "rps": round(row.result.rps, 1),
        "p50_ms": round(row.result.p50_ms, 3),
        "p99_ms": round(row.result.p99_ms, 3),
        "errors": row.result.errors,
        "requests": row.result.requests,
        "seconds": round(row.result.seconds, 2),
        "body_bytes": row.body_bytes,
        "sql_per_request": row.sql_per_request,
        "tool": row.result.tool,
        "note": row.result.note,
        **row.result.extra,
    }
