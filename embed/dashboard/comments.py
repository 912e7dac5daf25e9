"""The moderation queue, one comment in context, and the actions on comments."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.staff import acting_user
from embed import queue as queries
from embed.dashboard.access import back, page_of, render_page, staff_required, wants_json
from embed.dashboard.forms import (
    COMMON_REASONS,
    EXPIRY_CHOICES,
    STATUS_TABS,
    BanForm,
    BulkActionForm,
    QueueFilterForm,
)
from embed.dashboard.selectors import comments_for_rows
from embed.models import Ban, Comment
from embed.moderation.actions import ACTIONS, comment_moderate, comments_moderate_bulk
from embed.policy.bans import ban_active
from embed.policy.trust import TRUST_FULL, reader_trust
from embed.selectors import comment_or_404

# The one-click actions that make sense for a comment in each state, in display order.
ACTIONS_FOR: dict[str, tuple[str, ...]] = {
    Comment.Status.PENDING: ("approve", "reject", "spam", "delete"),
    Comment.Status.PUBLISHED: ("pin", "reject", "spam", "delete"),
    Comment.Status.REJECTED: ("approve", "spam", "delete"),
    Comment.Status.SPAM: ("approve", "delete"),
    Comment.Status.DELETED: ("restore",),
}
DONE = {
    "approve": "approved", "reject": "rejected", "spam": "marked as spam",
    "delete": "deleted", "restore": "restored", "pin": "pinned", "unpin": "unpinned",
}  # fmt: skip
LABELS = {
    "approve": "Approve", "reject": "Reject", "spam": "Spam", "delete": "Delete",
    "restore": "Restore", "pin": "Pin", "unpin": "Unpin",
}  # fmt: skip
BULK_ACTIONS = ("approve", "reject", "spam", "delete", "restore")
KEYS = {"approve": "a", "reject": "r", "spam": "s", "delete": "d"}


def with_actions(comments: list[Comment]) -> list[Comment]:
    """Attach the buttons each comment gets (no queries: status and pin are on the row)."""
    for comment in comments:
        names = ACTIONS_FOR.get(comment.status, ())
        if comment.pinned:
            names = tuple("unpin" if name == "pin" else name for name in names)
        # The pipeline may already have named the score among its reasons.
        comment.show_score = comment.spam_score is not None and not any(  # type: ignore[attr-defined]
            reason.startswith("spam score") for reason in comment.reasons
        )
        comment.actions = [  # type: ignore[attr-defined]
            {"name": name, "label": LABELS[name], "key": KEYS.get(name, "")} for name in names
        ]
    return comments


def rows_html(request: HttpRequest, comments: list[Comment], back_to: str) -> dict[str, str]:
    return {
        str(comment.pk): render_to_string(
            "dashboard/_queue_row.html", {"c": comment, "next": back_to}, request=request
        )
        for comment in with_actions(comments)
    }


@staff_required
def queue_page(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    page = page_of(request, queries.queue(**filters))
    comments = with_actions(list(page.object_list))
    counts = queries.status_counts()
    counts["all"] = sum(counts.values())
    status = filters["status"] or "all"
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "comments": comments,
        "status": status,
        "tabs": [(key, label, counts.get(key, 0)) for key, label in STATUS_TABS],
        "filters": filters,
        "reasons": COMMON_REASONS,
        "actions": [(name, LABELS[name]) for name in BULK_ACTIONS],
        "next": request.get_full_path(),
    }
    # Name the thread or commenter being filtered on, from a row when there is one.
    first = comments[0] if comments else None
    if filters["thread_id"]:
        context["filter_thread"] = first.thread if first else f"thread {filters['thread_id']}"
    if filters["commenter_id"]:
        context["filter_commenter"] = (
            first.author if first else f"commenter {filters['commenter_id']}"
        )
    return render_page(request, "dashboard/queue.html", context, section="queue")


@staff_required
@require_POST
def comment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    comment = comment_moderate(
        comment=comment_or_404(pk, with_flag_count=True), action=action, actor=acting_user(request)
    )
    message = f"Comment {comment.pk} {DONE[action]}."
    back_to = request.POST.get("next") or reverse("dashboard-queue")
    if wants_json(request):
        return JsonResponse(
            {
                "message": message,
                "counts": queries.status_counts(),
                "rows": rows_html(request, [comment_or_404(pk, with_flag_count=True)], back_to),
                "status": {str(comment.pk): comment.status},
            }
        )
    messages.success(request, message)
    return back(request, reverse("dashboard-queue"))


@staff_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
        if wants_json(request):
            return JsonResponse({"message": message, "fields": form.errors}, status=400)
        messages.error(request, message)
        return back(request, reverse("dashboard-queue"))
    action = form.cleaned_data["action"]
    ids = form.cleaned_data["ids"]
    changed = comments_moderate_bulk(ids=ids, action=action, actor=acting_user(request))
    message = f"{changed} comment{'s' if changed != 1 else ''} {DONE[action]}."
    if wants_json(request):
        comments = comments_for_rows(ids)
        return JsonResponse(
            {
                "message": message,
                "counts": queries.status_counts(),
                "rows": rows_html(request, comments, request.POST.get("next", "")),
                "status": {str(c.pk): c.status for c in comments},
            }
        )
    messages.success(request, message)
    return back(request, reverse("dashboard-queue"))


@staff_required
def comment_page(request: HttpRequest, pk: int) -> HttpResponse:
    comment = with_actions([comment_or_404(pk, with_flag_count=True)])[0]
    context = queries.comment_context(comment)
    author = comment.author
    ban_targets = [(Ban.Kind.COMMENTER, str(author.pk), f"this commenter ({author})")]
    if author.email:
        ban_targets.append((Ban.Kind.EMAIL, author.email, author.email))
    if comment.ip:
        ban_targets.append((Ban.Kind.IP, comment.ip, f"the network {comment.ip}"))
    return render_page(
        request,
        "dashboard/comment.html",
        {
            "c": comment,
            **context,
            "history": with_actions(context["history"]),
            "totals": [
                (status, label, context["author_totals"].get(status, 0))
                for status, label in STATUS_TABS
                if status != "all"
            ],
            "trust": reader_trust(author),
            "trust_full": TRUST_FULL,
            "ban": ban_active(commenter=author, email=author.email, ip=comment.ip),
            "ban_targets": ban_targets,
            "ban_form": BanForm(),
            "expiry_choices": EXPIRY_CHOICES,
            "next": request.get_full_path(),
        },
        section="queue",
    )
