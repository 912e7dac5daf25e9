from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("embed.widget")),
    path("api/v1/", include("embed.api.urls")),
    path("", RedirectView.as_view(url="/dashboard/", permanent=False), name="site-root"),
    path("dashboard/", include("embed.dashboard.urls")),
    path("mail/", include("embed.dashboard.mail_urls")),
    path("feeds/", include("embed.api.feed_urls")),
    path("auth/oidc/", include("embed.api.oidc")),
]
