"""A guest's comments join the account they sign in to.

A reader who wrote as a guest on this browser (a commenter token and nothing else) and then
signs in (OIDC here; e-mail links use the same function) keeps those comments: they move to
the signed-in reader in one transaction, and the threads they are on are bumped after COMMIT
so everyone sees the new name. Only a guest's comments move: a commenter with a sign-in of
its own is another account, and two accounts are never merged by a browser's say-so. Votes
and reports stay with the guest (a guest's vote counts per network, a reader's per account).
"""

from django.db import transaction

from embed import cache
from embed.models import Comment, Commenter, Thread


def guest_comments_join(*, guest_id: int | None, reader: Commenter) -> int:
    """Move the comments of the guest `guest_id` (read from the browser's commenter token of
    this site) to `reader`; answers how many moved. Nothing moves, and 0 is answered, when
    `guest_id` is None, is the reader, does not exist here, or has a sign-in of its own."""
    if guest_id is None or guest_id == reader.pk:
        return 0
    with transaction.atomic():
        guest = (
            Commenter.objects.select_for_update(of=("self",))
            .filter(pk=guest_id, identities__isnull=True, sso_id__isnull=True)
            .first()
        )
        if guest is None:
            return 0
        threads = list(
            Thread.objects.filter(comments__author=guest).distinct().values_list("url", "key")
        )
        moved = Comment.objects.filter(author=guest).update(author=reader)
        for url, key in threads:
            cache.thread_changed(url=url, key=key)  # runs after COMMIT (core.effects)
    return moved
