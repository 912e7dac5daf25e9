from typing import Any

from embed.models import AuditEntry


def audit(actor: Any, action: str, target: str, **detail: Any) -> AuditEntry:
    """Record a moderation action. `actor` is the dashboard user, or None for the system."""
    user = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(actor=user, action=action, target=target, detail=detail)
