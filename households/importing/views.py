"""Upload page, live progress (htmx polling), summary, annotated workbook, template, revert."""

from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.api import ApplicationError
from config.broker import broker_down_message
from households.classification import ClassificationValue
from households.importing.annotate import annotated_workbook
from households.importing.commit import import_batch_revert
from households.importing.pipeline import import_batch_create
from households.importing.selectors import import_batches_visible_to, may_revert, may_upload
from households.importing.template import review_template_xlsx
from households.selectors import standards_all

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
    batches = import_batches_visible_to(user=request.user)
    if request.method == "POST":
        if not may_upload(user=request.user):
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
                    messages.info(request, _("Xem lần nhập trước: số %(id)s.") % {"id": duplicate})
            else:
                return redirect("imports:detail", pk=batch.pk)
    else:
        form = UploadForm(initial={"year": timezone.localdate().year - (1 if timezone.localdate().month < 9 else 0)})
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(request, "households/imports/list.html", {
        "form": form, "page": page, "may_upload": may_upload(user=request.user),
    })


def _batch_or_404(request, pk: int):
    return get_object_or_404(import_batches_visible_to(user=request.user), pk=pk)


def import_detail(request, pk: int):
    batch = _batch_or_404(request, pk)
    return render(request, "households/imports/detail.html", {
        "batch": batch, "summary": _summary_rows(batch), "may_revert": may_revert(user=request.user),
    })


def import_progress(request, pk: int):
    """The htmx partial: a progress bar while the batch runs, the summary once it is done."""
    batch = _batch_or_404(request, pk)
    return render(request, "households/imports/_status.html", {
        "batch": batch, "summary": _summary_rows(batch), "may_revert": may_revert(user=request.user),
    })


def import_annotated(request, pk: int):
    batch = _batch_or_404(request, pk)
    issues = batch.errors or batch.warning_entries()
    content = annotated_workbook(path=Path(batch.file.path), errors=issues)
    response = HttpResponse(content, content_type=XLSX)
    name = Path(batch.original_name).stem
    response["Content-Disposition"] = f'attachment; filename="{name}-danh-dau-loi.xlsx"'
    return response


def import_original(request, pk: int):
    batch = _batch_or_404(request, pk)
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=batch.original_name)


@require_POST
def import_revert(request, pk: int):
    batch = _batch_or_404(request, pk)
    if not may_revert(user=request.user):
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
        year = int(request.GET.get("year") or timezone.localdate().year)
        standard = standards_all().for_review(year=year, kind="periodic")
    except (ValueError, ApplicationError) as error:
        raise Http404(str(error)) from error
    response = HttpResponse(review_template_xlsx(standard=standard, year=year), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="mau-ra-soat-ho-ngheo-{year}.xlsx"'
    return response
