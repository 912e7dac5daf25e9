"""A PostgreSQL primary and a streaming hot standby on spare loopback ports, for real.

Built with the PostgreSQL binaries that pgserver ships (the embedded database of `make demo`
and `make test`), so it needs nothing beyond requirements-dev.txt: `initdb` a primary with
`wal_level = replica`, `pg_basebackup -R` it into a standby, start both. As root, PostgreSQL
runs as pgserver's own unprivileged user. The standby can be told to apply WAL late
(`recovery_min_apply_delay`), which makes replication lag a fact the tests can rely on.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from pgserver._commands import POSTGRES_BIN_PATH
from pgserver.utils import ensure_user_exists

RUN_AS = "pgserver"  # pgserver's user for running PostgreSQL under root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ReplicatedPostgres:
    """`primary_url` and `standby_url` name the database `name` on each (trust auth)."""

    def __init__(self, name: str = "palaver", apply_delay_ms: int = 0) -> None:
        self.name = name
        self.apply_delay_ms = apply_delay_ms
        self.folder = Path(tempfile.mkdtemp(prefix="palaver-standby-"))
        self.folder.chmod(0o755)
        self.primary_port, self.standby_port = free_port(), free_port()
        self.primary, self.standby = self.folder / "primary", self.folder / "standby"
        self.user: str | None = None
        if os.geteuid() == 0:
            ensure_user_exists(RUN_AS)
            shutil.chown(self.folder, RUN_AS)
            self.user = RUN_AS

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{self.name}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return self.url(self.standby_port)

    def run(self, binary: str, *args: str, **kwargs: Any) -> str:
        done = subprocess.run(  # noqa: S603 - pgserver's own binaries
            [str(POSTGRES_BIN_PATH / binary), *args],
            user=self.user,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            **kwargs,
        )
        if done.returncode:
            raise RuntimeError(f"{binary} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> None:
        self.run("initdb", "-D", str(self.primary), "-U", "postgres", "--auth=trust")
        self._configure(self.primary, self.primary_port, "wal_level = replica\nmax_wal_senders = 5")
        self.pg_ctl(self.primary, "start")
        self.run(
            "psql", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-d", "postgres", "-c", f'CREATE DATABASE "{self.name}"',
        )  # fmt: skip
        self.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(self.standby), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self._configure(
            self.standby,
            self.standby_port,
            "hot_standby = on\nlog_statement = 'all'\n"
            f"recovery_min_apply_delay = '{self.apply_delay_ms}ms'",
        )
        self.pg_ctl(self.standby, "start")

    def _configure(self, data: Path, port: int, extra: str) -> None:
        settings = (
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\nfsync = off\n{extra}\n"
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(settings)

    def pg_ctl(self, data: Path, action: str) -> None:
        self.run("pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w", action)

    def standby_log(self) -> str:
        return (self.standby / "server.log").read_text(errors="replace")

    def stop_standby(self) -> None:
        self.pg_ctl(self.standby, "stop")

    def stop(self) -> None:
        for data in (self.standby, self.primary):
            if (data / "postmaster.pid").exists():
                try:
                    self.pg_ctl(data, "stop")
                except RuntimeError:
                    pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def wait_replayed(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        target = self._sql(self.primary_port, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        sql = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        while time.monotonic() < deadline:
            if self._sql(self.standby_port, sql) == "t":
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not catch up")

    def _sql(self, port: int, sql: str) -> str:
        return self.run(
            "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", self.name,
            "-At", "-c", sql,
        ).strip()  # fmt: skip
