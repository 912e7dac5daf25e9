"""CORS per tenant: the widget's API answers cross-origin only to the site's own origins."""

from typing import Any

from django.http import HttpRequest

from embed.site import site_config


def allow_tenant_origin(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == "public":
        return False
    origin = request.headers.get("Origin", "")
    return origin in site_config().allowed_origins
