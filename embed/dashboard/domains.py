"""The owner's custom domains page: add a host, see the DNS records to create, check them,
remove the host (tenants.domains does the work)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.staff import acting_user
from core.tenancy import tenant_db
from embed.dashboard.access import back, owner_required, render_page
from embed.dashboard.forms import apply_errors
from embed.moderation.audit import audit
from tenants import domains
from tenants.models import DomainClaim
from tenants.services import embed_snippet


class DomainForm(forms.Form):
    host = forms.CharField(max_length=253, label="Host name", help_text="e.g. comments.example.com")


def _claim_or_404(pk: int) -> DomainClaim:
    """One of this site's claims: another site's is a 404, as if it did not exist."""
    claim = DomainClaim.objects.filter(pk=pk, tenant=tenant_db().tenant).first()
    if claim is None:
        raise Http404("No such custom domain.")
    return claim


@owner_required
def domains_page(request: HttpRequest) -> HttpResponse:
    tenant = tenant_db().tenant
    form = DomainForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = domains.claim_add(tenant=tenant, host=form.cleaned_data["host"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            audit(acting_user(request), "domain.add", claim.host)
            messages.success(request, f"Added {claim.host}. Create the two DNS records below.")
            return back(request, reverse("dashboard-domains"))
    claims = [
        (claim, domains.records(claim), embed_snippet(claim.host) if claim.verified else "")
        for claim in DomainClaim.objects.filter(tenant=tenant).order_by("created", "id")
    ]
    return render_page(
        request,
        "dashboard/domains.html",
        {"form": form, "claims": claims},
        section="domains",
        status=400 if form.errors else 200,
    )


@owner_required
@require_POST
def domain_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = _claim_or_404(pk)
    if action == "check":
        if domains.claim_verify(claim):
            audit(acting_user(request), "domain.verify", claim.host)
            messages.success(request, f"{claim.host} now answers for this site.")
        else:
            messages.error(request, f"{claim.host} is not verified yet: {claim.failure}")
    elif action == "remove":
        domains.claim_remove(claim)
        audit(acting_user(request), "domain.remove", claim.host)
        messages.success(request, f"Removed {claim.host}.")
    else:
        raise Http404("No such action.")
    return back(request, reverse("dashboard-domains"))
