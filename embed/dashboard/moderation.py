"""Bans and threads: the other things moderators look after."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.staff import acting_user
from embed.dashboard.access import back, page_of, render_page, staff_required
from embed.dashboard.forms import BanForm, ThreadFilterForm, apply_errors
from embed.dashboard.selectors import threads_for_dashboard
from embed.models import Ban, Thread
from embed.moderation.actions import thread_set_closed
from embed.moderation.bans import ban_create, ban_lift


@staff_required
def bans_page(request: HttpRequest) -> HttpResponse:
    form = BanForm.from_post(request.POST) if request.method == "POST" else BanForm()
    if request.method == "POST" and form.is_valid():
        try:
            ban = ban_create(actor=acting_user(request), **form.service_args())
        except ValidationError as error:
            apply_errors(form, error, aliases={"expires": "expires_in"})
        else:
            messages.success(request, f"Banned {ban.kind} {ban.value}.")
            return back(request, reverse("dashboard-bans"))
    bans = Ban.objects.select_related("created_by").order_by("-created", "-id")
    return render_page(
        request,
        "dashboard/bans.html",
        {"form": form, "page": page_of(request, bans), "now": timezone.now()},
        section="bans",
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def ban_lift_view(request: HttpRequest, pk: int) -> HttpResponse:
    ban = Ban.objects.filter(pk=pk).first()
    if ban is None:
        raise Http404("No such ban.")
    ban_lift(ban=ban, actor=acting_user(request))
    messages.success(request, f"Lifted the ban on {ban.kind} {ban.value}.")
    return back(request, reverse("dashboard-bans"))


@staff_required
def threads_page(request: HttpRequest) -> HttpResponse:
    form = ThreadFilterForm(request.GET)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = page_of(request, threads_for_dashboard(text=text))
    return render_page(
        request,
        "dashboard/threads.html",
        {"form": form, "page": page, "next": request.get_full_path()},
        section="threads",
    )


@staff_required
@require_POST
def thread_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("close", "reopen"):
        raise Http404("Use close or reopen.")
    thread = Thread.objects.filter(pk=pk).first()
    if thread is None:
        raise Http404("No such thread on this site.")
    thread_set_closed(thread=thread, closed=action == "close", actor=acting_user(request))
    done = "Closed" if thread.closed else "Reopened"
    messages.success(request, f"{done} {thread.title or thread.url}.")
    return back(request, reverse("dashboard-threads"))
