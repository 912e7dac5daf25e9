"""URLs of the platform site (the public schema)."""

from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from core.headers import api_docs_view
from tenants.api import SiteCreateApi
from tenants.forms import AdminLoginForm
from tenants.views import admin_login, landing

# Failed log-ins to the platform admin are throttled like the dashboard's (core.logins).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", landing, name="landing"),
    path("api/v1/sites", SiteCreateApi.as_view(), name="api-sites"),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="palaver.urls_public"), name="schema"),
    path("api/docs/", api_docs_view(), name="api-docs"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
]

# Errors under /api/ answer in the API's JSON shape; a database outage is a 503.
handler400 = "core.errorpages.bad_request"
handler403 = "core.errorpages.permission_denied"
handler404 = "core.errorpages.page_not_found"
handler500 = "core.errorpages.server_error"
