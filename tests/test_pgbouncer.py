"""Behind a real PgBouncer in transaction mode, no read ever lands on another site's schema.

PgBouncer (Debian's package; `make test` installs it when run as root) is started on a spare
loopback port in front of the test database. Sites `alpha` and `beta` each have their owner
in their own `auth_user` table (and the platform staff sit in public's), so a read that runs
with the wrong search path returns the wrong e-mail address.
"""

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django_tenants.postgresql_backend.base import DatabaseWrapper as StockWrapper

from palaver import topology
from palaver.db.base import DatabaseWrapper
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
OWNER = "SELECT email FROM auth_user WHERE is_superuser ORDER BY id LIMIT 1"


def _pgbouncer_installed() -> None:
    if topology.binary("pgbouncer", "/usr/sbin/pgbouncer") is None:
        reason = "PgBouncer not installed (Debian: apt-get install pgbouncer)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}; the PgBouncer tests must run in CI")
        pytest.skip(reason)


class Bouncer(topology.PgBouncer):
    """PgBouncer in front of the test database, handing out Django connections through it."""

    def __init__(self, pool_size: int) -> None:
        db = connection.settings_dict
        upstream = (db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
        super().__init__(upstream, user=db.get("USER") or "postgres", pool_size=pool_size)

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


@pytest.fixture
def bouncer_factory() -> Iterator[Any]:
    host = connection.settings_dict.get("HOST") or ""
    if host.startswith("/"):
        pytest.skip("the test database is on a Unix socket; the PgBouncer leg uses TCP")
    _pgbouncer_installed()
    started: list[Bouncer] = []

    def make(pool_size: int) -> Bouncer:
        bouncer = Bouncer(pool_size)
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


def test_a_failed_statement_rolled_back_to_its_savepoint_leaves_the_transaction_usable(
    bouncer_factory, alpha, beta
):
    # The thread race on a new page: an INSERT hits a unique constraint inside a savepoint,
    # the savepoint is rolled back, and the transaction goes on, on the same site. The
    # rollback must run before anything else (a SET LOCAL first would fail the transaction).
    from django.db import IntegrityError

    bouncer = bouncer_factory(pool_size=1)
    wrapper = bouncer.wrapper()
    try:
        wrapper.set_schema(alpha.schema_name)
        wrapper.set_autocommit(False)
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE once (v int PRIMARY KEY)")
            cursor.execute("INSERT INTO once VALUES (1)")
            sid = wrapper.savepoint()
            with pytest.raises(IntegrityError):
                cursor.execute("INSERT INTO once VALUES (1)")
            wrapper.savepoint_rollback(sid)
            cursor.execute(OWNER)
            assert cursor.fetchone()[0] == "owner@alpha.example"
        wrapper.rollback()
        wrapper.set_autocommit(True)
    finally:
        wrapper.close()
