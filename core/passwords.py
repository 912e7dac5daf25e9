"""The rules for a new password (a site owner's at sign-up, a team member's).

A password is kept exactly as typed: forms and serializers that take one do not strip it.
Besides Django's AUTH_PASSWORD_VALIDATORS (length, common passwords, all digits, likeness
to the account's own details), a password may not be the account's e-mail address.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def password_validate(password: str, *, email: str, field: str = "password") -> None:
    """Raise ValidationError({field: [messages]}) unless `password` is acceptable for the
    account whose e-mail (and user name) is `email`."""
    messages: list[str] = []
    if password.strip().lower() == email.strip().lower():
        messages.append("The password cannot be your email address.")
    try:
        # An unsaved user carrying the account's details, for the likeness check.
        validate_password(password, user=get_user_model()(username=email, email=email))
    except ValidationError as exc:
        messages += [m for m in exc.messages if m not in messages]
    if messages:
        raise ValidationError({field: messages})
