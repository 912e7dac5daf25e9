"""`migrate_schemas` that also keeps the template schema migrated and the public site present.

New sites are cloned from the template schema (TENANT_BASE_SCHEMA), so it must always be at
the latest migration: every run that migrates tenant schemas migrates it too.
"""

from typing import Any

from django.conf import settings
from django.db import connection
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import schema_exists

from tenants.db import use_public_schema


class Command(MigrateSchemasCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        template = settings.TENANT_BASE_SCHEMA
        only_schema = options.get("schema_name")
        if only_schema == template and not schema_exists(template):
            use_public_schema()
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
        super().handle(*args, **options)
        if self.sync_public and not only_schema:
            from tenants.setup import public_tenant_ensure

            public_tenant_ensure()
        if self.sync_tenant and not only_schema:
            if not schema_exists(template):
                use_public_schema()
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE SCHEMA "{template}"')
            super().handle(*args, **{**options, "schema_name": template, "shared": False})
        use_public_schema()
