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
