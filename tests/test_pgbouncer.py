"""Behind a real PgBouncer in transaction mode, no read ever lands on another site's schema.

PgBouncer (Debian's package; `make test` installs it when run as root) is started on a spare
loopback port in front of the test database. Sites `alpha` and `beta` each have their owner
in their own `auth_user` table (and the platform staff sit in public's), so a read that runs
with the wrong search path returns the wrong e-mail address.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tenants.postgresql_backend.base import DatabaseWrapper as StockWrapper

from palaver.db.base import DatabaseWrapper
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
OWNER = "SELECT email FROM auth_user WHERE is_superuser ORDER BY id LIMIT 1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unprivileged_user() -> str | None:
    """PgBouncer refuses to run as root; when we are root, it runs as this user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.fail("no unprivileged user to run PgBouncer as")


class Bouncer:
    def __init__(self, folder: Path, pool_size: int) -> None:
        self.folder, self.pool_size, self.port = folder, pool_size, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        db = connection.settings_dict
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
        user = db.get("USER") or "postgres"
        (self.folder / "users.txt").write_text(f'"{user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.folder / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {self.pool_size}\n"
            "min_pool_size = 0\nreserve_pool_size = 0\nmax_client_conn = 200\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        command = [_pgbouncer(), str(self.folder / "pgbouncer.ini")]
        runner = _unprivileged_user()
        if runner:
            command[1:1] = ["-u", runner]
        self.log_file = (self.folder / "pgbouncer.log").open("wb")
        self.process = subprocess.Popen(command, stdout=self.log_file, stderr=self.log_file)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"PgBouncer did not start: {self.log()}")

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.log_file.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def wrapper(self, cls: type = DatabaseWrapper, mode: str = "transaction") -> Any:
        settings_dict = {
            **connection.settings_dict,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "POOL_MODE": mode,
            "CONN_MAX_AGE": 0,
            "DISABLE_SERVER_SIDE_CURSORS": True,
            "OPTIONS": {**connection.settings_dict.get("OPTIONS", {}), "prepare_threshold": None},
        }
        return cls(settings_dict, alias=f"bouncer-{id(settings_dict)}")


def _pgbouncer() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        reason = "PgBouncer not installed (Debian: apt-get install pgbouncer)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}; the PgBouncer tests must run in CI")
        pytest.skip(reason)
    return found


@pytest.fixture
def bouncer_factory() -> Iterator[Any]:
    host = connection.settings_dict.get("HOST") or ""
    if host.startswith("/"):
        pytest.skip("the test database is on a Unix socket; the PgBouncer leg uses TCP")
    started: list[Bouncer] = []

    def make(pool_size: int) -> Bouncer:
        # Not under pytest's tmp_path: its parents are private to us, and PgBouncer runs as
        # another user when we are root; it must read its configuration.
        folder = Path(tempfile.mkdtemp(prefix="palaver-pgbouncer-"))
        folder.chmod(0o755)
        bouncer = Bouncer(folder, pool_size)
        bouncer.start()
        started.append(bouncer)
        return bouncer

    yield make
    for bouncer in started:
        bouncer.stop()


def _owner(wrapper: Any, schema: str) -> str:
    wrapper.set_schema(schema)
    with wrapper.cursor() as cursor:
        cursor.execute(OWNER)
        return cursor.fetchone()[0]


def test_the_stock_session_setting_reads_another_sites_rows(bouncer_factory, alpha, beta):
    # The fault this backend exists for, shown deterministically over one server connection.
    bouncer = bouncer_factory(pool_size=1)
    first, second = bouncer.wrapper(StockWrapper), bouncer.wrapper(StockWrapper)
    try:
        assert _owner(first, alpha.schema_name) == "owner@alpha.example"
        assert _owner(second, beta.schema_name) == "owner@beta.example"
        with first.cursor() as cursor:  # alpha's client, beta's search path on the server
            cursor.execute(OWNER)
            assert cursor.fetchone()[0] == "owner@beta.example"
    finally:
        first.close()
        second.close()


def test_set_local_keeps_each_client_on_its_site(bouncer_factory, alpha, beta):
    bouncer = bouncer_factory(pool_size=1)
    first, second = bouncer.wrapper(), bouncer.wrapper()
    try:
        assert _owner(first, alpha.schema_name) == "owner@alpha.example"
        assert _owner(second, beta.schema_name) == "owner@beta.example"
        with first.cursor() as cursor:
            cursor.execute(OWNER)
            assert cursor.fetchone()[0] == "owner@alpha.example"
        # Inside a transaction: one SET LOCAL, and a new one when the site changes.
        with first.cursor() as cursor:
            first.set_autocommit(False)
            cursor.execute(OWNER)
            assert cursor.fetchone()[0] == "owner@alpha.example"
            first.set_schema(beta.schema_name)
            cursor.execute(OWNER)
            assert cursor.fetchone()[0] == "owner@beta.example"
            first.commit()
            first.set_autocommit(True)
    finally:
        first.close()
        second.close()


def test_two_sites_four_threads_read_no_other_sites_rows(
    bouncer_factory, alpha: Tenant, beta: Tenant
):
    bouncer = bouncer_factory(pool_size=2)
    expected = {alpha.schema_name: "owner@alpha.example", beta.schema_name: "owner@beta.example"}
    wrong: list[tuple[str, str]] = []
    reads = [0]
    lock = threading.Lock()

    def reader(schema: str) -> None:
        wrapper = bouncer.wrapper()
        try:
            for _ in range(150):
                found = _owner(wrapper, schema)
                with lock:
                    reads[0] += 1
                    if found != expected[schema]:
                        wrong.append((schema, found))
        finally:
            wrapper.close()

    threads = [
        threading.Thread(target=reader, args=(schema,)) for schema in expected for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads[0] == 1200
    assert wrong == []
