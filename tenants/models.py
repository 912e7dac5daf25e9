from django.db import models
from django.db.models.functions import Lower
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    """A customer site. Its data lives in its own PostgreSQL schema."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    # Provisioning clones the template schema itself, inside one transaction with the rest
    # of the signup (see tenants.services.site_create); deleting a site drops its schema.
    auto_create_schema = False
    auto_drop_schema = True

    def __str__(self) -> str:
        return self.slug


class Domain(DomainMixin):
    """A host name that resolves to a tenant: `<slug>.<PLATFORM_DOMAIN>` or a custom one.

    Stored lower-case (host names are case-insensitive; tenants.resolution compares them so).
    """

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")), name="tenants_domain_lower_case"
            )
        ]

    def __str__(self) -> str:
        return self.domain


class DomainClaim(models.Model):
    """A site's request to answer on a custom host, e.g. `comments.example.com`.

    The host answers (a `Domain` row exists) only once the claim is verified: the owner
    publishes `palaver-verify=<token>` as a TXT record at `_palaver-challenge.<host>`
    (tenants.domains). Several sites may claim one host; the first to prove it gets it.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="domain_claims")
    host = models.CharField(max_length=253)
    token = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    verified = models.DateTimeField(null=True, blank=True)
    checked = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "host"], name="tenants_claim_once"),
            models.CheckConstraint(
                condition=models.Q(host=Lower("host")), name="tenants_claim_lower_case"
            ),
        ]

    def __str__(self) -> str:
        return self.host
