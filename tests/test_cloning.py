"""A site's schema, cloned from the template, is the template object for object."""

import pytest
from django.conf import settings
from django.db import connection

from core.tenancy import use_public_schema
from tenants.cloning import schema_clone

pytestmark = pytest.mark.django_db

CLONE = "zz_clone_check"


def shape(schema: str) -> dict[str, list]:
    def rows(sql: str) -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, [schema])
            found = cursor.fetchall()
        return sorted(
            tuple(str(v).replace(f"{schema}.", "S.").replace(f'"{schema}".', "S.") for v in row)
            for row in found
        )

    return {
        "columns": rows(
            "SELECT t.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "a.attidentity, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
            "JOIN pg_class t ON t.oid = a.attrelid "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE t.relnamespace = %s::regnamespace AND t.relkind = 'r' "
            "AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        "constraints": rows(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), "
            "condeferrable, condeferred FROM pg_constraint WHERE connamespace = %s::regnamespace"
        ),
        "indexes": rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s"),
        "sequences": rows(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace "
            "AND c.relkind = 'S'"
        ),
        "other objects": rows(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = %s::regnamespace "
            "AND relkind NOT IN ('r', 'i', 'S')"
        ),
        "triggers": rows(
            "SELECT tgname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid "
            "WHERE t.relnamespace = %s::regnamespace AND NOT g.tgisinternal"
        ),
        "functions": rows("SELECT proname FROM pg_proc WHERE pronamespace = %s::regnamespace"),
    }


def test_a_clone_matches_its_template_object_for_object():
    template = settings.TENANT_BASE_SCHEMA
    use_public_schema()
    schema_clone(template=template, target=CLONE)
    original, clone = shape(template), shape(CLONE)
    assert original["columns"] and original["constraints"] and original["indexes"]
    for part in original:
        assert clone[part] == original[part], part
    # Nothing the clone would not copy has crept into the template.
    assert original["other objects"] == original["triggers"] == original["functions"] == []


def test_a_clone_carries_the_templates_rows_and_fresh_sequences():
    template = settings.TENANT_BASE_SCHEMA
    use_public_schema()
    schema_clone(template=template, target=CLONE)
    with connection.cursor() as cursor:
        for table in ("django_migrations", "django_content_type", "auth_permission"):
            cursor.execute(f'SELECT count(*) FROM "{template}".{table}')
            expected = cursor.fetchone()[0]
            cursor.execute(f'SELECT count(*) FROM "{CLONE}".{table}')
            assert cursor.fetchone()[0] == expected > 0
        # New rows get ids after the copied ones, from the clone's own sequence.
        cursor.execute(
            f'INSERT INTO "{CLONE}".django_content_type (app_label, model) '
            "VALUES ('probe', 'probe') RETURNING id"
        )
        new_id = cursor.fetchone()[0]
        cursor.execute(f'SELECT max(id) FROM "{template}".django_content_type')
        assert new_id == cursor.fetchone()[0] + 1
        cursor.execute(f'SELECT last_value FROM "{template}".django_content_type_id_seq')
        assert cursor.fetchone()[0] < new_id
