"""django-tenants' PostgreSQL backend, made safe for PgBouncer's transaction pooling and
Citus-clean for migrations.

**Transaction pooling.** django-tenants issues `SET search_path` once per connection and
site (a session setting). Behind PgBouncer in transaction mode, the next transaction may run
on another server connection, which still has the search path some other site set: reads
then return the other site's rows, with no error (measured: 781 of 1,200 reads, 2 sites x 4
threads over a pool of 2). With `DATABASE_POOL_MODE=transaction` this backend never issues a
session `SET`; instead every transaction begins with `SET LOCAL search_path` for the site the
connection is on, and a statement run in autocommit mode is wrapped in a short transaction
of its own that carries the `SET LOCAL` and the statement together. PostgreSQL scopes
`SET LOCAL` to the transaction, and PgBouncer never splits a transaction, so the path and the
statement always meet on the same server connection. Server-side cursors and prepared
statements are off in that mode (settings.py), as PgBouncer 1.18 cannot carry them.
Session pooling (`DATABASE_POOL_MODE=session`, the default) keeps django-tenants' behaviour.

**Citus.** Django writes a `PositiveIntegerField` added by a migration as
`ALTER TABLE t ADD COLUMN c integer NOT NULL CHECK ("c" >= 0)`, leaving PostgreSQL to name
the constraint. Citus (schema-based sharding, docs/scaling.md) refuses an unnamed constraint
in `ADD COLUMN` on a distributed table, so this editor names it, with the name PostgreSQL
would have chosen (`<table>_<column>_check`): databases migrated before and after this
change end up with the same constraint names.
"""

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import quote_schema_name

_Editor: Any = tenants_base.original_backend.DatabaseWrapper.SchemaEditorClass
NAME_LIMIT = 63  # PostgreSQL's NAMEDATALEN - 1
TRANSACTION_POOLING = "transaction"
# Statements PostgreSQL refuses inside a transaction block. They go through unwrapped; the
# ones that name tables (CONCURRENTLY) belong to migrations, which run against PostgreSQL
# directly, not through the pooler (docs/scaling.md).
TRANSACTION_CONTROL = re.compile(r"^\s*(?:SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)
OUTSIDE_TRANSACTIONS = re.compile(
    r"^\s*(?:(?:CREATE|DROP|ALTER)\s+DATABASE|VACUUM|ALTER\s+SYSTEM|"
    r"(?:CREATE|DROP)\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|REINDEX\b.*\bCONCURRENTLY)",
    re.IGNORECASE,
)


class DatabaseSchemaEditor(_Editor):
    def add_field(self, model: Any, field: Any) -> None:
        check = field.db_parameters(connection=self.connection)["check"]
        if not check:
            super().add_field(model, field)
            return
        name = f"{model._meta.db_table}_{field.column}_check"
        if len(name) > NAME_LIMIT:
            name = self._create_index_name(model._meta.db_table, [field.column], suffix="_check")
        plain: str = self.sql_check_constraint  # type: ignore[has-type]
        self.sql_check_constraint = f"CONSTRAINT {self.quote_name(name)} CHECK (%(check)s)"
        try:
            super().add_field(model, field)
        finally:
            self.sql_check_constraint = plain


class DatabaseCreation(tenants_base.original_backend.DatabaseWrapper.creation_class):
    """Test databases dropped `WITH (FORCE)` (PostgreSQL 13+), before they are created (unless
    kept) and after the run: behind PgBouncer the pooler may still hold an idle server
    connection to the test database, which a plain `DROP DATABASE` refuses."""

    def _execute_create_test_db(self, cursor: Any, parameters: dict, keepdb: bool = False) -> None:
        if not keepdb:
            cursor.execute("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)".format(**parameters))
        super()._execute_create_test_db(cursor, parameters, keepdb)

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        name = self.connection.ops.quote_name(test_database_name)
        with self._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    """The tenant-aware connection. `settings_dict["POOL_MODE"]` is "session" or
    "transaction" (see the module docstring)."""

    SchemaEditorClass = DatabaseSchemaEditor
    creation_class = DatabaseCreation

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The search path SET LOCAL in the open transaction, if any.
        self.local_search_path: str | None = None
        self.transaction_pooling = self.settings_dict.get("POOL_MODE") == TRANSACTION_POOLING
        if self.transaction_pooling:
            self.execute_wrappers.append(self._scoped_search_path)

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        """Set the site on this alias and, from `default`, on every replica alias too, so a
        read the router sends to a standby runs in the same schema (core.replicas)."""
        super().set_tenant(tenant, include_public)
        if self.alias == DEFAULT_DB_ALIAS:
            for alias in settings.DATABASES:
                if alias != DEFAULT_DB_ALIAS:
                    connections[alias].set_tenant(tenant, include_public)  # type: ignore[attr-defined]

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self.transaction_pooling:
            return  # never a session SET: see _scoped_search_path
        super()._handle_search_path(cursor)

    def search_path_sql(self) -> str:
        """The SET LOCAL statement for the schema the connection is on (quoted names)."""
        schemas = self._get_cursor_search_paths()
        return "SET LOCAL search_path = " + ",".join(quote_schema_name(s) for s in schemas)

    def _scoped_search_path(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        statement = self.search_path_sql()
        raw = context["cursor"].cursor  # the driver's cursor: no wrapper runs twice
        if self.in_atomic_block or not self.get_autocommit():
            if TRANSACTION_CONTROL.match(sql):
                # SAVEPOINT, RELEASE, ROLLBACK TO: no path needed, and after an error only
                # the rollback may run (a SET LOCAL first would fail the transaction).
                return execute(sql, params, many, context)
            if self.local_search_path != statement:
                raw.execute(statement)
                self.local_search_path = statement
            return execute(sql, params, many, context)
        if OUTSIDE_TRANSACTIONS.match(sql):
            return execute(sql, params, many, context)
        # Autocommit: the path and the statement share one short transaction.
        with self.connection.transaction():
            raw.execute(statement)
            return execute(sql, params, many, context)

    # Whatever ends or unwinds a transaction also ends its SET LOCAL.
    def _commit(self) -> None:
        self.local_search_path = None
        super()._commit()

    def _rollback(self) -> None:
        self.local_search_path = None
        super()._rollback()

    def _savepoint_rollback(self, sid: str) -> None:
        # Forgotten after the rollback, which must run first: it undoes a SET LOCAL made
        # since the savepoint, so the next statement sets the path again.
        super()._savepoint_rollback(sid)
        self.local_search_path = None

    def _set_autocommit(self, autocommit: bool) -> None:
        self.local_search_path = None
        super()._set_autocommit(autocommit)

    def close(self) -> None:
        self.local_search_path = None
        super().close()
