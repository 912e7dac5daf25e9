"""The site's sign-in providers for readers (`OidcProvider`, embed/oidc.py): added, changed
and removed by owners from the dashboard or the admin API, every change audited.

The client secret is written, never read back: answers say only whether one is set, and the
audit log records that it changed, not what it is. Every change moves the site's settings
version, so the widget's list of sign-in buttons (`SiteConfig.public()`) follows at once.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from core.staff import StaffUser
from core.text import display_name_clean
from embed.models import OidcProvider
from embed.moderation.audit import audit
from embed.site import site_config_changed

MAX_PROVIDERS = 10
FIELDS = ("kind", "name", "issuer", "client_id", "client_secret", "enabled")
_issuer_url = URLValidator(schemes=["https", "http"])


def _clean(provider: OidcProvider, fields: dict[str, Any]) -> None:
    """Apply `fields` to `provider` and check them; ValidationError({field: message})."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({name: "Not a field of a sign-in provider." for name in unknown})
    for name in ("kind", "name", "issuer", "client_id", "client_secret"):
        if name in fields and not isinstance(fields[name], str):
            raise ValidationError({name: "Give text."})
    if "enabled" in fields and not isinstance(fields["enabled"], bool):
        raise ValidationError({"enabled": "Give true or false."})
    for name, value in fields.items():
        setattr(provider, name, value.strip() if isinstance(value, str) else value)
    if provider.kind not in OidcProvider.Kind.values:
        raise ValidationError({"kind": "The kind is oidc, github or google."})
    try:
        provider.name = display_name_clean(provider.name, field="name")
    except ValidationError:
        raise ValidationError({"name": "Give a name readers will recognise."}) from None
    if not provider.name:
        raise ValidationError({"name": 'The name readers see: "Sign in with <name>".'})
    if provider.kind == OidcProvider.Kind.OIDC:
        provider.issuer = provider.issuer.rstrip("/")
        try:
            _issuer_url(provider.issuer)
        except ValidationError:
            raise ValidationError(
                {"issuer": "The issuer's URL (its discovery document is under it)."}
            ) from None
    else:
        provider.issuer = ""  # the preset's own
    if not provider.client_id:
        raise ValidationError({"client_id": "The client id the provider gave you."})
    if not provider.client_secret:
        raise ValidationError({"client_secret": "The client secret the provider gave you."})
    provider.full_clean()


def _shown(provider: OidcProvider, fields: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a change: never the secret itself."""
    shown = {name: getattr(provider, name) for name in fields if name != "client_secret"}
    if "client_secret" in fields:
        shown["client_secret"] = "set"  # noqa: S105 - a word for the log, not a secret
    return shown


def oidc_provider_create(*, actor: StaffUser, **fields: Any) -> OidcProvider:
    """A new sign-in provider. Raises ValidationError for a missing or bad field, or past
    MAX_PROVIDERS."""
    provider = OidcProvider()
    _clean(provider, fields)
    with transaction.atomic():
        if OidcProvider.objects.count() >= MAX_PROVIDERS:
            raise ValidationError({"non_field_errors": f"At most {MAX_PROVIDERS} providers."})
        provider.save()
        audit(actor, "oidc.add", f"provider {provider.pk}", **_shown(provider, fields))
        site_config_changed()
    return provider


def oidc_provider_update(
    *, provider: OidcProvider, actor: StaffUser, **fields: Any
) -> OidcProvider:
    """Change some fields of a provider; an empty `client_secret` keeps the one it has."""
    if fields.get("client_secret") == "":
        del fields["client_secret"]
    _clean(provider, fields)
    with transaction.atomic():
        provider.save()
        audit(actor, "oidc.change", f"provider {provider.pk}", **_shown(provider, fields))
        site_config_changed()
    return provider


def oidc_provider_delete(*, provider: OidcProvider, actor: StaffUser) -> None:
    """Remove a provider. Readers who signed in with it keep their comments and name; they
    can no longer sign in that way."""
    with transaction.atomic():
        audit(actor, "oidc.remove", f"provider {provider.pk}", name=provider.name)
        provider.delete()
        site_config_changed()
