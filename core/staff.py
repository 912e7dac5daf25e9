"""Site staff: the type of the acting user, and how a view gets it from its request.

Staff are Django users (`settings.AUTH_USER_MODEL`, Django's own `auth.User`) living in the
site's schema: owners are superusers, moderators are staff. Services that act for someone
take `actor: StaffUser` (or `StaffUser | None` where the system may act alone) and record it
in the audit log.
"""

from typing import TypeAlias

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

# The model settings.AUTH_USER_MODEL names. mypy's django plugin types the foreign keys to it
# (AuditEntry.actor, Ban.created_by, ...) from that setting, so a change of the setting shows
# up here as type errors until this alias follows it.
StaffUser: TypeAlias = User


def acting_user(request: HttpRequest | Request) -> StaffUser:
    """The signed-in user a view acts for. Views call it behind their staff check, so a
    request without one is refused (PermissionDenied: a 403) rather than acted on."""
    user = request.user
    if not isinstance(user, get_user_model()) or not user.is_authenticated:
        raise PermissionDenied("Sign in as a member of this site's team.")
    return user
