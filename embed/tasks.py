"""Celery tasks. Each runs in the schema of the site that queued it (tenant-schemas-celery
puts the schema in the task's headers and switches to it before the task runs)."""

from embed.importers.jobs import import_run
from palaver.celery import app


@app.task(name="embed.import_run", ignore_result=True)
def import_run_task(import_id: int) -> None:
    """Run the site's queued import `import_id` (see embed.importers.jobs)."""
    import_run(import_id=import_id)
