"""Readers' data on a reader's request (docs/privacy.md): find a reader by e-mail address,
name or id, see what the site holds about them, download it as JSON, and erase it after
typing the confirmation. Exports and erasures are audited (embed.privacy)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.staff import acting_user
from embed.dashboard.access import page_of, render_page, staff_required
from embed.models import Commenter
from embed.privacy import (
    CONFIRMATION,
    reader_erase,
    reader_export,
    reader_export_for_moderator,
    readers_find,
)


class ReaderSearchForm(forms.Form):
    q = forms.CharField(max_length=254, required=False, label="E-mail address, name or id")


class EraseForm(forms.Form):
    confirm = forms.CharField(
        max_length=20,
        label=f"Type “{CONFIRMATION}” to confirm",
        help_text="Their comments with replies stay as empty “deleted” placeholders; the "
        "rest, their votes, subscriptions and sign-ins go. This cannot be undone.",
    )

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip().lower()
        if value != CONFIRMATION:
            raise ValidationError(f"Type “{CONFIRMATION}” to erase this reader.")
        return value


def _reader_or_404(pk: int) -> Commenter:
    reader = Commenter.objects.filter(pk=pk).first()
    if reader is None:
        raise Http404("No such reader on this site.")
    return reader


@never_cache
@staff_required
def readers_page(request: HttpRequest) -> HttpResponse:
    form = ReaderSearchForm(request.GET)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = page_of(request, readers_find(text)) if text else None
    return render_page(
        request, "dashboard/readers.html", {"form": form, "page": page}, section="readers"
    )


@never_cache
@staff_required
def reader_page(request: HttpRequest, pk: int, erase_form: EraseForm | None = None) -> HttpResponse:
    reader = _reader_or_404(pk)
    # What the page shows is what the download holds; only the download is audited.
    data = reader_export(commenter=reader, as_reader=False)
    return render_page(
        request,
        "dashboard/reader.html",
        {"reader": reader, "data": data, "erase_form": erase_form or EraseForm()},
        section="readers",
        status=400 if erase_form is not None and erase_form.errors else 200,
    )


@never_cache
@staff_required
def reader_download(request: HttpRequest, pk: int) -> HttpResponse:
    data = reader_export_for_moderator(commenter=_reader_or_404(pk), actor=acting_user(request))
    # Already JSON-ready, in the shape the API's ReaderDataSerializer declares (the views
    # layers do not import each other; tests/test_dashboard_readers.py compares the two).
    response = JsonResponse(data)
    response["Content-Disposition"] = f'attachment; filename="reader-{pk}.json"'
    return response


@staff_required
@require_POST
def reader_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    reader = _reader_or_404(pk)
    form = EraseForm(request.POST)
    if not form.is_valid():
        return reader_page(request, pk, erase_form=form)
    result = reader_erase(commenter=reader, actor=acting_user(request), confirm=CONFIRMATION)
    messages.success(
        request,
        f"Erased reader {pk}: {result.comments_removed} comments removed, "
        f"{result.comments_kept_as_placeholders} kept as placeholders, {result.votes} votes, "
        f"{result.subscriptions} subscriptions.",
    )
    return redirect("dashboard-readers")
