"""Authors' pictures and badges, as readers see them in a thread.

A comment's author shows, in this order: the picture their sign-in gave (`Commenter.avatar`);
their Gravatar, only when the site's owner turned Gravatar on and the author gave an e-mail
address (every reader's browser then asks gravatar.com); an identicon made here, for
signed-in readers; nothing for guests (the widget shows their initial).

The identicon's address is `/avatars/<seed>.svg` on the site's own host, a path the widget
resolves against the API's origin. The seed is an HMAC of the site's schema and the
commenter's id under SECRET_KEY: stable, different on every site, and it says nothing about
the reader. The picture is a function of the seed alone, so serving it costs no query.
"""

import hashlib
from typing import Any

from django.utils.crypto import salted_hmac

from core.tenancy import current_schema
from embed.models import Commenter
from embed.site import site_config

SEED_HEX = 20
IDENTICON_PATH = "/avatars/{seed}.svg"
GRAVATAR = "https://www.gravatar.com/avatar/{digest}?s=96&d=identicon"


def identicon_seed(commenter_id: int) -> str:
    """The 20 hex digit seed of a commenter's identicon on this site."""
    mac = salted_hmac("palaver.avatar", f"{current_schema()}:{commenter_id}", algorithm="sha256")
    return mac.hexdigest()[:SEED_HEX]


def avatar_of(person: Commenter, *, gravatar: bool) -> str | None:
    """The author's picture: an absolute http(s) URL, a path on this site's host (an
    identicon), or None (a guest without one)."""
    if person.avatar:
        return person.avatar
    if gravatar and person.email:
        digest = hashlib.sha256(person.email.strip().lower().encode()).hexdigest()
        return GRAVATAR.format(digest=digest)
    if person.badge:
        return IDENTICON_PATH.format(seed=identicon_seed(person.pk))
    return None


def author_data(person: Commenter) -> dict[str, Any]:
    """{"name", "avatar", "badge"} of a comment's author, as the public API shows them."""
    return {
        "name": person.name,
        "avatar": avatar_of(person, gravatar=site_config().gravatar),
        "badge": person.badge or None,
    }


def identicon_svg(seed: str) -> bytes:
    """A 5x5 mirrored identicon in one colour (from the seed's first digits) on a light
    ground, as SVG bytes; `seed` is hex (what `identicon_seed` makes)."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    cells = []
    for row in range(5):
        for column in range(3):
            if digest[2 + row * 3 + column] & 1:
                for x in {column, 4 - column}:
                    cells.append(f"M{x + 1} {row + 1}h1v1h-1z")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="96" height="96">'
        f'<rect width="7" height="7" fill="hsl({hue},45%,92%)"/>'
        f'<path fill="hsl({hue},55%,45%)" d="{"".join(cells)}"/></svg>'
    ).encode()
