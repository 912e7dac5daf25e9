from django.contrib.auth import views as auth_views
from django.urls import path

from embed.dashboard import (
    comments,
    domains,
    moderation,
    notify,
    overview,
    owner,
    providers,
    readers,
    tokens,
    transfer,
)
from embed.dashboard.access import LoginPage
from embed.dashboard.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        LoginPage.as_view(
            template_name="dashboard/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
            next_page="dashboard",
        ),
        name="dashboard-login",
    ),
    path(
        "logout/",
        auth_views.LogoutView.as_view(next_page="dashboard-login"),
        name="dashboard-logout",
    ),
    path("", overview.home_page, name="dashboard"),
    path("queue/", comments.queue_page, name="dashboard-queue"),
    path("queue/bulk/", comments.bulk_action, name="dashboard-bulk"),
    path("comments/<int:pk>/", comments.comment_page, name="dashboard-comment"),
    path(
        "comments/<int:pk>/<str:action>/", comments.comment_action, name="dashboard-comment-action"
    ),
    path("bans/", moderation.bans_page, name="dashboard-bans"),
    path("bans/<int:pk>/lift/", moderation.ban_lift_view, name="dashboard-ban-lift"),
    path("threads/", moderation.threads_page, name="dashboard-threads"),
    path(
        "threads/<int:pk>/<str:action>/", moderation.thread_action, name="dashboard-thread-action"
    ),
    path("readers/", readers.readers_page, name="dashboard-readers"),
    path("readers/<int:pk>/", readers.reader_page, name="dashboard-reader"),
    path("readers/<int:pk>/export.json", readers.reader_download, name="dashboard-reader-export"),
    path("readers/<int:pk>/erase/", readers.reader_erase_view, name="dashboard-reader-erase"),
    path("settings/", owner.settings_page, name="dashboard-settings"),
    path("settings/sso-secret/", owner.sso_secret_page, name="dashboard-sso-secret"),
    path("team/", owner.team_page, name="dashboard-team"),
    path("team/<int:pk>/role/", owner.team_role, name="dashboard-team-role"),
    path("team/<int:pk>/remove/", owner.team_remove, name="dashboard-team-remove"),
    path("tokens/", tokens.tokens_page, name="dashboard-tokens"),
    path("sign-in/", providers.providers_page, name="dashboard-providers"),
    path(
        "sign-in/<int:pk>/<str:action>/",
        providers.provider_action,
        name="dashboard-provider-action",
    ),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="dashboard-token-revoke"),
    path("import/", transfer.imports_page, name="dashboard-imports"),
    path("import/<int:pk>/", transfer.import_page, name="dashboard-import"),
    path("export/<str:format>/", transfer.export_download, name="dashboard-export"),
    path("stats/", overview.stats_page, name="dashboard-stats"),
    path("audit/", overview.audit_page, name="dashboard-audit"),
    path("webhooks/", notify.webhooks_page, name="dashboard-webhooks"),
    path("webhooks/<int:pk>/<str:action>/", notify.webhook_action, name="dashboard-webhook-action"),
    path("alerts/", notify.alerts_page, name="dashboard-alerts"),
    path("domains/", domains.domains_page, name="dashboard-domains"),
    path("domains/<int:pk>/<str:action>/", domains.domain_action, name="dashboard-domain-action"),
]
