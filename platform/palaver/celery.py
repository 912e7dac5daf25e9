"""Celery app. Tasks run in the schema of the tenant that queued it (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palaver.settings")

app = CeleryApp("palaver")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
