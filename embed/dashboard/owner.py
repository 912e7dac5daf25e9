"""The owner's pages: the site's settings and its team."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.staff import StaffUser, acting_user
from core.tenancy import tenant_db
from embed.dashboard.access import back, owner_required, render_page
from embed.dashboard.forms import (
    ROLE_CHOICES,
    SettingsForm,
    TeamAddForm,
    TeamRoleForm,
    apply_errors,
)
from embed.dashboard.selectors import team_members
from embed.moderation.configure import settings_change, sso_secret_rotate
from embed.moderation.team import (
    role_of,
    team_member_add,
    team_member_remove,
    team_member_set_role,
    users,
)
from embed.site import site_settings_row
from tenants.services import embed_snippet


@owner_required
def settings_page(request: HttpRequest) -> HttpResponse:
    row = site_settings_row()
    has_key = bool(row.akismet_key)
    if request.method == "POST":
        form = SettingsForm(request.POST, has_akismet_key=has_key)
        if form.is_valid():
            try:
                settings_change(actor=acting_user(request), **form.changes())
            except ValidationError as error:
                apply_errors(form, error, aliases={"origins": "allowed_origins"})
            else:
                messages.success(request, "Settings saved.")
                return back(request, reverse("dashboard-settings"))
    else:
        form = SettingsForm(initial=SettingsForm.initial_from(row), has_akismet_key=has_key)
    return render_page(
        request,
        "dashboard/settings.html",
        {"form": form, "snippet": embed_snippet(tenant_db().tenant.domain_url), "row": row},
        section="settings",
        status=400 if form.errors else 200,
    )


@owner_required
@require_POST
def sso_secret_page(request: HttpRequest) -> HttpResponse:
    """A new SSO secret, shown on this page only: it is not shown again."""
    secret = sso_secret_rotate(actor=acting_user(request))
    return render_page(
        request,
        "dashboard/sso_secret.html",
        {"secret": secret, "row": site_settings_row()},
        section="settings",
    )


def _member_or_404(pk: int) -> StaffUser:
    user = users().filter(pk=pk, is_staff=True).first()
    if user is None:
        raise Http404("No such team member.")
    return user


@owner_required
def team_page(request: HttpRequest) -> HttpResponse:
    form = TeamAddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = team_member_add(actor=acting_user(request), **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Added {user.email} as {role_of(user)}.")
            return back(request, reverse("dashboard-team"))
    members = [(member, role_of(member)) for member in team_members()]
    return render_page(
        request,
        "dashboard/team.html",
        {"form": form, "members": members, "roles": ROLE_CHOICES},
        section="team",
        status=400 if form.errors else 200,
    )


@owner_required
@require_POST
def team_role(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(pk)
    form = TeamRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose owner or moderator.")
        return back(request, reverse("dashboard-team"))
    try:
        team_member_set_role(
            user=member, role=form.cleaned_data["role"], actor=acting_user(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back(request, reverse("dashboard-team"))
    messages.success(request, f"{member.email} is now {form.cleaned_data['role']}.")
    if member.pk == request.user.pk and role_of(member) != "owner":
        return redirect("dashboard")  # the team page is no longer theirs
    return back(request, reverse("dashboard-team"))


@owner_required
@require_POST
def team_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(pk)
    try:
        team_member_remove(user=member, actor=acting_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Removed {member.email} from the team.")
    return back(request, reverse("dashboard-team"))
