"""The site's team: owners (everything) and moderators (queue and bans only)."""

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from core.passwords import password_validate
from embed.moderation.audit import audit

ROLES = ("owner", "moderator")


def users() -> Any:
    return cast(type[AbstractUser], get_user_model()).objects


def role_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return None
    return "owner" if user.is_superuser else "moderator"


def team_member_add(*, email: str, password: str, role: str, actor: Any) -> Any:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if role not in ROLES:
        raise ValidationError({"role": "The role is owner or moderator."})
    if users().filter(username=email).exists():
        raise ValidationError({"email": "This person is already on the team."})
    password_validate(password, email=email)
    user = users().create_user(
        username=email, email=email, password=password, is_staff=True,
        is_superuser=role == "owner",
    )  # fmt: skip
    audit(actor, "team_add", f"user {user.pk}", email=email, role=role)
    return user


def team_member_set_role(*, user: Any, role: str, actor: Any) -> Any:
    if role not in ROLES:
        raise ValidationError({"role": "The role is owner or moderator."})
    with transaction.atomic():
        if role == "moderator" and user.is_superuser:
            _keep_an_owner(excluding=user)
        user.is_superuser = role == "owner"
        user.save(update_fields=["is_superuser"])
        audit(actor, "team_role", f"user {user.pk}", email=user.email, role=role)
    return user


def team_member_remove(*, user: Any, actor: Any) -> None:
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError({"user": "You cannot remove yourself."})
    with transaction.atomic():
        if user.is_superuser:
            _keep_an_owner(excluding=user)
        audit(actor, "team_remove", f"user {user.pk}", email=user.email)
        user.delete()


def _keep_an_owner(*, excluding: Any) -> None:
    owners = users().select_for_update().filter(is_superuser=True, is_active=True)
    if not owners.exclude(pk=excluding.pk).exists():
        raise ValidationError({"role": "The site needs at least one owner."})
