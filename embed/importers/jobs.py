"""Imports as background jobs: the dashboard's and the admin API's door.

`import_start` stores the upload under the site's own folder (named by the import, never by
the upload's filename), records an `Import` and queues `import_run_task` after
commit; the task runs `import_run` in the site's schema (tenant-schemas-celery). One import at
a time per site: the unique `Import.active` flag refuses a second one with a 409, whatever the
race. Progress lives in Redis while the import runs (its transaction hides the database's
view of it) and its result in the `Import` row afterwards.
"""

import logging
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import keys, redis
from core.errors import ErrorCode
from core.errors import Refused as ApiRefused
from core.staff import StaffUser
from core.tenancy import current_schema
from embed.background import task_after_commit
from embed.importers.records import Refused
from embed.importers.run import comments_import
from embed.importers.source import FORMATS
from embed.models import Import

log = logging.getLogger(__name__)

PROGRESS_TTL_SECONDS = 600
# An import still marked active with no sign of life for this long was lost with its worker.
STALE_AFTER = timedelta(seconds=PROGRESS_TTL_SECONDS)
QUEUED_STALE_AFTER = timedelta(hours=1)


def progress_key(import_id: int) -> str:
    """The running import's progress key (core.keys.import_progress; JSON, TTL'd)."""
    return keys.import_progress(current_schema(), import_id)


def progress_get(job: Import) -> dict[str, Any] | None:
    """`{"phase", "done", "total", "comments", "percent"}` while the import runs, else None."""
    if job.status not in (Import.Status.QUEUED, Import.Status.RUNNING):
        return None
    raw = redis.call("get", progress_key(job.pk))
    if not raw:
        return None
    data: dict[str, Any] = orjson.loads(raw)
    return data


def _progress_put(import_id: int, phase: str, done: int, total: int, comments: int) -> None:
    percent = round(100 * done / total, 1) if total else 0.0
    if phase == "writing":
        percent = 99.0  # the merge has no steps to count; done comes with the result
    data = {"phase": phase, "done": done, "total": total, "comments": comments, "percent": percent}
    redis.call("set", progress_key(import_id), orjson.dumps(data), ex=PROGRESS_TTL_SECONDS)


def upload_folder() -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR) / current_schema()


def imports_forget_stale() -> None:
    """Mark as failed the active imports whose worker is gone (no progress for STALE_AFTER,
    or never started within QUEUED_STALE_AFTER), so they stop blocking new ones."""
    now = timezone.now()
    for job in Import.objects.filter(active=True):
        if job.status == Import.Status.RUNNING:
            lost = progress_get(job) is None and now - (job.started or job.created) > STALE_AFTER
        else:
            lost = now - job.created > QUEUED_STALE_AFTER
        if lost:
            _finish(job, status=Import.Status.FAILED, error="The import stopped without finishing.")


def import_start(
    *,
    upload: UploadedFile,
    actor: StaffUser,
    format: str | None = None,  # noqa: A002 - the word users know
    base_url: str | None = None,
    dry_run: bool = False,
) -> Import:
    """Record and queue an import of `upload` into the current site.

    Raises ValidationError for a bad format or an empty or oversized file, and
    core.errors.Refused (409, `import_running`) when the site already runs one.
    """
    if format and format not in FORMATS:
        raise ValidationError({"format": f"Use one of: {', '.join(FORMATS)}."})
    if not upload.size:
        raise ValidationError({"file": "The file is empty."})
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            {"file": f"Files up to {settings.IMPORT_MAX_BYTES // 1024**2:,} MB can be imported."}
        )
    imports_forget_stale()
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        try:
            with transaction.atomic():
                job = Import.objects.create(
                    format=format or "",
                    filename=(upload.name or "")[-200:],
                    size=upload.size,
                    base_url=(base_url or "")[:300],
                    dry_run=dry_run,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            raise ApiRefused(
                ErrorCode.IMPORT_RUNNING,
                "An import is already running on this site; wait for it to finish.",
            ) from None
        path = folder / f"{job.pk}-{secrets.token_hex(8)}.upload"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        job.path = str(path)
        job.save(update_fields=["path"])
        task_after_commit(import_run_task, import_id=job.pk)
    return job


@shared_task(name="embed.import_run", ignore_result=True)
def import_run_task(import_id: int) -> None:
    """Celery task: run the site's queued import `import_id`, in the site's schema
    (tenant-schemas-celery puts the schema in the task's headers and switches to it)."""
    import_run(import_id=import_id)


def import_run(*, import_id: int) -> Import | None:
    """Run a queued import (in the task, in the site's schema). Failures are recorded on the
    Import, never raised: a refused file is the file's fault, anything else is logged."""
    job = Import.objects.filter(pk=import_id, status=Import.Status.QUEUED).first()
    if job is None:
        return None
    job.status, job.started = Import.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started"])
    _progress_put(job.pk, "reading", 0, job.size, 0)
    started = time.monotonic()
    try:
        result = comments_import(
            path=job.path,
            format=job.format or None,
            base_url=job.base_url or None,
            dry_run=job.dry_run,
            progress=lambda *state: _progress_put(job.pk, *state),
        )
    except Refused as exc:
        _finish(job, status=Import.Status.FAILED, error=str(exc))
    except Exception:
        log.exception("import %s failed", job.pk)
        _finish(
            job, status=Import.Status.FAILED, error="The import stopped on an unexpected error."
        )
    else:
        job.detected = result.format
        job.threads, job.threads_created = result.threads, result.threads_created
        job.comments, job.comments_created = result.comments, result.comments_created
        job.comments_updated, job.skipped = result.comments_updated, result.skipped
        job.report = {**result.report, "seconds": round(time.monotonic() - started, 2)}
        _finish(job, status=Import.Status.DONE)
    return job


def _finish(job: Import, *, status: str, error: str = "") -> None:
    job.status, job.error, job.active, job.finished = status, error, None, timezone.now()
    job.save()
    if job.path:
        Path(job.path).unlink(missing_ok=True)
    redis.call("delete", progress_key(job.pk))
