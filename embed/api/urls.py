from django.urls import path

from embed.api import (
    admin,
    auth,
    comments,
    events,
    imports,
    notify_admin,
    oidc_admin,
    threads,
)

urlpatterns = [
    path("thread", threads.ThreadApi.as_view(), name="api-thread"),
    path("thread/events", events.thread_events, name="api-thread-events"),
    path("thread/me", threads.ThreadMeApi.as_view(), name="api-thread-me"),
    path("comments", comments.CommentCreateApi.as_view(), name="api-comments"),
    path("comments/<int:pk>", comments.CommentDetailApi.as_view(), name="api-comment"),
    path("comments/<int:pk>/vote", comments.CommentVoteApi.as_view(), name="api-comment-vote"),
    path("comments/<int:pk>/flag", comments.CommentFlagApi.as_view(), name="api-comment-flag"),
    path("auth/sso", auth.SsoSignInApi.as_view(), name="api-auth-sso"),
    path("counts", threads.CountsApi.as_view(), name="api-counts"),
    path("admin/comments", admin.QueueApi.as_view(), name="admin-queue"),
    path("admin/comments/bulk", admin.BulkActionApi.as_view(), name="admin-bulk"),
    path("admin/comments/<int:pk>", admin.CommentAdminApi.as_view(), name="admin-comment"),
    path(
        "admin/comments/<int:pk>/<str:action>",
        admin.CommentActionApi.as_view(),
        name="admin-comment-action",
    ),
    path("admin/threads", admin.ThreadsAdminApi.as_view(), name="admin-threads"),
    path(
        "admin/threads/<int:pk>/<str:action>",
        admin.ThreadCloseApi.as_view(),
        name="admin-thread-action",
    ),
    path("admin/bans", admin.BansApi.as_view(), name="admin-bans"),
    path("admin/bans/<int:pk>", admin.BanApi.as_view(), name="admin-ban"),
    path("admin/audit", admin.AuditApi.as_view(), name="admin-audit"),
    path("admin/stats", admin.StatsApi.as_view(), name="admin-stats"),
    path("admin/settings", admin.SettingsApi.as_view(), name="admin-settings"),
    path("admin/sso/secret", admin.SsoSecretApi.as_view(), name="admin-sso-secret"),
    path(
        "admin/oidc-providers", oidc_admin.OidcProvidersApi.as_view(), name="admin-oidc-providers"
    ),
    path(
        "admin/oidc-providers/<int:pk>",
        oidc_admin.OidcProviderApi.as_view(),
        name="admin-oidc-provider",
    ),
    path("admin/team", admin.TeamApi.as_view(), name="admin-team"),
    path("admin/team/<int:pk>", admin.TeamMemberApi.as_view(), name="admin-team-member"),
    path("admin/tokens", admin.ApiTokensApi.as_view(), name="admin-tokens"),
    path("admin/tokens/<int:pk>", admin.ApiTokenApi.as_view(), name="admin-token"),
    path("admin/imports", imports.ImportsApi.as_view(), name="admin-imports"),
    path("admin/imports/<int:pk>", imports.ImportApi.as_view(), name="admin-import"),
    path("admin/webhooks", notify_admin.WebhooksApi.as_view(), name="admin-webhooks"),
    path("admin/webhooks/<int:pk>", notify_admin.WebhookApi.as_view(), name="admin-webhook"),
    path(
        "admin/webhooks/<int:pk>/deliveries",
        notify_admin.WebhookDeliveriesApi.as_view(),
        name="admin-webhook-deliveries",
    ),
    path(
        "admin/webhooks/<int:pk>/test",
        notify_admin.WebhookTestApi.as_view(),
        name="admin-webhook-test",
    ),
    path("admin/mail", notify_admin.MailSettingsApi.as_view(), name="admin-mail"),
    path("admin/alerts", notify_admin.AlertPreferenceApi.as_view(), name="admin-alerts"),
]
