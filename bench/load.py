"""Load over loopback: wrk when it is installed, a Python load generator when it is not.

A row is a list of request variants (method, path, headers, body) that connections cycle
through, a number of connections and a duration. Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.env import RESULTS

TARGET = "127.0.0.1"
WRK = shutil.which("wrk")


@dataclass(frozen=True)
class Req:
    path: str
    host: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def all_headers(self) -> dict[str, str]:
        headers = {"Host": self.host, **dict(self.headers)}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return headers


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    tool: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- wrk --------------------------------------------------------------------------------


def _lua_string(value: str) -> str:
    level = "=" * 4
    if f"]{level}]" in value:
        raise ValueError("a request may not contain the Lua long-string closer")
    return f"[{level}[{value}]{level}]"


def _lua_script(variants: list[Req]) -> str:
    lines = ["local reqs = {"]
    for req in variants:
        headers = ", ".join(
            f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in req.all_headers().items()
        )
        body = _lua_string(req.body.decode()) if req.body is not None else "nil"
        lines.append(
            f"  wrk.format({_lua_string(req.method)}, {_lua_string(req.path)}, "
            f"{{{headers}}}, {body}),"
        )
    lines.append("}")
    lines.append(
        """
local idx = 0
function init(args)
  idx = math.random(#reqs) - 1
end
function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p99": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""
    )
    return "\n".join(lines)


def _wrk(variants: list[Req], port: int, connections: int, seconds: float) -> Result:
    if WRK is None:
        raise RuntimeError("wrk is not installed")
    RESULTS.mkdir(parents=True, exist_ok=True)
    script = RESULTS / f"wrk-{os.getpid()}-{threading.get_ident()}.lua"
    script.write_text(_lua_script(variants))
    threads = min(connections, os.cpu_count() or 2)
    out = subprocess.run(
        [
            WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", "5s", "-s", str(script), f"http://{TARGET}:{port}/",
        ],
        capture_output=True, text=True, timeout=seconds + 60, check=False,
    )  # fmt: skip
    script.unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout}\n{out.stderr}")
    data = json.loads(line[6:])
    # Connections the server closes after a response (gunicorn sync workers) are not
    # errors; wrk counts refused connects, read/write failures, timeouts and 4xx/5xx.
    errors = data["connect"] + data["read"] + data["write"] + data["status"] + data["timeout"]
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50"] / 1000,
        p99_ms=data["p99"] / 1000,
        tool="wrk",
        extra={"wire_bytes_per_request": data["bytes"] / max(1, data["requests"])},
    )


# --- Python fallback --------------------------------------------------------------------


def send(conn: http.client.HTTPConnection, req: Req) -> tuple[int, bytes, dict[str, str]]:
    conn.request(req.method, req.path, body=req.body, headers=req.all_headers())
    response = conn.getresponse()
    body = response.read()
    return response.status, body, {k.lower(): v for k, v in response.getheaders()}


def _py_process(
    variants: list[Req], port: int, threads: int, deadline: float, offset: int
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop(start: int) -> None:
        conn = http.client.HTTPConnection(TARGET, port, timeout=5)
        own: list[float] = []
        failed = 0
        i = start
        while time.time() < deadline:
            req = variants[i % len(variants)]
            i += 1
            t0 = time.perf_counter()
            try:
                status, _, _ = send(conn, req)
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                continue
            own.append(time.perf_counter() - t0)
            if status >= 400:
                failed += 1
        with lock:
            latencies.extend(own)
            errors[0] += failed

    pool = [threading.Thread(target=loop, args=(offset + n * 7,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, errors[0], 0


def _python(variants: list[Req], port: int, connections: int, seconds: float) -> Result:
    processes = max(1, min(connections, os.cpu_count() or 2))
    per = [
        connections // processes + (1 if i < connections % processes else 0)
        for i in range(processes)
    ]
    start = time.time()
    deadline = start + seconds
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes) as pool:
        parts = pool.starmap(
            _py_process, [(variants, port, n, deadline, i * 101) for i, n in enumerate(per)]
        )
    elapsed = time.time() - start
    latencies = [x for part in parts for x in part[0]]
    return Result(
        requests=len(latencies),
        seconds=elapsed,
        errors=sum(part[1] for part in parts),
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        tool="python",
    )


def run(variants: list[Req], port: int, *, connections: int, seconds: float) -> Result:
    """Drive `connections` keep-alive connections at the server for `seconds`."""
    if WRK and not os.environ.get("BENCH_NO_WRK"):
        return _wrk(variants, port, connections, seconds)
    return _python(variants, port, connections, seconds)


def serial(
    variants: list[Req], port: int, *, count: int, before: object = None, seconds: float = 10.0
) -> tuple[Result, list[tuple[int, bytes, dict[str, str]]]]:
    """One connection, one request at a time, `before()` run (untimed) before each one."""
    conn = http.client.HTTPConnection(TARGET, port, timeout=10)
    latencies: list[float] = []
    answers: list[tuple[int, bytes, dict[str, str]]] = []
    errors = 0
    deadline = time.time() + seconds
    spent = 0.0
    for i in range(count):
        if time.time() > deadline:
            break
        if callable(before):
            before()
        t0 = time.perf_counter()
        try:
            status, body, headers = send(conn, variants[i % len(variants)])
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            continue
        took = time.perf_counter() - t0
        spent += took
        latencies.append(took)
        answers.append((status, body, headers))
        if status >= 400:
            errors += 1
    conn.close()
    result = Result(
        requests=len(latencies),
        seconds=spent,
        errors=errors,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        tool="serial",
    )
    return result, answers


def fetch(req: Req, port: int) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection(TARGET, port, timeout=10)
    try:
        return send(conn, req)
    finally:
        conn.close()


def wait_until_up(req: Req, port: int, seconds: float = 60.0) -> None:
    deadline = time.time() + seconds
    last: Exception | None = None
    while time.time() < deadline:
        try:
            status, _, _ = fetch(req, port)
            if status < 500:
                return
        except (OSError, http.client.HTTPException) as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer: {last}")


def results_path(name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / name
