"""Admin API tokens: made, listed and revoked by owners; checked on every admin API call.

A token is `plv_` and 43 URL-safe characters (256 random bits). Only its SHA-256 digest is
stored: the secret has full entropy, so a fast hash is as safe here as a slow one, and lets a
call be checked with one indexed lookup. The token acts as the team member who made it, within
its scope (read < moderate < owner), and only while that member is still on the team with a
role that covers the scope. Every use moves `last_used` and writes an audit entry.
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.staff import StaffUser
from embed.models import ApiToken
from embed.moderation.audit import audit
from embed.moderation.team import role_of

TOKEN_PREFIX = "plv_"  # noqa: S105 - a marker that makes leaked tokens easy to spot
SHOWN_CHARS = 12
"""How much of a token the dashboard shows (the `plv_` and 8 characters) to tell them apart."""

SCOPE_RANK = {ApiToken.Scope.READ: 0, ApiToken.Scope.MODERATE: 1, ApiToken.Scope.OWNER: 2}
ROLE_SCOPE = {"owner": ApiToken.Scope.OWNER, "moderator": ApiToken.Scope.MODERATE}


def token_digest(token: str) -> str:
    """Hex SHA-256 of the token as sent: what `ApiToken.digest` holds."""
    return hashlib.sha256(token.encode()).hexdigest()


def scope_covers(scope: str, needed: str) -> bool:
    """Whether a token of `scope` may do what needs `needed` (both ApiToken.Scope values)."""
    return SCOPE_RANK[ApiToken.Scope(scope)] >= SCOPE_RANK[ApiToken.Scope(needed)]


def api_token_create(*, name: str, scope: str, actor: StaffUser) -> tuple[ApiToken, str]:
    """A new token for `actor` (an owner): the stored row and the token itself, which is
    never stored and cannot be shown again. Raises ValidationError for a blank name or an
    unknown scope."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the script that uses it."})
    if len(name) > 100:
        raise ValidationError({"name": "At most 100 characters."})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": "The scope is read, moderate or owner."})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            name=name,
            scope=scope,
            prefix=token[:SHOWN_CHARS],
            digest=token_digest(token),
            created_by=actor,
        )
        audit(actor, "api_token.create", f"token {row.pk}", name=name, scope=scope)
    return row, token


def api_token_revoke(*, token: ApiToken, actor: StaffUser) -> ApiToken:
    """Revoke a token (idempotent); the row stays, for its history in the list and audit."""
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().get(pk=token.pk)
        if row.revoked is None:
            row.revoked = timezone.now()
            row.save(update_fields=["revoked"])
            audit(actor, "api_token.revoke", f"token {row.pk}", name=row.name)
    return row


def api_token_use(*, token: str, method: str, path: str) -> ApiToken | None:
    """The live token matching `token`, with its use recorded (last_used and an audit entry),
    or None when no live token matches: unknown (another site's included), revoked, or its
    member has left the team or no longer holds a role that covers the token's scope."""
    row = (
        ApiToken.objects.select_related("created_by")
        .filter(digest=token_digest(token), revoked__isnull=True)
        .first()
    )
    if row is None:
        return None
    role = role_of(row.created_by)
    if role is None or not scope_covers(ROLE_SCOPE[role], row.scope):
        return None
    now = timezone.now()
    ApiToken.objects.filter(pk=row.pk).update(last_used=now)
    row.last_used = now
    audit(
        row.created_by,
        "api_token.use",
        f"token {row.pk}",
        name=row.name,
        scope=row.scope,
        method=method,
        path=path[:200],
    )
    return row
