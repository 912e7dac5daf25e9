from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from embed import views

urlpatterns = [
    path("", include("embed.widget")),
    path("api/v1/", include("embed.api.urls")),
    path("", RedirectView.as_view(url="/dashboard/", permanent=False), name="site-root"),
    path(
        "dashboard/login/",
        auth_views.LoginView.as_view(template_name="dashboard/login.html"),
        name="dashboard-login",
    ),
    path("dashboard/logout/", auth_views.LogoutView.as_view(), name="dashboard-logout"),
    path("dashboard/", views.dashboard_home, name="dashboard"),
]
