from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from embed.models import SiteSettings
from tenants.services import embed_snippet


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    tenant = connection.tenant
    context = {
        "tenant": tenant,
        "settings": SiteSettings.objects.first(),
        "snippet": embed_snippet(tenant.domain_url),
    }
    return render(request, "dashboard/home.html", context)
