"""Signed-in readers: turning a checked identity into this site's commenter, and keeping
their names theirs.

A sign-in (the site's SSO, `embed.sso`; a link e-mailed to the reader, `embed.magiclinks`;
each a `ReaderIdentity.Kind`) finds the reader by (kind, subject) or makes them, and refreshes
what the sign-in says about them: name, e-mail, picture, and the badge. The badge is
"owner" or "moderator" when the e-mail address is that of an active member of the site's
team (team accounts are their e-mail addresses), else "member"; a team change moves the
badges at once (`embed.moderation.team.reader_badges_follow`). The site's own server
vouches for the address, as it vouches for everything in the payload it signs; an e-mail
link proves it by arriving.

A guest who signs in brings their earlier comments along: the sign-in may carry the guest's
commenter token from the same browser, and `guest_join` moves what the guest wrote to the
signed-in reader.
"""

from django.db import IntegrityError, transaction

from embed import cache
from embed.models import Comment, Commenter, Flag, ReaderIdentity, Thread, Vote
from embed.moderation.team import reader_badge
from embed.sso import SsoUser
from embed.tokens import commenter_token_read


def reader_sign_in(*, kind: ReaderIdentity.Kind, user: SsoUser) -> Commenter:
    """The commenter `user` is on this site, made on their first sign-in and brought up to
    date on every later one. Two first sign-ins at once end on one commenter."""
    for _ in range(2):
        try:
            with transaction.atomic():
                return _sign_in(kind, user)
        except IntegrityError:
            continue  # the other first sign-in made the identity; take it
    return _sign_in(kind, user)


def _sign_in(kind: ReaderIdentity.Kind, user: SsoUser) -> Commenter:
    identity = (
        ReaderIdentity.objects.select_for_update()
        .select_related("commenter")
        .filter(kind=kind, subject=user.subject)
        .first()
    )
    if identity is None:
        commenter = Commenter.objects.create()
        identity = ReaderIdentity(commenter=commenter, kind=kind, subject=user.subject)
    commenter = identity.commenter
    shown_before = (commenter.name, commenter.avatar, commenter.badge, commenter.email)
    commenter.name = user.name  # display_name_clean: at most as long as the field
    commenter.email = user.email
    commenter.avatar = user.avatar
    commenter.badge = reader_badge(user.email)
    if commenter.pk and shown_before != (
        commenter.name, commenter.avatar, commenter.badge, commenter.email,
    ):  # fmt: skip
        # Their comments show the new name and picture (the e-mail counts for Gravatar).
        threads = Thread.objects.filter(comments__author=commenter).distinct()
        for url, key in threads.values_list("url", "key"):
            cache.thread_changed(url=url, key=key)
    if kind == ReaderIdentity.Kind.SSO:
        # The site's own user id: exports name the author by it, as Disqus's do.
        commenter.sso_id = user.subject
    commenter.save()
    identity.email, identity.url = user.email, user.url
    identity.save()
    return commenter


def guest_join(*, guest_token: str | None, reader: Commenter) -> int:
    """Give `reader` (just signed in) what the guest holding `guest_token` (their commenter
    token on this site, from the same browser) wrote: their comments, and their votes and
    reports on comments `reader` has not voted on or reported. Returns the number of
    comments moved.

    Nothing happens for a missing or invalid token, another site's token, or the token of a
    signed-in reader (only guests join an account). One transaction; the threads of the
    moved comments are bumped after COMMIT, so they show the reader's name at once.
    """
    guest_id = commenter_token_read(guest_token) if guest_token else None
    if guest_id is None or guest_id == reader.pk:
        return 0
    with transaction.atomic():
        guest = Commenter.objects.select_for_update().filter(pk=guest_id, badge="").first()
        if guest is None:
            return 0
        threads = list(
            Thread.objects.filter(comments__author=guest).distinct().values_list("url", "key")
        )
        moved = Comment.objects.filter(author=guest).update(author=reader)
        voted = Vote.objects.filter(commenter=reader).values("comment_id")
        Vote.objects.filter(commenter=guest).exclude(comment_id__in=voted).update(commenter=reader)
        flagged = Flag.objects.filter(commenter=reader).values("comment_id")
        Flag.objects.filter(commenter=guest).exclude(comment_id__in=flagged).update(
            commenter=reader
        )
        for url, key in threads:
            cache.thread_changed(url=url, key=key)
    return moved
