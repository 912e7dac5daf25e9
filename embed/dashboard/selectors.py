"""Reads only the dashboard needs (the rest come from `embed.queue`)."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from embed.models import Comment, Thread
from embed.moderation.team import users
from embed.selectors import thread_search


def threads_for_dashboard(*, text: str = "") -> QuerySet[Thread]:
    """Threads by latest activity, with how many of their comments are held."""
    threads = Thread.objects.annotate(
        held=Count("comments", filter=Q(comments__status=Comment.Status.PENDING))
    ).order_by("-last_activity", "-id")
    if text:
        threads = threads.filter(thread_search(text))
    return threads


def team_members() -> QuerySet[Any]:
    return users().filter(is_staff=True, is_active=True).order_by("-is_superuser", "email")


def comments_for_rows(ids: list[int]) -> list[Comment]:
    """Comments as the queue shows them, for re-rendering rows after an action."""
    return list(
        Comment.objects.select_related("thread", "author")
        .annotate(flag_count=Count("flags"))
        .filter(pk__in=ids)
        .order_by("-created", "-id")
    )
