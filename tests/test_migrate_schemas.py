"""`migrate_schemas` migrates the template first and then only the sites behind it."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tenants.management.commands.migrate_schemas import migration_histories, sites_behind
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_every_site_cloned_from_the_template_shares_its_history(alpha: Tenant, beta: Tenant):
    template = settings.TENANT_BASE_SCHEMA
    histories = migration_histories([template, alpha.schema_name, beta.schema_name])
    assert histories[alpha.schema_name] == histories[beta.schema_name] == histories[template]
    schemas, behind = sites_behind(template)
    assert {alpha.schema_name, beta.schema_name} <= set(schemas)
    assert behind == []


def test_a_site_missing_a_migration_is_behind(alpha: Tenant, beta: Tenant):
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{beta.schema_name}".django_migrations WHERE id = '  # noqa: S608
            f'(SELECT max(id) FROM "{beta.schema_name}".django_migrations)'
        )
    _, behind = sites_behind(settings.TENANT_BASE_SCHEMA)
    assert behind == [beta.schema_name]


def test_a_run_with_nothing_to_do_runs_no_per_site_migrate(alpha: Tenant, beta: Tenant):
    out = io.StringIO()
    call_command("migrate_schemas", verbosity=1, stdout=out)
    printed = out.getvalue()
    assert "sites up to date, 0 to migrate" in printed
    # Only the public schema and the template are walked by Django's migrate.
    assert f"[{alpha.schema_name}]" not in printed and f"[{beta.schema_name}]" not in printed


def test_the_history_check_is_batched():
    from django.test.utils import CaptureQueriesContext

    schemas = [settings.TENANT_BASE_SCHEMA] * 450
    with CaptureQueriesContext(connection) as queries:
        migration_histories(schemas)
    histories = [q for q in queries.captured_queries if "django_migrations" in q["sql"]]
    assert len(histories) == 3


def test_a_new_migration_of_a_public_only_app_puts_no_site_behind(alpha: Tenant, beta: Tenant):
    # As after a deploy with a new `tenants` migration: the template (migrated first) has the
    # row, the sites have not. They get it recorded; no site is migrated.
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{beta.schema_name}".django_migrations WHERE id = '  # noqa: S608
            f"(SELECT max(id) FROM \"{beta.schema_name}\".django_migrations WHERE app = 'tenants')"
        )
    assert sites_behind(settings.TENANT_BASE_SCHEMA)[1] == [beta.schema_name]
    out = io.StringIO()
    call_command("migrate_schemas", verbosity=1, stdout=out)
    assert "sites up to date, 0 to migrate" in out.getvalue()
    assert f"[{beta.schema_name}]" not in out.getvalue()
    assert sites_behind(settings.TENANT_BASE_SCHEMA)[1] == []
