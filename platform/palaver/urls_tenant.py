"""URLs of a customer site (a tenant schema), on `<slug>.<PLATFORM_DOMAIN>`."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from core.headers import api_docs_view

urlpatterns = [
    path("", include("embed.urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="palaver.urls_tenant"), name="schema"),
    path("api/docs/", api_docs_view(), name="api-docs"),
]

# Errors under /api/ answer in the API's JSON shape; a database outage is a 503.
handler400 = "core.errorpages.bad_request"
handler403 = "core.errorpages.permission_denied"
handler404 = "core.errorpages.page_not_found"
handler500 = "core.errorpages.server_error"
