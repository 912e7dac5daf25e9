"""Changing the site's settings from the dashboard or the admin API."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.staff import StaffUser
from embed.models import SiteSettings
from embed.moderation.audit import audit
from embed.policy.akismet import akismet_key_clean
from embed.policy.rules import word_list_clean
from embed.site import site_settings_update

EDITABLE = (
    "moderation_mode", "banned_words", "suspect_words", "max_links", "flag_threshold",
    "auto_close_days", "edit_window_minutes", "guests_allowed", "guest_email_required",
    "allowed_origins", "max_depth", "spam_filter", "akismet_key",
)  # fmt: skip


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
    with transaction.atomic():
        row = site_settings_update(**fields)
        shown = {k: v for k, v in fields.items() if k != "akismet_key"}
        if "allowed_origins" in fields:
            shown["allowed_origins"] = row.allowed_origins  # as stored, in ASCII
        if "akismet_key" in fields:
            shown["akismet_key"] = "set" if fields["akismet_key"] else "cleared"
        audit(actor, "settings", "settings", **shown)
    return row
