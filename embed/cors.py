"""CORS per tenant: the widget's API answers cross-origin only to the site's own origins.

Only the public widget API is ever shared cross-origin (CORS_URLS_REGEX: /api/v1/ without
/api/v1/admin/): django-cors-headers enables CORS where the path matches *or* this handler
says yes, so the handler checks the path too, or a site's allowed origin could read the
dashboard's and the admin API's answers.
"""

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from embed.site import site_config


def allow_tenant_origin(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """django-cors-headers' check_request_enabled: whether this request may be answered
    with CORS headers for its Origin."""
    if not re.match(settings.CORS_URLS_REGEX, request.path_info):
        return False
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == "public":
        return False
    origin = request.headers.get("Origin", "")
    return origin in site_config().allowed_origins
