"""What the notification tests share: tasks run eagerly (in the test's process and
transaction) with the on-commit callbacks that queue them really run, and helpers to read
links out of e-mails."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from palaver.celery import app


@pytest.fixture
def eager(django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    """Celery tasks run at once, in this process; use the yielded `committed()` around
    requests so the effects they queue after COMMIT run (the test's transaction never
    commits)."""
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True

    def committed() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    yield committed
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def link_in(text: str, path: str) -> str:
    """The first absolute link to `/mail/<path>/...` in `text`."""
    found = re.search(rf"https?://[^\s\"<>]+/mail/{path}/[^\s\"<>]+", text)
    assert found, f"no /mail/{path}/ link in:\n{text}"
    return found[0]


def local(url: str) -> str:
    """The path of an absolute link, for the test client (which names the host itself)."""
    return "/" + url.split("/", 3)[3]
