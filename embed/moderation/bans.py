"""Bans on a commenter, an email address or an (anonymised) IP network."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from core.clientip import ip_anonymise
from core.staff import StaffUser
from embed.models import Ban, Commenter
from embed.moderation.audit import audit


def ban_create(
    *,
    kind: str,
    value: str,
    actor: StaffUser | None = None,
    shadow: bool = False,
    reason: str = "",
    expires: datetime | None = None,
) -> Ban:
    value = value.strip()
    if kind == Ban.Kind.EMAIL:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({"value": "Enter a valid email address."}) from None
    elif kind == Ban.Kind.COMMENTER:
        if not value.isdigit() or not Commenter.objects.filter(pk=int(value)).exists():
            raise ValidationError({"value": "No such commenter on this site."})
    elif kind == Ban.Kind.IP:
        network = ip_anonymise(value)
        if network is None:
            raise ValidationError({"value": "Enter an IP address."})
        value = network
    else:
        raise ValidationError({"kind": "Ban a commenter, an email or an IP."})
    if expires is not None and expires <= timezone.now():
        raise ValidationError({"expires": "The expiry must be in the future."})
    ban = Ban.objects.create(
        kind=kind, value=value, shadow=shadow, reason=reason[:200], expires=expires,
        created_by=actor,
    )  # fmt: skip
    audit(actor, "ban", f"ban {ban.pk}", kind=kind, value=value, shadow=shadow, reason=reason)
    return ban


def ban_lift(*, ban: Ban, actor: StaffUser | None = None) -> None:
    audit(actor, "unban", f"ban {ban.pk}", kind=ban.kind, value=ban.value)
    ban.delete()
