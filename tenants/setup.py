from django.conf import settings

from core.env import envlist
from core.tenancy import use_public_schema
from tenants.models import Domain, Tenant
from tenants.resolution import host_normalize


def public_hosts() -> list[str]:
    """Hosts that serve the platform site itself (landing page, signup, platform admin)."""
    default = [settings.PLATFORM_DOMAIN]
    if settings.PLATFORM_DOMAIN == "localhost":
        default.append("127.0.0.1")
    return [host_normalize(host) for host in envlist("PUBLIC_HOSTS", default)]


def public_tenant_ensure() -> Tenant:
    """Create the public tenant and its domains if missing. Safe to run any number of times."""
    use_public_schema()
    tenant, _ = Tenant.objects.get_or_create(
        schema_name="public", defaults={"slug": "public", "name": settings.PLATFORM_NAME}
    )
    for index, host in enumerate(public_hosts()):
        Domain.objects.get_or_create(
            domain=host, defaults={"tenant": tenant, "is_primary": index == 0}
        )
    return tenant
