"""Celery beat's scheduler: periodic jobs run in every active site's schema.

tenant-schemas-celery's scheduler sends an entry without `tenant_schemas` to every tenant but
the public one; this one leaves out suspended sites too. An entry with
`"tenant_schemas": ["public"]` runs once, in the public schema (jobs that span sites).
"""

from typing import Any

from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

from tenants.models import Tenant


class ActiveSitesScheduler(TenantAwarePersistentScheduler):
    @classmethod
    def get_queryset(cls) -> Any:
        return Tenant.objects.filter(active=True)
