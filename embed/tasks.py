"""The per-site app's Celery tasks, for the worker's autodiscovery (`celery -A palaver`).

Each task lives beside the service it runs and is listed here; each runs in the schema of
the site that queued it (tenant-schemas-celery puts the schema in the task's headers and
switches to it before the task runs).
"""

from embed.importers.jobs import import_run_task

__all__ = ["import_run_task"]
