"""The budget import pages: upload (a job is created and queued), one job's status with htmx polling while it runs
and its outcome once done, and the blank templates. Thin: the pipeline decides, the selectors scope."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from budgets.forms import ImportForm
from budgets.importing.columns import template_xlsx
from budgets.importing.pipeline import budget_import_annotate, budget_import_create
from budgets.importing.selectors import budget_import_visible, budget_imports_visible_to, may_import
from budgets.models import BudgetImport
from config.broker import broker_down_message
from config.errors import ApplicationError
from spreadsheets.problems import ERRORS_PER_PAGE

RECENT = 10


def _require_import(request) -> None:
    if not may_import(viewer=request.viewer):
        raise PermissionDenied(_("Chỉ chuyên viên Sở của tỉnh mới được nhập số liệu ngân sách."))


def _nav() -> dict:
    """The budgets tabs (templates/budgets/_nav.html): only importers reach these pages."""
    return {"nav_query": "", "can_import": True}


@require_http_methods(["GET", "POST"])
def import_view(request):
    """Upload a spreadsheet of allocations or disbursements (provincial staff): queued, then whole or nothing."""
    _require_import(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if (down := broker_down_message()) is not None:  # the file could not be queued
            form.add_error(None, down)
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = budget_import_create(acting_user=request.user, file=upload, kind=form.cleaned_data["kind"],
                                           file_name=upload.name)
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("budgets:import-detail", pk=job.pk)
    recent = budget_imports_visible_to(viewer=request.viewer, action="list").filter(
        uploaded_by=request.user)[:RECENT]
    return render(request, "budgets/import.html", {"form": form, "recent": recent, **_nav()}, status=status)


def _job_or_404(request, pk: int) -> BudgetImport:
    job = budget_import_visible(viewer=request.viewer, pk=pk)
    if job is None:
        raise Http404(_("Không có lần nhập này trong phạm vi của bạn."))
    return job


def _status(request, job: BudgetImport) -> dict:
    """The job, and a rejected job's errors one page at a time (?page=; a query for pages after the first)."""
    error_page = None
    if job.error_count:
        error_page = Paginator(job.error_pages_all(), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {"job": job, "error_page": error_page}


@require_GET
def import_detail(request, pk: int):
    job = _job_or_404(request, pk)
    return render(request, "budgets/import_detail.html", {**_status(request, job), **_nav()})


@require_GET
def import_progress(request, pk: int):
    """The htmx partial: the progress bar while the job runs, the outcome once it is done."""
    job = _job_or_404(request, pk)
    return render(request, "budgets/_import_status.html", _status(request, job))


@require_GET
def import_annotated(request, pk: int):
    """A rejected job's upload with its bad cells marked, as the job kept it (built here, once, for a job that has
    none)."""
    job = _job_or_404(request, pk)
    if job.status != BudgetImport.Status.REJECTED or not job.rows:
        raise Http404
    job = budget_import_annotate(job=job, in_request=True)
    return FileResponse(job.annotated.open("rb"), as_attachment=True,
                        filename=f"{Path(job.original_name).stem}-danh-dau-loi.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@require_GET
def import_template(request, kind: str):
    """An empty workbook with the import's canonical headers."""
    if kind not in BudgetImport.Kind.values:
        raise Http404
    response = HttpResponse(template_xlsx(kind=kind),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"mau-{kind}.xlsx")
    return response
