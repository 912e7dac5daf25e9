"""The schema and the clone stay Citus-clean (docs/scaling.md), checked on plain PostgreSQL.

Citus' schema-based sharding ran this project's suite after three changes, and these tests
keep them: CHECK constraints added by `ADD COLUMN` carry names, the clone is sent statement
by statement, and sequences are set with literal values.
"""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from core.tenancy import use_public_schema
from tenants.cloning import clone_statements, schema_clone, sequence_statements

pytestmark = pytest.mark.django_db

CLONE = "zz_citus_check"
UNNAMED_CHECK = re.compile(r"ADD COLUMN (?:(?!CONSTRAINT).)*? CHECK \(", re.IGNORECASE)
LITERAL_SETVAL = re.compile(
    r"^SELECT setval\(pg_get_serial_sequence\('[^']+', '[^']+'\), \d+, false\)$"
)


def migration_sql(schema: str) -> dict[str, str]:
    """Every migration's SQL as `sqlmigrate` prints it, rendered in `schema`."""
    loader = MigrationLoader(connection)
    found = {}
    with schema_context(schema):
        for app, name in sorted(loader.disk_migrations):
            out = io.StringIO()
            call_command("sqlmigrate", app, name, stdout=out)
            found[f"{schema}: {app}.{name}"] = out.getvalue()
    return found


def test_every_check_constraint_added_by_a_migration_is_named():
    sql = migration_sql(settings.TENANT_BASE_SCHEMA) | migration_sql("public")
    assert any("ADD COLUMN" in text for text in sql.values())  # the check reads real SQL
    offenders = {
        name: match.group(0)
        for name, text in sql.items()
        for match in [UNNAMED_CHECK.search(text)]
        if match
    }
    assert offenders == {}


def test_a_positive_field_added_later_gets_the_name_postgres_would_choose():
    from embed.models import Comment

    field = Comment._meta.get_field("depth")
    with connection.schema_editor(collect_sql=True) as editor:
        editor.add_field(Comment, field)
    statement = next(s for s in editor.collected_sql if "ADD COLUMN" in s)
    assert 'CONSTRAINT "embed_comment_depth_check" CHECK' in statement


def test_the_clone_is_sent_statement_by_statement_with_literal_sequence_values():
    template = settings.TENANT_BASE_SCHEMA
    use_public_schema()
    statements = clone_statements(template, CLONE)
    setvals = sequence_statements(template, CLONE)
    assert setvals and all(LITERAL_SETVAL.match(s) for s in setvals), setvals
    assert not any("setval" in s for s in statements)
    with CaptureQueriesContext(connection) as queries:
        schema_clone(template=template, target=CLONE)
    sent = [query["sql"] for query in queries.captured_queries]
    ddl = [s for s in sent if s.startswith(("CREATE", "ALTER", "INSERT", "SELECT setval"))]
    assert len(ddl) == len(statements) + len(setvals)
    assert not any(";" in re.sub(r"'(?:[^']|'')*'", "''", s) for s in ddl)
