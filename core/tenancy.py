"""Typed access to the tenant-aware connection.

`django.db.connection` is typed as Django's base wrapper, which knows nothing of schemas;
these helpers name the django-tenants wrapper it really is.
"""

from typing import cast

from django.db import connection
from django_tenants.postgresql_backend.base import DatabaseWrapper


def tenant_db() -> DatabaseWrapper:
    return cast(DatabaseWrapper, connection)


def current_schema() -> str:
    return str(tenant_db().schema_name)


def use_public_schema() -> None:
    tenant_db().set_schema_to_public()
