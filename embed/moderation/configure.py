"""Changing the site's settings from the dashboard or the admin API, and its SSO secret."""

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from core.staff import StaffUser
from embed.models import SiteSettings
from embed.moderation.audit import audit
from embed.policy.akismet import akismet_key_clean
from embed.policy.rules import word_list_clean
from embed.site import site_settings_row, site_settings_update
from embed.sso import SECRET_BYTES

EDITABLE = (
    "moderation_mode", "banned_words", "suspect_words", "max_links", "flag_threshold",
    "auto_close_days", "edit_window_minutes", "guests_allowed", "guest_email_required",
    "allowed_origins", "max_depth", "spam_filter", "akismet_key", "sso_enabled", "login_url",
    "logout_url", "gravatar", "ip_retention_days", "permalink_pattern", "email_sign_in",
)  # fmt: skip
SSO_PREVIOUS_DAYS = 7
"""After a rotation, how long the previous SSO secret is still accepted."""
_site_url = URLValidator(schemes=["http", "https"])


def settings_change(*, actor: StaffUser, **fields: Any) -> SiteSettings:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: "Not a setting." for name in unknown})
    if "akismet_key" in fields:
        fields["akismet_key"] = akismet_key_clean(fields["akismet_key"])
    if "banned_words" in fields:
        fields["banned_words"] = word_list_clean(fields["banned_words"])
    if "suspect_words" in fields:
        fields["suspect_words"] = word_list_clean(fields["suspect_words"])
    if "allowed_origins" in fields:
        raw = fields["allowed_origins"]
        if not isinstance(raw, str | list):
            raise ValidationError({"allowed_origins": "Give a list of origins."})
    for name in ("login_url", "logout_url"):
        if fields.get(name):
            try:
                _site_url(fields[name])
            except ValidationError:
                raise ValidationError({name: "Give an http(s) URL of your site."}) from None
    with transaction.atomic():
        row = site_settings_update(**fields)
        shown = {k: v for k, v in fields.items() if k != "akismet_key"}
        if "allowed_origins" in fields:
            shown["allowed_origins"] = row.allowed_origins  # as stored, in ASCII
        if "akismet_key" in fields:
            shown["akismet_key"] = "set" if fields["akismet_key"] else "cleared"
        audit(actor, "settings", "settings", **shown)
    return row


def sso_secret_rotate(*, actor: StaffUser | None) -> str:
    """Make a new SSO secret and return it (the only time it is shown). The one it replaces
    stays valid for SSO_PREVIOUS_DAYS, so the site's servers can change over without a gap;
    a site's first secret replaces nothing. `actor` None: the platform's command."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        row = site_settings_row()
        had = bool(row.sso_secret)
        fields: dict[str, Any] = {"sso_secret": secret}
        if had:
            fields["sso_secret_previous"] = row.sso_secret
            fields["sso_previous_until"] = timezone.now() + timedelta(days=SSO_PREVIOUS_DAYS)
        site_settings_update(**fields)
        until = fields.get("sso_previous_until")
        audit(
            actor, "sso_secret", "settings",
            rotated=had, previous_valid_until=until.isoformat() if until else None,
        )  # fmt: skip
    return secret


def sso_secret_ensure() -> str:
    """The site's SSO secret, made (and audited) if it has none."""
    row = site_settings_row()
    return row.sso_secret or sso_secret_rotate(actor=None)
