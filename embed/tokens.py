"""Commenter tokens: a signed reader id, bound to one tenant.

The tenant's schema is part of both the payload and the signing salt, so a token minted on
site A fails its signature check on site B, even for the same commenter id.
"""

from datetime import UTC, datetime, timedelta

from django.core import signing

from core.tenancy import current_schema

MAX_AGE_SECONDS = 365 * 24 * 3600


def _salt() -> str:
    return f"palaver.commenter:{current_schema()}"


def commenter_token_issue(commenter_id: int) -> str:
    return signing.dumps({"c": commenter_id, "s": current_schema()}, salt=_salt())


def commenter_token_read(token: str) -> int | None:
    """The commenter id a token names on this tenant, or None if it is not valid here."""
    try:
        payload = signing.loads(token, salt=_salt(), max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("s") != current_schema():
        return None
    commenter_id = payload.get("c")
    return commenter_id if isinstance(commenter_id, int) else None


def commenter_token_times(token: str) -> tuple[datetime, datetime] | None:
    """(issued, expires) of a token valid on this tenant (UTC), else None. The time is the
    one `signing.dumps` stamps into the token (base 62 seconds, before the signature)."""
    if commenter_token_read(token) is None:
        return None
    issued = datetime.fromtimestamp(signing.b62_decode(token.rsplit(":", 2)[-2]), tz=UTC)
    return issued, issued + timedelta(seconds=MAX_AGE_SECONDS)
