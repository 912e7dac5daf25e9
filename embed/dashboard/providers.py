"""The owner's page of readers' sign-in providers (OpenID Connect, GitHub, Google): add one,
see the redirect URI to register with it, turn it off or on, remove it. The client secret is
asked for and never shown again (embed/moderation/providers.py)."""

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
from embed.models import OidcProvider
from embed.moderation.providers import (
    oidc_provider_create,
    oidc_provider_delete,
    oidc_provider_update,
)
from embed.oidc import provider_issuer


class ProviderForm(forms.Form):
    kind = forms.ChoiceField(
        choices=OidcProvider.Kind.choices, initial=OidcProvider.Kind.OIDC, label="Kind"
    )
    name = forms.CharField(
        max_length=64, help_text="Readers see “Sign in with <name>”, e.g. “GitHub” or “Acme ID”."
    )
    issuer = forms.CharField(
        max_length=250,
        required=False,
        label="Issuer URL",
        help_text="OpenID Connect only: the URL its discovery document is under "
        "(<issuer>/.well-known/openid-configuration).",
    )
    client_id = forms.CharField(max_length=255, label="Client id")
    client_secret = forms.CharField(
        max_length=512,
        label="Client secret",
        widget=forms.PasswordInput(render_value=False),
        help_text="Kept to send to the provider; never shown again.",
    )


@never_cache
@owner_required
def providers_page(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = oidc_provider_create(actor=acting_user(request), **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Added “{made.name}”. Register its redirect URI below.")
            return back(request, reverse("dashboard-providers"))
    providers = [
        {
            "row": provider,
            "issuer": provider_issuer(provider),
            "redirect_uri": request.build_absolute_uri(f"/auth/oidc/{provider.pk}/callback"),
        }
        for provider in OidcProvider.objects.order_by("pk")
    ]
    return render_page(
        request,
        "dashboard/providers.html",
        {"form": form, "providers": providers},
        section="providers",
        status=400 if form.errors else 200,
    )


@owner_required
@require_POST
def provider_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    provider = OidcProvider.objects.filter(pk=pk).first()
    if provider is None or action not in ("enable", "disable", "remove"):
        raise Http404("No such sign-in provider.")
    if action == "remove":
        oidc_provider_delete(provider=provider, actor=acting_user(request))
        messages.success(request, f"Removed “{provider.name}”.")
    else:
        enabled = action == "enable"
        oidc_provider_update(provider=provider, actor=acting_user(request), enabled=enabled)
        messages.success(request, f"“{provider.name}” is {'on' if enabled else 'off'}.")
    return back(request, reverse("dashboard-providers"))
