"""The servers a bench run starts, each in its own process group, and their memory.

Everything listens on 127.0.0.1 only, on ports picked free at start, and is stopped by the
process id the bench started it with.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.env import ROOT, BenchEnv, free_port
from bench.load import Req, wait_until_up
from palaver import topology

VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    workdir: Path | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def memory(self) -> dict[str, float]:
        """RSS and PSS in MiB of the server's processes (master and workers), and the largest
        RSS of one worker (`worker_rss_mib`, the master's own when it has no workers)."""
        workers = descendants(self.process.pid)
        total = memory_of([self.process.pid, *workers])
        each = [memory_of([pid])["rss_mib"] for pid in workers] or [total["rss_mib"]]
        return {**total, "worker_rss_mib": max(each), "workers": len(workers)}


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def memory_of(pids: list[int]) -> dict[str, float]:
    rss = pss = 0
    counted = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        counted += 1
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return {"processes": counted, "rss_mib": rss / 1024, "pss_mib": pss / 1024}


def _start(
    name: str, argv: list[str], env: dict[str, str], port: int, probe: Req, logdir: Path
) -> Server:
    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / f"{name}.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(name=name, port=port, process=process, log=log)
    try:
        wait_until_up(probe, port)
    except RuntimeError:
        server.stop()
        raise RuntimeError(f"{name} did not start; see {log}") from None
    return server


def gunicorn(
    name: str,
    env: BenchEnv,
    probe: Req,
    logdir: Path,
    *,
    app: str | None = None,
    extra: list[str] | None = None,
    settings: str = "palaver.settings",
    environ: dict[str, str] | None = None,
) -> Server:
    """gunicorn with the shipped deploy/gunicorn.conf.py (plus `extra` options)."""
    port = free_port()
    argv = [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    argv += extra or []
    if app:
        argv.append(app)
    process_env = env.process_env(
        BIND=f"127.0.0.1:{port}", DJANGO_SETTINGS_MODULE=settings, **(environ or {})
    )
    return _start(name, argv, process_env, port, probe, logdir)


def uvicorn(
    name: str, env: BenchEnv, probe: Req, logdir: Path, *, app: str, workers: int,
    environ: dict[str, str] | None = None,
) -> Server:  # fmt: skip
    port = free_port()
    argv = [
        str(VENV_BIN / "uvicorn"), app, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return _start(name, argv, env.process_env(**(environ or {})), port, probe, logdir)


def granian_available() -> bool:
    return (VENV_BIN / "granian").exists()


def granian(
    name: str, env: BenchEnv, probe: Req, logdir: Path, *, app: str, workers: int,
    interface: str = "wsgi", environ: dict[str, str] | None = None,
) -> Server:  # fmt: skip
    port = free_port()
    argv = [
        str(VENV_BIN / "granian"), "--interface", interface, "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-ws", "--log-level", "warning",
        app,
    ]  # fmt: skip
    return _start(name, argv, env.process_env(**(environ or {})), port, probe, logdir)


# --- nginx ------------------------------------------------------------------------------


def nginx_config(*, workdir: Path, app_port: int, edge_port: int, static_port: int) -> str:
    """The shipped deploy/nginx.conf, pointed at the bench's app (which also answers the event
    streams) and folders, plus a plain static server for the `nginx static` row."""
    static = f"""
    server {{
        listen 127.0.0.1:{static_port};
        root {workdir}/static;
        location / {{ default_type application/json; }}
    }}"""
    return topology.nginx_config(
        workdir=workdir, app_ports=[app_port], events_port=app_port, edge_port=edge_port,
        extra_servers=static,
    )  # fmt: skip


def nginx(app_port: int, static_body: bytes, logdir: Path) -> tuple[Server, int, int] | None:
    """Start nginx (edge in front of the app, and a static server); None if not installed."""
    if NGINX is None:
        return None
    workdir = Path(tempfile.mkdtemp(prefix="palaver-bench-nginx-"))
    for sub in ("cache", "temp", "static"):
        (workdir / sub).mkdir()
    for path in (workdir, workdir / "static"):
        path.chmod(0o755)
    for path in (workdir / "cache", workdir / "temp"):
        path.chmod(0o777)  # nginx workers run as an unprivileged user when started as root
    (workdir / "static" / "thread.json").write_bytes(static_body)
    (workdir / "static" / "thread.json").chmod(0o644)
    edge_port, static_port = free_port(), free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        nginx_config(
            workdir=workdir, app_port=app_port, edge_port=edge_port, static_port=static_port
        )
    )
    check = subprocess.run(
        [NGINX, "-t", "-q", "-c", str(conf), "-p", str(workdir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if check.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"nginx rejected the generated config:\n{check.stderr}")
    log = logdir / "nginx.log"
    logdir.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(workdir)],
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Server(name="nginx", port=edge_port, process=process, log=log, workdir=workdir)
    try:
        wait_until_up(Req("/thread.json", "localhost"), static_port, seconds=10)
    except RuntimeError:
        server.stop()
        raise
    time.sleep(0.2)
    return server, edge_port, static_port
