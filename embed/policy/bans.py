"""Which ban applies to an author: the lookup the moderation pipeline makes. Creating and
lifting bans are moderation services (embed/moderation/bans.py)."""

from django.db.models import Q
from django.utils import timezone

from embed.models import Ban, Commenter


def ban_active(*, commenter: Commenter | None, email: str, ip: str | None) -> Ban | None:
    """The ban that applies to this author, if any (a non-shadow ban wins over a shadow one)."""
    match = Q()
    if commenter is not None and commenter.pk:
        match |= Q(kind=Ban.Kind.COMMENTER, value=str(commenter.pk))
    if email:
        match |= Q(kind=Ban.Kind.EMAIL, value=email.lower())
    if ip:
        match |= Q(kind=Ban.Kind.IP, value=ip)
    if not match:
        return None
    now = timezone.now()
    return (
        Ban.objects.filter(match)
        .filter(Q(expires__isnull=True) | Q(expires__gt=now))
        .order_by("shadow", "-created")
        .first()
    )
