"""Notification pages: webhooks and the site's mail settings (owners), and each team member's
own alert mode."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.staff import acting_user
from embed.dashboard.access import back, owner_required, render_page, staff_required
from embed.dashboard.forms import apply_errors
from embed.models import AlertPreference, MailSettings, Webhook
from embed.moderation.audit import audit
from embed.webhooks import services as webhooks


class WebhookForm(forms.Form):
    url = forms.CharField(max_length=2000, label="Endpoint URL")
    events = forms.MultipleChoiceField(
        choices=Webhook.Event.choices, widget=forms.CheckboxSelectMultiple, label="Events"
    )
    description = forms.CharField(max_length=200, required=False, label="Description")


class MailSettingsForm(forms.ModelForm):
    class Meta:
        model = MailSettings
        fields = ["sender_name", "reply_to", "site_hourly_cap", "recipient_daily_cap"]


class AlertForm(forms.Form):
    mode = forms.ChoiceField(
        choices=AlertPreference.Mode.choices, widget=forms.RadioSelect, label="Held comments"
    )


def _webhook_or_404(pk: int) -> Webhook:
    webhook = Webhook.objects.filter(pk=pk).first()
    if webhook is None:
        raise Http404("No such webhook.")
    return webhook


@owner_required
def webhooks_page(request: HttpRequest) -> HttpResponse:
    row = MailSettings.objects.first() or MailSettings.objects.create()
    add = WebhookForm(request.POST if request.POST.get("form") == "webhook" else None)
    mail = MailSettingsForm(
        request.POST if request.POST.get("form") == "mail" else None, instance=row
    )
    if request.method == "POST" and add.is_bound and add.is_valid():
        try:
            webhook = webhooks.webhook_create(actor=acting_user(request), **add.cleaned_data)
        except ValidationError as error:
            apply_errors(add, error)
        else:
            audit(acting_user(request), "webhook.add", f"webhook {webhook.pk}", url=webhook.url)
            messages.success(request, "Webhook added. Its secret is below.")
            return back(request, reverse("dashboard-webhooks"))
    if request.method == "POST" and mail.is_bound and mail.is_valid():
        mail.save()
        audit(acting_user(request), "settings", "mail settings", **mail.cleaned_data)
        messages.success(request, "Mail settings saved.")
        return back(request, reverse("dashboard-webhooks"))
    hooks = [
        (hook, hook.deliveries.order_by("-created", "-pk")[:10])
        for hook in Webhook.objects.order_by("pk")
    ]
    return render_page(
        request,
        "dashboard/webhooks.html",
        {"hooks": hooks, "add": add, "mail": mail},
        section="webhooks",
        status=400 if add.errors or mail.errors else 200,
    )


@owner_required
@require_POST
def webhook_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    webhook = _webhook_or_404(pk)
    if action == "test":
        item = webhooks.test_delivery_send(webhook=webhook)
        answer = f"HTTP {item.response_status}" if item.response_status else item.error
        level = messages.success if item.status == "succeeded" else messages.error
        level(request, f"Test event sent to {webhook.url}: {answer} in {item.latency_ms} ms.")
    elif action in ("pause", "resume"):
        webhooks.webhook_update(webhook=webhook, active=action == "resume")
        audit(
            acting_user(request), "webhook.change", f"webhook {webhook.pk}", active=webhook.active
        )
    elif action == "delete":
        audit(acting_user(request), "webhook.remove", f"webhook {webhook.pk}", url=webhook.url)
        webhook.delete()
        messages.success(request, "Webhook removed.")
    else:
        raise Http404("No such action.")
    return back(request, reverse("dashboard-webhooks"))


@staff_required
def alerts_page(request: HttpRequest) -> HttpResponse:
    user_id = int(request.user.pk or 0)
    row = AlertPreference.objects.filter(user_id=user_id).first()
    current = row.mode if row else AlertPreference.Mode.IMMEDIATE
    form = AlertForm(request.POST or None, initial={"mode": current})
    if request.method == "POST" and form.is_valid():
        AlertPreference.objects.update_or_create(
            user_id=user_id, defaults={"mode": form.cleaned_data["mode"]}
        )
        messages.success(request, "Saved.")
        return back(request, reverse("dashboard-alerts"))
    return render_page(
        request, "dashboard/alerts.html", {"form": form}, section="alerts",
        status=400 if form.errors else 200,
    )  # fmt: skip
