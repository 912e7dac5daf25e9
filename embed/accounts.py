"""Signed-in readers: turning a checked identity into this site's commenter, and keeping
their names theirs.

A sign-in (today: the site's SSO, `embed.sso`; later e-mail links and OIDC, as further
`ReaderIdentity.Kind`s) finds the reader by (kind, subject) or makes them, and refreshes
what the sign-in says about them: name, e-mail, picture, and the badge. The badge is
"owner" or "moderator" when the e-mail address is that of an active member of the site's
team (team accounts are their e-mail addresses), else "member"; a team change moves the
badges at once (`embed.moderation.team.reader_badges_follow`). The site's own server
vouches for the address, as it vouches for everything in the payload it signs.
"""

from django.db import IntegrityError, transaction

from embed import cache
from embed.models import Commenter, ReaderIdentity, Thread
from embed.moderation.team import reader_badge
from embed.sso import SsoUser


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
