"""The owner's page for admin API tokens: make one (shown once), list them, revoke one."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.staff import acting_user
from embed.dashboard.access import back, owner_required, render_page
from embed.dashboard.forms import apply_errors
from embed.models import ApiToken
from embed.moderation.apitokens import api_token_create, api_token_revoke


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses it, e.g. “nightly export” or “Slack moderation bot”."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        widget=forms.RadioSelect,
        initial=ApiToken.Scope.READ,
        label="Scope",
    )


@never_cache  # the answer to a POST carries the new token: no cache may keep it
@owner_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created: tuple[ApiToken, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_token_create(actor=acting_user(request), **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.select_related("created_by").order_by("revoked", "-created", "-pk")
    return render_page(
        request,
        "dashboard/tokens.html",
        {"form": form, "tokens": tokens, "created": created},
        section="tokens",
        status=400 if form.errors else 201 if created else 200,
    )


@owner_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise Http404("No such API token.")
    api_token_revoke(token=token, actor=acting_user(request))
    messages.success(request, f"Revoked “{token.name}”. Calls with it now get a 401.")
    return back(request, reverse("dashboard-tokens"))
