from typing import Any

from core.staff import StaffUser
from embed.models import AuditEntry


def audit(actor: StaffUser | None, action: str, target: str, **detail: Any) -> AuditEntry:
    """Record a moderation action. `actor` is the staff member, or None for the system."""
    return AuditEntry.objects.create(actor=actor, action=action, target=target, detail=detail)
