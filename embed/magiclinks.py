"""Signing readers in with a one-time link e-mailed to them (a "magic link"), for sites that
turned it on (`SiteSettings.email_sign_in`).

1. The widget asks: `POST /api/v1/auth/magic {email, name, url}`. `magic_link_request`
   stores who asked and the page to come back to (a page of one of the site's origins), and
   queues `magic_link_send` after COMMIT. The answer is the same whatever the address (known
   here or not, limited or not), so it tells nobody anything about it.
2. The task makes the link's secret (`SECRET_BYTES` random bytes), keeps only its SHA-256
   digest, and mails `<page URL>#palaver-magic=<secret>`, good for `MAGIC_LINK_MINUTES`
   from then. The secret exists nowhere else: not in the row, not in the task's arguments.
3. The reader opens the link; the widget on that page takes the code out of the address
   and redeems it: `POST /api/v1/auth/magic/redeem {code, guest_token?}`.
   `magic_link_redeem` checks it (one reason code per refusal), marks it used, signs the
   reader in (`embed.accounts.reader_sign_in`, kind `email`, the address as subject) and
   joins the guest's earlier comments from that browser to them (`guest_join`).

Links live in the site's schema, so a code of site A is unknown on site B. Rows are deleted
a day after they expire by the daily retention job
(`embed.moderation.retention.magic_links_purge`).
"""

import hashlib
import secrets
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import ErrorCode, Refused
from embed import selectors
from embed.accounts import guest_join, reader_sign_in
from embed.background import TASK_OPTIONS, task_after_commit
from embed.models import Commenter, MagicLink, ReaderIdentity
from embed.notifications.mail import message_build, message_send
from embed.sso import SsoUser
from embed.tokens import commenter_token_read

MAGIC_LINK_MINUTES = 15
"""How long a link works after it was sent."""
SECRET_BYTES = 32  # 43 characters of URL-safe base64 in the link
CODE_MAX = 200  # characters; a real code is 43
FRAGMENT = "palaver-magic"
"""The link's fragment name: `#palaver-magic=<code>`; the widget looks for it."""
DEFAULT_NAME = "Reader"
"""The name of a reader who gave none, had none and wrote nothing as a guest."""


def code_digest(code: str) -> str:
    """Hex SHA-256 of a link's code: what the row keeps. The code is 256 random bits, so a
    plain digest (no salt, no stretching) leaves nothing to guess."""
    return hashlib.sha256(code.encode()).hexdigest()


def magic_link_request(*, email: str, name: str, url: str) -> MagicLink:
    """Record a sign-in link for `email` (checked, lower-cased) back to `url` (a normalised
    page URL of an allowed origin), under `name` (checked by `display_name_clean`, "" to
    keep the reader's name), and mail it after COMMIT."""
    link = MagicLink.objects.create(email=email, name=name, url=url)
    task_after_commit(magic_link_send, link_id=link.pk)
    return link


def magic_link_mail(*, link_id: int) -> bool:
    """Make the link's secret, store its digest and expiry, and mail the link; False when
    the link was sent or used already. A failed send raises (the task retries it with a
    new secret: the old one never left this process)."""
    code = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        link = (
            MagicLink.objects.select_for_update()
            .filter(pk=link_id, sent__isnull=True, used__isnull=True)
            .first()
        )
        if link is None:
            return False
        link.digest = code_digest(code)
        link.expires = timezone.now() + timedelta(minutes=MAGIC_LINK_MINUTES)
        link.save(update_fields=["digest", "expires"])
    message_send(
        message_build(
            to=link.email,
            subject="Your sign-in link",
            template="signin",
            context={
                "page_url": link.url,
                "link": f"{link.url}#{FRAGMENT}={code}",
                "minutes": MAGIC_LINK_MINUTES,
            },
        )
    )
    MagicLink.objects.filter(pk=link.pk).update(sent=timezone.now())
    return True


@shared_task(name="embed.magic_link_send", **TASK_OPTIONS)
def magic_link_send(*, link_id: int) -> None:
    """Mail one sign-in link (see `magic_link_mail`), in the schema of the site that queued it."""
    magic_link_mail(link_id=link_id)


def magic_link_redeem(*, code: str, guest_token: str | None) -> Commenter:
    """The reader a link's `code` signs in, once: the link is marked used.

    Raises Refused with MAGIC_INVALID (no link of this site has that code), MAGIC_USED or
    MAGIC_EXPIRED; ValidationError({"name"}) when another signed-in reader of the site took
    the name asked for meanwhile (the link stays good). The reader keeps their name unless
    the link asked for one; a new reader takes the guest's name (unless a signed-in reader
    goes by it), else DEFAULT_NAME.
    `guest_token`: the commenter token the browser held as a guest (`guest_join`)."""
    with transaction.atomic():
        link = MagicLink.objects.select_for_update().filter(digest=code_digest(code)).first()
        now = timezone.now()
        if link is None:
            raise Refused(ErrorCode.MAGIC_INVALID, "This sign-in link is not valid here.")
        if link.used is not None:
            raise Refused(ErrorCode.MAGIC_USED, "This sign-in link was used already.")
        if link.expires is None or link.expires <= now:
            raise Refused(ErrorCode.MAGIC_EXPIRED, "This sign-in link has expired.")
        identity = (
            ReaderIdentity.objects.select_related("commenter")
            .filter(kind=ReaderIdentity.Kind.EMAIL, subject=link.email)
            .first()
        )
        known = identity.commenter if identity is not None else None
        name = link.name or (known.name if known else "")
        if link.name and selectors.name_taken(name, by_other_than=known):
            raise ValidationError(
                {"name": "A signed-in reader of this site goes by this name; ask for a new "
                 "link with another."}
            )  # fmt: skip
        if not name:
            name = _guest_name(guest_token)
            if not name or selectors.name_taken(name, by_other_than=None):
                name = DEFAULT_NAME
        link.used = now
        link.save(update_fields=["used"])
        user = SsoUser(subject=link.email, name=name, email=link.email, avatar="", url="")
        reader = reader_sign_in(kind=ReaderIdentity.Kind.EMAIL, user=user)
        guest_join(guest_token=guest_token, reader=reader)
    return reader


def _guest_name(guest_token: str | None) -> str:
    guest_id = commenter_token_read(guest_token) if guest_token else None
    if guest_id is None:
        return ""
    guest = Commenter.objects.filter(pk=guest_id, badge="").values_list("name", flat=True)
    return guest.first() or ""
