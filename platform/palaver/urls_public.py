"""URLs of the platform site (the public schema)."""

from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from embed.notifications.bounces import mail_events_view
from tenants.api import SiteCreateApi
from tenants.views import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("api/v1/sites", SiteCreateApi.as_view(), name="api-sites"),
    path("api/v1/mail/events", mail_events_view, name="api-mail-events"),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="palaver.urls_public"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
