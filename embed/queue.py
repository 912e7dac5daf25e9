"""Reads for the moderation queue, the comment in context, stats and the audit log."""

from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from embed.models import AuditEntry, Comment, Thread


def queue(
    *,
    status: str | None = Comment.Status.PENDING,
    thread_id: int | None = None,
    commenter_id: int | None = None,
    text: str = "",
    reason: str = "",
) -> QuerySet[Comment]:
    """Comments for moderators, newest first, with thread, author and report count."""
    comments = (
        Comment.objects.select_related("thread", "author")
        .annotate(flag_count=Count("flags"))
        .order_by("-created", "-id")
    )
    if status:
        comments = comments.filter(status=status)
    if thread_id:
        comments = comments.filter(thread_id=thread_id)
    if commenter_id:
        comments = comments.filter(author_id=commenter_id)
    if text:
        comments = comments.filter(
            Q(body__icontains=text) | Q(author__name__icontains=text) | Q(author__email=text)
        )
    if reason:
        comments = comments.annotate(
            reasons_text=Func(
                F("reasons"), Value(" | "), function="array_to_string", output_field=TextField()
            )
        ).filter(reasons_text__icontains=reason)
    return comments


def status_counts() -> dict[str, int]:
    rows = Comment.objects.values("status").annotate(n=Count("id")).order_by()
    counts = {status: 0 for status in Comment.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def comment_context(comment: Comment) -> dict[str, Any]:
    """The comment in its place: its parent, its replies, the author's recent history."""
    history = (
        Comment.objects.select_related("thread")
        .filter(author_id=comment.author_id)
        .exclude(pk=comment.pk)
        .order_by("-created")[:20]
    )
    replies = Comment.objects.select_related("author").filter(parent=comment).order_by("created")
    parent = (
        Comment.objects.select_related("author").filter(pk=comment.parent_id).first()
        if comment.parent_id
        else None
    )
    author_totals = dict(
        Comment.objects.filter(author_id=comment.author_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "parent": parent,
        "replies": list(replies),
        "history": list(history),
        "author_totals": author_totals,
    }


def stats(days: int = 30) -> dict[str, Any]:
    """Comments per day by outcome, the spam rate, and the busiest threads."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        Comment.objects.filter(created__gte=since)
        .annotate(day=TruncDate("created"))
        .values("day", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    today = timezone.now().date()
    series = {today - timedelta(days=offset): {"total": 0, "spam": 0} for offset in range(days)}
    for row in rows:
        bucket = series.setdefault(row["day"], {"total": 0, "spam": 0})
        bucket["total"] += row["n"]
        if row["status"] == Comment.Status.SPAM:
            bucket["spam"] += row["n"]
    per_day = [{"day": day.isoformat(), **values} for day, values in sorted(series.items())]
    total = sum(values["total"] for values in series.values())
    spam = sum(values["spam"] for values in series.values())
    busiest = (
        Thread.objects.annotate(recent=Count("comments", filter=Q(comments__created__gte=since)))
        .filter(recent__gt=0)
        .order_by("-recent")[:10]
    )
    return {
        "days": days,
        "per_day": per_day,
        "total": total,
        "spam": spam,
        "spam_rate": round(spam / total, 4) if total else 0.0,
        "busiest": [
            {"id": t.pk, "url": t.url, "title": t.title, "comments": t.recent, "closed": t.closed}
            for t in busiest
        ],
    }


def audit_log() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-created", "-id")
