"""The site's team: owners (everything) and moderators (queue and bans only)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from core.passwords import password_validate
from core.staff import StaffUser
from embed import cache
from embed.models import Commenter, Thread
from embed.moderation.audit import audit

ROLES = ("owner", "moderator")


def users() -> UserManager[StaffUser]:
    """The site's accounts (AUTH_USER_MODEL), team members and former ones."""
    return get_user_model().objects


def role_of(user: AbstractBaseUser | AnonymousUser | None) -> str | None:
    """ "owner", "moderator", or None for anyone not (or no longer) on the team."""
    if not isinstance(user, AbstractUser) or not user.is_authenticated:
        return None
    if not user.is_active or not user.is_staff:
        return None
    return "owner" if user.is_superuser else "moderator"


def team_member_add(*, email: str, password: str, role: str, actor: StaffUser) -> StaffUser:
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
    reader_badges_follow(email)
    return user


def team_member_set_role(*, user: StaffUser, role: str, actor: StaffUser) -> StaffUser:
    if role not in ROLES:
        raise ValidationError({"role": "The role is owner or moderator."})
    with transaction.atomic():
        if role == "moderator" and user.is_superuser:
            _keep_an_owner(excluding=user)
        user.is_superuser = role == "owner"
        user.save(update_fields=["is_superuser"])
        audit(actor, "team_role", f"user {user.pk}", email=user.email, role=role)
        reader_badges_follow(user.username)
    return user


def team_member_remove(*, user: StaffUser, actor: StaffUser) -> None:
    if user.pk == actor.pk:
        raise ValidationError({"user": "You cannot remove yourself."})
    with transaction.atomic():
        if user.is_superuser:
            _keep_an_owner(excluding=user)
        audit(actor, "team_remove", f"user {user.pk}", email=user.email)
        user.delete()
        reader_badges_follow(user.username)


def _keep_an_owner(*, excluding: StaffUser) -> None:
    owners = users().select_for_update().filter(is_superuser=True, is_active=True)
    if not owners.exclude(pk=excluding.pk).exists():
        raise ValidationError({"role": "The site needs at least one owner."})


def reader_badge(email: str) -> str:
    """The badge of a reader signed in with this (lower-case) address: owner or moderator
    for an active member of the team (whose account is their address), else member."""
    role = role_of(users().filter(username=email).first()) if email else None
    if role == "owner":
        return Commenter.Badge.OWNER
    if role == "moderator":
        return Commenter.Badge.MODERATOR
    return Commenter.Badge.MEMBER


def reader_badges_follow(email: str) -> None:
    """After a team change: the signed-in readers with this address get the badge it gives
    now, and the threads they wrote in show it."""
    badge = reader_badge(email)
    readers = Commenter.objects.exclude(badge="").exclude(badge=badge).filter(email=email)
    changed = list(readers.values_list("pk", flat=True))
    if not changed:
        return
    Commenter.objects.filter(pk__in=changed).update(badge=badge)
    threads = Thread.objects.filter(comments__author__in=changed).distinct()
    for url, key in threads.values_list("url", "key"):
        cache.thread_changed(url=url, key=key)
