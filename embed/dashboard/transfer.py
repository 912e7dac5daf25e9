"""The owner's import and export pages: upload an export, watch it run, read its report;
download the site's comments as JSON or Disqus XML."""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from core.errors import Refused
from core.staff import acting_user
from core.tenancy import tenant_db
from embed.dashboard.access import owner_required, render_page
from embed.dashboard.forms import apply_errors
from embed.importers.export import export_disqus, export_json
from embed.importers.jobs import import_start, progress_get
from embed.importers.run import LABELS
from embed.models import Import

FORMAT_CHOICES = [
    ("", "Tell from the file"),
    ("disqus", "Disqus (XML, .xml or .xml.gz)"),
    ("wordpress", "WordPress (WXR)"),
    ("isso", "Isso (SQLite database or JSON)"),
    ("remark42", "Remark42 (backup)"),
    ("commento", "Commento (JSON)"),
]


class ImportForm(forms.Form):
    file = forms.FileField(label="Export file")
    format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, required=False)
    base_url = forms.CharField(
        label="Base URL",
        required=False,
        max_length=300,
        help_text="Where the file's page paths live (Isso, Commento), e.g. "
        "https://blog.example. Leave empty if the site allows one origin.",
    )
    dry_run = forms.BooleanField(
        label="Dry run: import, report, then undo everything", required=False
    )


@owner_required
def imports_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(
                upload=form.cleaned_data["file"],
                actor=acting_user(request),
                format=form.cleaned_data["format"] or None,
                base_url=form.cleaned_data["base_url"] or None,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Import {job.pk} started.")
            return redirect("dashboard-import", pk=job.pk)
    recent = [
        (job, LABELS.get(job.detected, job.detected))
        for job in Import.objects.order_by("-created", "-id")[:20]
    ]
    return render_page(
        request,
        "dashboard/imports.html",
        {"form": form, "imports": recent},
        section="import",
        status=400 if form.errors else 200,
    )


@owner_required
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = Import.objects.filter(pk=pk).first()
    if job is None:
        raise Http404("No such import.")
    return render_page(
        request,
        "dashboard/import.html",
        {
            "job": job,
            "progress": progress_get(job),
            "label": LABELS.get(job.detected, job.detected),
            "running": job.status in (Import.Status.QUEUED, Import.Status.RUNNING),
            "status_url": reverse("admin-import", kwargs={"pk": job.pk}),
        },
        section="import",
    )


@owner_required
def export_download(request: HttpRequest, format: str) -> HttpResponse:  # noqa: A002
    if format not in ("json", "disqus"):
        raise Http404("Export as json or disqus.")
    slug = tenant_db().tenant.slug
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    export = export_json if format == "json" else export_disqus
    extension = "json" if format == "json" else "xml"
    response = StreamingHttpResponse(
        export(site=slug),
        content_type="application/json" if format == "json" else "application/xml",
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}-comments-{stamp}.{extension}"'
    return cast(HttpResponse, response)  # the dashboard's views are typed as HttpResponse
