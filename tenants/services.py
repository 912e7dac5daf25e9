"""Provisioning: the one way a site (tenant) comes to exist.

Used by `manage.py create_site`, `POST /api/v1/sites` and the signup form.
"""

import re
import secrets
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context, schema_exists

from core import keys, redis
from core.effects import after_commit
from core.passwords import password_validate
from core.ratelimit import DEFAULT_SIGNUP_RULES, rate_limit_hit, rules
from core.tenancy import use_public_schema
from core.text import display_name_clean
from core.urlnorm import origins_clean
from tenants.cloning import schema_clone
from tenants.models import Domain, Tenant
from tenants.resolution import forget_host, forget_hosts

SITE_NAME_MAX = 100


class SiteProvisioning(Protocol):
    """What settings.SITE_PROVISIONING provides (embed/provisioning.py)."""

    def site_setup(self, *, owner_email: str, owner_password: str, origins: list[str]) -> None:
        """Fill a new site's schema (called inside it, in the provisioning transaction)."""

    def site_teardown(self, *, schema: str) -> None:
        """Forget what the process holds of a deleted site."""


# A DNS label of 3-40 characters: letters, digits and inner hyphens.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "admin", "static", "media", "public", "app", "apps", "mail", "email",
        "smtp", "imap", "pop", "ftp", "ns", "ns1", "ns2", "dns", "cdn", "assets", "status",
        "dashboard", "help", "support", "docs", "blog", "dev", "test", "staging", "auth",
        "login", "signup", "account", "accounts", "billing", "root", "system", "platform",
        "palaver", "template", "tenant", "tenants", "localhost", "internal", "events",
    }
)  # fmt: skip


@dataclass(frozen=True)
class SiteProvisioned:
    tenant: Tenant
    domain: str
    owner_email: str
    owner_password: str | None  # set only when it was generated here

    @property
    def base_url(self) -> str:
        return site_base_url(self.domain)

    @property
    def dashboard_url(self) -> str:
        return f"{self.base_url}/dashboard/"

    @property
    def embed_snippet(self) -> str:
        return embed_snippet(self.domain)


def site_base_url(domain: str) -> str:
    port = settings.PLATFORM_PORT
    default = {"http": 80, "https": 443}.get(settings.PLATFORM_SCHEME)
    suffix = f":{port}" if port and port != default else ""
    return f"{settings.PLATFORM_SCHEME}://{domain}{suffix}"


def embed_snippet(domain: str) -> str:
    return (
        '<div id="palaver-thread"></div>\n'
        f'<script src="{site_base_url(domain)}/embed.js" '
        'data-url="CANONICAL_PAGE_URL" async></script>'
    )


def schema_name_for(slug: str) -> str:
    # Hyphens are not welcome in unquoted identifiers, and a prefix keeps every tenant
    # clear of PostgreSQL's reserved `pg_` names and of our own schemas.
    return "site_" + slug.replace("-", "_")


def slug_validate(slug: str) -> None:
    if not SLUG_RE.match(slug):
        raise ValidationError(
            {
                "slug": "Use 3-40 lowercase letters, digits or hyphens, starting and ending "
                "with a letter or digit."
            }
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"'{slug}' is reserved; please choose another name."})
    if Tenant.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The site name '{slug}' is already taken."})


def template_schema_ensure() -> None:
    """Create and migrate the template schema if it is missing (normally `migrate` does it)."""
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        from django.core.management import call_command

        call_command("migrate_schemas", schema_name=template, tenant=True, verbosity=0)


# site_create's argument names -> the names the signup form and API use for the same fields.
SIGNUP_FIELDS = {"owner_password": "password", "origins": "allowed_origins"}


def signup_errors(error: ValidationError) -> dict[str, list[str]]:
    """`site_create`'s refusal as {field: messages}, under the signup form's and API's field
    names (the one mapping both doors use)."""
    return {
        SIGNUP_FIELDS.get(field, field): list(messages)
        for field, messages in error.message_dict.items()
    }


def provisioning() -> SiteProvisioning:
    """The per-site app's setup hook, named by settings.SITE_PROVISIONING (a module path):
    the one way this app reaches inside a site's schema."""
    return cast(SiteProvisioning, import_module(settings.SITE_PROVISIONING))


def site_create(
    *,
    slug: str,
    name: str,
    owner_email: str,
    owner_password: str | None = None,
    origins: list[str] | tuple[str, ...] = (),
) -> SiteProvisioned:
    """Provision a site: schema (cloned from the template), domain, owner and settings.

    Everything happens in one transaction, DDL included, so a failure at any step leaves
    no tenant row, no domain and no schema behind.
    """
    slug = slug.strip().lower()
    owner_email = owner_email.strip().lower()
    slug_validate(slug)
    name = display_name_clean(name, field="name", max_length=SITE_NAME_MAX)
    if not name:
        raise ValidationError({"name": "Give the site a name."})
    try:
        validate_email(owner_email)
    except ValidationError:
        raise ValidationError({"owner_email": "Enter a valid email address."}) from None
    clean_origins = origins_clean(origins, field="origins")
    generated = None
    if owner_password is None:
        owner_password = generated = secrets.token_urlsafe(12)
    else:
        password_validate(owner_password, email=owner_email, field="owner_password")

    template_schema_ensure()
    schema_name = schema_name_for(slug)
    if schema_exists(schema_name):
        raise ValidationError({"slug": f"The site name '{slug}' is already taken."})
    domain = f"{slug}.{settings.PLATFORM_DOMAIN}"
    use_public_schema()
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(schema_name=schema_name, slug=slug, name=name)
            schema_clone(template=settings.TENANT_BASE_SCHEMA, target=schema_name)
            Domain.objects.create(domain=domain, tenant=tenant, is_primary=True)
            with schema_context(schema_name):
                provisioning().site_setup(
                    owner_email=owner_email, owner_password=owner_password, origins=clean_origins
                )
    except IntegrityError:
        # Two signups raced for the same slug; the loser gets the same answer as a duplicate.
        raise ValidationError({"slug": f"The site name '{slug}' is already taken."}) from None
    finally:
        use_public_schema()
    return SiteProvisioned(
        tenant=tenant, domain=domain, owner_email=owner_email, owner_password=generated
    )


def site_delete(*, tenant: Tenant) -> None:
    """Delete a site with its schema, its domains and everything Redis holds for it.

    Other processes keep the site's host in their lookup cache for up to
    TENANT_CACHE_SECONDS; its cached threads are gone at once.
    """
    schema = tenant.schema_name
    use_public_schema()
    hosts = list(Domain.objects.filter(tenant=tenant).values_list("domain", flat=True))

    def forget() -> None:
        for key in redis.call("scan_iter", match=keys.site_pattern(schema), count=1000) or []:
            redis.call("unlink", key)
        for host in hosts:
            forget_host(host)  # here and the copy every process would take first
        forget_hosts()
        provisioning().site_teardown(schema=schema)

    with transaction.atomic():
        Domain.objects.filter(tenant=tenant).delete()
        tenant.delete(force_drop=True)
        after_commit(forget)


def signup_wait(*, ip: str) -> int | None:
    """Count a sign-up attempt from `ip`; seconds to wait if it is over PALAVER_SIGNUP_LIMITS."""
    limits = rules("PALAVER_SIGNUP_LIMITS", DEFAULT_SIGNUP_RULES)
    return rate_limit_hit(action="signup", ip=ip, commenter_id=None, limits=limits)
