"""A reader's trust on this site: how much of a track record of published comments they have.

The spam filter takes it off a comment's log-odds (`SpamInput.trust`, at most
`embed.spam.heuristics.TRUST_WEIGHT`), and the dashboard shows it beside the author's history.
A comment counts once it has stood published for TRUST_MIN_AGE: published by the pipeline or
approved by a moderator, and left up. The age keeps a spammer from earning trust with a burst
of harmless comments just before the real one.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from embed.models import Comment, Commenter

TRUST_FULL = 5
"""Published comments for full trust; each one before that earns a fifth of it."""
TRUST_MIN_AGE = timedelta(days=1)


@dataclass(frozen=True)
class ReaderTrust:
    published: int
    """Comments of theirs that count, at most TRUST_FULL."""

    @property
    def score(self) -> float:
        """0 (a first-time guest) to 1 (TRUST_FULL comments that stood)."""
        return min(self.published, TRUST_FULL) / TRUST_FULL


def reader_trust(author: Commenter | None, *, exclude_comment: int | None = None) -> ReaderTrust:
    """The author's trust on this site (one query, counting at most TRUST_FULL rows);
    `exclude_comment` leaves out the comment being re-checked after an edit."""
    if author is None or author.pk is None:
        return ReaderTrust(0)
    counted = Comment.objects.filter(
        author=author,
        status=Comment.Status.PUBLISHED,
        created__lte=timezone.now() - TRUST_MIN_AGE,
    )
    if exclude_comment is not None:
        counted = counted.exclude(pk=exclude_comment)
    return ReaderTrust(counted.values("pk")[:TRUST_FULL].count())
