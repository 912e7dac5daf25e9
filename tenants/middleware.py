from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import remove_www

from core.errorpages import database_unavailable, error_response, wants_json
from core.errors import ErrorCode
from core.tenancy import use_public_schema
from tenants.models import Tenant
from tenants.resolution import host_normalize, tenant_for_host


class TenantMiddleware(TenantMainMiddleware):
    """Resolve the tenant from the request host through the in-process cache."""

    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        # django-tenants compares the host as sent; host names are case-insensitive.
        return remove_www(host_normalize(request.get_host()))

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        try:
            return super().process_request(request)
        except (OperationalError, InterfaceError):
            # A host seen before resolves from a cache even then (tenants.resolution).
            return database_unavailable(request)

    def get_tenant(self, domain_model: type, hostname: str) -> Tenant:
        tenant = tenant_for_host(hostname)
        if tenant is None:
            raise domain_model.DoesNotExist(hostname)  # type: ignore[attr-defined]
        return tenant

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        use_public_schema()
        if wants_json(request):
            return error_response(
                request,
                status=404,
                code=ErrorCode.NOT_FOUND,
                message=f"There is no site at {hostname}.",
            )
        html = render_to_string("unknown_host.html", {"hostname": hostname})
        return HttpResponseNotFound(html)
