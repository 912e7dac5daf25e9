"""django-tenants' PostgreSQL backend, with CHECK constraints named when a column is added.

Django writes a `PositiveIntegerField` added by a migration as
`ALTER TABLE t ADD COLUMN c integer NOT NULL CHECK ("c" >= 0)`, leaving PostgreSQL to name
the constraint. Citus (schema-based sharding, docs/scaling.md) refuses an unnamed constraint
in `ADD COLUMN` on a distributed table, so this editor names it, with the name PostgreSQL
would have chosen (`<table>_<column>_check`): databases migrated before and after this
change end up with the same constraint names.
"""

from typing import Any

from django_tenants.postgresql_backend import base as tenants_base

_Editor: Any = tenants_base.original_backend.DatabaseWrapper.SchemaEditorClass
NAME_LIMIT = 63  # PostgreSQL's NAMEDATALEN - 1


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


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
