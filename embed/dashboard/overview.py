"""The overview, the stats page and the audit log."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from core.tenancy import tenant_db
from core.urlnorm import origin_display
from embed import queue as queries
from embed.dashboard.access import page_of, render_page, staff_required
from embed.site import site_settings_row
from tenants.services import embed_snippet

CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 600, 160, 4


@staff_required
def home_page(request: HttpRequest) -> HttpResponse:
    counts = queries.status_counts()
    row = site_settings_row()
    return render_page(
        request,
        "dashboard/home.html",
        {
            "counts": counts,
            "held": counts["pending"],
            # In Unicode for people, with the ASCII form browsers send beside it when it differs.
            "origins": [
                {"shown": origin_display(origin), "ascii": origin}
                for origin in (row.allowed_origins if row else [])
            ],
            "snippet": embed_snippet(tenant_db().tenant.domain_url),
        },
        section="home",
    )


def chart_bars(per_day: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry for the inline SVG: one bar per day, its spam share drawn on top."""
    peak = max((day["total"] for day in per_day), default=0) or 1
    step = CHART_WIDTH / max(len(per_day), 1)
    bars = []
    for index, day in enumerate(per_day):
        height = day["total"] / peak * CHART_HEIGHT
        spam = day["spam"] / peak * CHART_HEIGHT
        bars.append(
            {
                **day,
                "x": round(index * step + BAR_GAP / 2, 2),
                "width": round(step - BAR_GAP, 2),
                "y": round(CHART_HEIGHT - height, 2),
                "height": round(height, 2),
                "spam_y": round(CHART_HEIGHT - height, 2),
                "spam_height": round(spam, 2),
            }
        )
    return {
        "bars": bars,
        "peak": peak,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "first": per_day[0]["day"] if per_day else "",
        "last": per_day[-1]["day"] if per_day else "",
    }


@staff_required
def stats_page(request: HttpRequest) -> HttpResponse:
    stats = queries.stats()
    return render_page(
        request,
        "dashboard/stats.html",
        {
            "stats": stats,
            "spam_percent": round(stats["spam_rate"] * 100, 1),
            "chart": chart_bars(stats["per_day"]),
        },
        section="stats",
    )


def _target_link(target: str) -> str:
    kind, _, pk = target.partition(" ")
    if kind == "comment" and pk.isdigit():
        return reverse("dashboard-comment", args=[int(pk)])
    if kind == "thread" and pk.isdigit():
        return reverse("dashboard-queue") + f"?status=all&thread={pk}"
    return ""


@staff_required
def audit_page(request: HttpRequest) -> HttpResponse:
    page = page_of(request, queries.audit_log())
    for entry in page.object_list:
        entry.link = _target_link(entry.target)
    return render_page(request, "dashboard/audit.html", {"page": page}, section="audit")
