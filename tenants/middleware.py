from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django_tenants.middleware.main import TenantMainMiddleware

from core.tenancy import use_public_schema
from tenants.models import Tenant
from tenants.resolution import tenant_for_host


class TenantMiddleware(TenantMainMiddleware):
    """Resolve the tenant from the request host through the in-process cache."""

    def get_tenant(self, domain_model: type, hostname: str) -> Tenant:
        tenant = tenant_for_host(hostname)
        if tenant is None:
            raise domain_model.DoesNotExist(hostname)  # type: ignore[attr-defined]
        return tenant

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        use_public_schema()
        html = render_to_string("unknown_host.html", {"hostname": hostname})
        return HttpResponseNotFound(html)
