"""Each site's own spam model: the shipped default, then trained by its moderators.

Kept as bytes in the site's schema and cached per process by version, so scoring a comment
costs one small query (the version) rather than loading the model every time.
"""

from django.db import transaction

from core.tenancy import current_schema
from embed.models import SpamModelState
from embed.spam import SpamModel

_cache: dict[str, tuple[int, SpamModel]] = {}


def site_spam_model() -> SpamModel | None:
    """The site's trained model, or None while it still uses the shipped default."""
    row = SpamModelState.objects.only("version").first()
    if row is None:
        return None
    schema = current_schema()
    hit = _cache.get(schema)
    if hit is not None and hit[0] == row.version:
        return hit[1]
    data = SpamModelState.objects.values_list("data", flat=True).get(pk=row.pk)
    model = SpamModel.from_bytes(bytes(data))
    _cache[schema] = (row.version, model)
    return model


def spam_learn(*, text: str, is_spam: bool) -> None:
    """Teach the site's model one moderator decision (approve = ham, spam = spam)."""
    with transaction.atomic():
        row = SpamModelState.objects.select_for_update().first()
        model = SpamModel.from_bytes(bytes(row.data)) if row else SpamModel.default()
        model.learn(text, is_spam)
        if row is None:
            row = SpamModelState(data=model.to_bytes(), version=1, decisions=1)
        else:
            row.data, row.version, row.decisions = (
                model.to_bytes(),
                row.version + 1,
                row.decisions + 1,
            )
        row.save()
    _cache[current_schema()] = (row.version, model)
