from django.urls import path

from embed.api import events, views

urlpatterns = [
    path("thread", views.ThreadApi.as_view(), name="api-thread"),
    path("thread/events", events.thread_events, name="api-thread-events"),
    path("thread/me", views.ThreadMeApi.as_view(), name="api-thread-me"),
    path("comments", views.CommentCreateApi.as_view(), name="api-comments"),
    path("comments/<int:pk>", views.CommentDetailApi.as_view(), name="api-comment"),
    path("comments/<int:pk>/vote", views.CommentVoteApi.as_view(), name="api-comment-vote"),
    path("comments/<int:pk>/flag", views.CommentFlagApi.as_view(), name="api-comment-flag"),
    path("counts", views.CountsApi.as_view(), name="api-counts"),
]
