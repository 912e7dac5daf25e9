"""Background work: Celery tasks queued after COMMIT, in the schema of the site that wrote.

A write never waits for mail, webhooks or anything else slow: it hands the work to
`task_after_commit`, which queues a Celery task once the transaction commits (never if it
rolls back), so the worker always finds the rows the task names. tenant-schemas-celery puts
the current schema in the task's headers and the worker switches to it before the task runs,
so a task of site A can only ever touch site A's rows.

Tasks are written to be run twice: a broker redelivers a task whose worker died
(`task_acks_late`), and a retry repeats what the failed try had done. Each one therefore
checks the state it is about to change (a notice already sent, a delivery already made).
"""

import logging
from typing import Any

from celery import Task

from core.effects import after_commit

log = logging.getLogger(__name__)

# What a task retries on by default: anything but a bug in the task's own arguments.
RETRY_BACKOFF_MAX_SECONDS = 600
RETRIES = 8


def task_after_commit(task: Task, /, **kwargs: Any) -> None:
    """Queue `task(**kwargs)` once the current transaction commits, in the current schema.

    Outside a transaction it is queued at once. A broker that cannot be reached is logged and
    the write stands (the task is lost, not the comment); periodic jobs pick up what they can.
    """

    def send() -> None:
        try:
            task.apply_async(kwargs=kwargs)
        except Exception:
            log.exception("could not queue %s", task.name)

    after_commit(send)


TASK_OPTIONS: dict[str, Any] = {
    "ignore_result": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 5,  # seconds before the first retry, doubled each time
    "retry_backoff_max": RETRY_BACKOFF_MAX_SECONDS,
    "retry_jitter": True,
    "max_retries": RETRIES,
}
"""Options for `@app.task(**TASK_OPTIONS)`: retried with exponential backoff (5 s, 10 s, 20 s
... at most 10 min apart, with jitter) up to RETRIES times, results not stored."""
