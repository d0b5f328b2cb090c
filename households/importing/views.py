"""Upload page, live progress (htmx polling), summary, annotated workbook, template, revert."""

from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.broker import broker_down_message
from config.errors import ApplicationError
from households.classification import ClassificationValue
from households.importing.annotate import import_batch_annotate
from households.importing.defaults import review_year_in_progress, template_years, upload_year_default
from households.importing.parse import standard_for_year
from households.importing.selectors import import_batches_visible_to, may_revert, may_upload
from households.importing.services import import_batch_create, import_batch_revert
from households.importing.template import review_template_xlsx
from spreadsheets.problems import ERRORS_PER_PAGE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp danh sách (.xlsx, .xls, .ods, .csv)"))
    year = forms.IntegerField(label=gettext_lazy("Năm rà soát"), min_value=2021, max_value=2100)


def _summary_rows(batch) -> list[dict]:
    return [
        {"value": value.value, "label": value.label, "count": batch.counts.get(value.value, 0)}
        for value in ClassificationValue
    ]


def import_list(request):
    if not request.viewer.may("imports", "list"):  # leadership does not see imports at all (access matrix)
        raise Http404
    batches = import_batches_visible_to(viewer=request.viewer)
    if request.method == "POST":
        if not may_upload(viewer=request.viewer):
            raise Http404
        form = UploadForm(request.POST, request.FILES)
        if (down := broker_down_message()) is not None:  # Redis down: the file could not be queued
            form.add_error("file", down)
        if form.is_valid():
            try:
                batch = import_batch_create(
                    uploaded_file=form.cleaned_data["file"], year=form.cleaned_data["year"],
                    acting_user=request.user, original_name=form.cleaned_data["file"].name,
                )
            except ApplicationError as error:
                form.add_error("file" if error.field in (None, "file") else error.field, error.message)
                duplicate = error.extra.get("duplicate_of")
                if duplicate:
                    messages.info(request, format_html(
                        '<a href="{}" data-testid="duplicate-of">{}</a>', reverse("imports:detail", args=[duplicate]),
                        _("Xem lần nhập trước (số %(id)s)") % {"id": duplicate},
                    ))
            else:
                return redirect("imports:detail", pk=batch.pk)
    else:
        form = UploadForm(initial={"year": upload_year_default(request.viewer)})
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(request, "households/imports/list.html", {
        "form": form, "page": page, "may_upload": may_upload(viewer=request.viewer),
        "template_years": template_years(), "template_year": _template_year(form, request.viewer),
    })


def _template_year(form, viewer) -> int:
    """The blank template's year follows the upload form's year (a valid one), else the proposed default."""
    try:
        year = int(form["year"].value())
    except (TypeError, ValueError):
        year = None
    return year if year in template_years() else upload_year_default(viewer)


def _batch_or_404(request, pk: int):
    return get_object_or_404(import_batches_visible_to(viewer=request.viewer), pk=pk)


def _status_context(request, batch) -> dict:
    """The summary, and a rejected batch's errors one page at a time (?page=; a query for pages after the first)."""
    error_page = None
    if batch.error_count:
        error_page = Paginator(batch.error_pages_all(), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {"batch": batch, "summary": _summary_rows(batch), "may_revert": may_revert(viewer=request.viewer),
            "error_page": error_page}


def import_detail(request, pk: int):
    batch = _batch_or_404(request, pk)
    return render(request, "households/imports/detail.html", _status_context(request, batch))


def import_progress(request, pk: int):
    """The htmx partial: a progress bar while the batch runs, the summary once it is done."""
    batch = _batch_or_404(request, pk)
    return render(request, "households/imports/_status.html", _status_context(request, batch))


def import_annotated(request, pk: int):
    """The annotated copy the worker built when the batch finished, served as the file it is. A batch finished
    before there was one (or whose file went missing) gets it built here, once, within a tenth of the row cap."""
    batch = _batch_or_404(request, pk)
    if not batch.is_finished:
        raise Http404
    batch = import_batch_annotate(batch=batch, in_request=True)
    name = f"{Path(batch.original_name).stem}-danh-dau-loi.xlsx"
    return FileResponse(batch.annotated.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


def import_original(request, pk: int):
    batch = _batch_or_404(request, pk)
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=batch.original_name)


@require_POST
def import_revert(request, pk: int):
    batch = _batch_or_404(request, pk)
    if not may_revert(viewer=request.viewer):
        raise Http404
    try:
        import_batch_revert(batch=batch, acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã hoàn tác lần nhập số %(id)s: dữ liệu trước đó đã được khôi phục.")
                         % {"id": batch.pk})
    return redirect("imports:detail", pk=batch.pk)


def review_template(request):
    try:
        year = int(request.GET.get("year") or review_year_in_progress())
        standard = standard_for_year(year)
    except (ValueError, ApplicationError) as error:
        raise Http404(str(error)) from error
    response = HttpResponse(review_template_xlsx(standard=standard, year=year), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"mau-ra-soat-ho-ngheo-{year}.xlsx")
    return response
