from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from embed.models import SiteSettings
from tenants.db import tenant_db
from tenants.services import embed_snippet


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    tenant = tenant_db().tenant
    context = {
        "tenant": tenant,
        "settings": SiteSettings.objects.first(),
        "snippet": embed_snippet(tenant.domain_url),
    }
    return render(request, "dashboard/home.html", context)
