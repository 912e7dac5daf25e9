"""Side effects of a write run after its COMMIT, never before: the one door for them.

A cache version bumped, a count dropped or a live event published while the transaction is
still open lets a reader in between read the old rows and cache them under the new version:
the write is acknowledged, yet readers keep seeing the state before it until the cache
expires. So every side effect of a write (thread cache bumps, count drops, live events,
settings versions, Redis clean-up, and tasks once there are any) is handed to `after_commit`,
as Zulip hands its events to `send_event_on_commit`. Services may call it anywhere, inside
their `atomic()` blocks included: nothing runs until the outermost transaction commits, and
nothing runs at all if it rolls back.
"""

from collections.abc import Callable

from django.db import transaction
from django_tenants.utils import schema_context

from core import replicas
from core.tenancy import current_schema


def after_commit(effect: Callable[[], None]) -> None:
    """Run `effect()` once the current transaction commits (at once outside a transaction).

    The effect runs in the schema that was current when it was queued, so keys, channels and
    tasks it names belong to the site that wrote. An effect that raises is logged, not
    raised: the write it follows is committed and its answer must not become an error.
    """
    schema = current_schema()
    if replicas.configured():
        _write_recorded_first(schema)

    def run() -> None:
        if current_schema() == schema:
            effect()
        else:
            with schema_context(schema):
                effect()

    transaction.on_commit(run, robust=True)


def _write_recorded_first(schema: str) -> None:
    """Before the transaction's first effect, record its write for the replica router
    (core.replicas): an effect such as a cache bump must never be seen before it."""
    pending = transaction.get_connection().run_on_commit
    if any(getattr(hook, "records_write_of", None) == schema for _, hook, _ in pending):
        return

    def record() -> None:
        replicas.write_recorded(schema)

    record.records_write_of = schema  # type: ignore[attr-defined]
    transaction.on_commit(record, robust=True)
