"""The "Báo cáo" page and the Excel downloads. Thin: the workbooks come from `reports.exports`.

* summary and disbursement workbooks are small (aggregates only): built in the request and sent at once;
* household lists can be long: an `ExportJob` runs through Celery; its page polls the progress (htmx) and offers
  the file to its owner once done. Another user gets a 404 for the job, its status and its file.

Every unit comes from a code and a year through `reports.selectors.unit_for_view_visible`: a unit outside the
user's scope is a 404, exactly like an unknown code.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.query import query_year
from households.models import HouseholdReview
from households.selectors import may_see_personal_data
from provinces.collation import vi_sort_key
from provinces.models import LEGACY_VALID_TO, REORGANISATION_DATE, AdministrativeUnit, end_of_year
from provinces.selectors import units_in_force, units_visible_to
from reports.exports.disbursement import disbursement_build, disbursement_xlsx
from reports.exports.jobs import export_job_create, export_jobs_of
from reports.exports.summary import summary_build, summary_xlsx
from reports.exports.workbook import XLSX_CONTENT_TYPE
from reports.models import DisbursementAggregate, ExportJob
from reports.selectors import CURRENT, LEGACY, VIEWS, natural_view, poverty_data_years, unit_for_view_visible

RECENT_JOBS = 10
LEVEL_ORDER = ["province", "district", "commune"]


def _year(params) -> int | None:
    """`?year=`: a malformed value is a 400 (config.query); a well-formed one outside 2000-2100 means none."""
    number = query_year(params)
    return number if number is not None and 2000 <= number <= 2100 else None


def _profile_view(viewer) -> str:
    """The period of the viewer's own unit: legacy units (before 1 July 2025) or today's."""
    if viewer.unit is not None and viewer.unit.is_legacy:
        return LEGACY
    return CURRENT


def _unit_or_404(request, params, *, view: str | None = None) -> tuple[AdministrativeUnit, int, str]:
    year = _year(params)
    code = (params.get("unit") or "").strip()
    if year is None or not code:
        raise Http404
    view = view or params.get("view") or natural_view(year)
    if view not in VIEWS:
        raise Http404
    unit = unit_for_view_visible(viewer=request.viewer, code=code, year=year, view=view)
    if unit is None:
        raise Http404
    return unit, year, view


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def _unit_choices(viewer, year: int | None, view: str) -> list[AdministrativeUnit]:
    """The units a user picks from: provinces and districts of the scope (and communes for a district's or a
    commune's user), in force at the end of the year (or today, for today's units). One query."""
    if view == LEGACY:
        on = end_of_year(year) if year is not None and natural_view(year) == LEGACY else LEGACY_VALID_TO
    else:
        on = max(timezone.localdate(), REORGANISATION_DATE)
    levels = ["province", "district"]
    if viewer.unit is not None and viewer.unit.level != "province":
        levels.append("commune")
    units = (units_visible_to(viewer=viewer) & units_in_force(on=on)).filter(level__in=levels)
    return sorted(units.only("pk", "code", "name", "level").order_by("code")[:500],
                  key=lambda unit: (LEVEL_ORDER.index(unit.level), vi_sort_key(unit.name), unit.code))


@require_GET
def index(request):
    years = sorted(poverty_data_years(), reverse=True)
    year = _year(request.GET) or (years[0] if years else None)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else _profile_view(request.viewer)
    units = _unit_choices(request.viewer, year, view)
    profile = request.viewer.profile
    selected = (request.GET.get("unit") or "").strip() or (profile.unit.code if profile else "")
    if units and selected not in {unit.code for unit in units}:
        selected = units[0].code
    disbursement_years = _disbursement_years(request.viewer, selected)
    disbursement_year = _year({"year": request.GET.get("disbursement_year")}) if request.GET.get(
        "disbursement_year") else None
    if disbursement_year not in disbursement_years:
        disbursement_year = disbursement_years[0] if disbursement_years else None
    return render(request, "reports/exports.html", {
        "profile": profile, "years": years, "year": year, "view": view, "views": [
            (LEGACY, _("Đơn vị trước ngày 01/7/2025 (tỉnh, huyện, xã)")),
            (CURRENT, _("Đơn vị hiện nay (tỉnh, xã)")),
        ],
        "units": units, "selected": selected, "disbursement_years": disbursement_years,
        "disbursement_year": disbursement_year,
        "classifications": HouseholdReview.Classification.choices,
        "may_see_personal_data": may_see_personal_data(viewer=request.viewer),
        "jobs": export_jobs_of(user=request.user)[:RECENT_JOBS],
    })


@require_GET
def summary_download(request):
    unit, year, view = _unit_or_404(request, request.GET)
    report = summary_build(unit=unit, year=year, view=view)
    output = io.BytesIO()
    summary_xlsx(report, output)
    return _xlsx_response(output.getvalue(), f"tong-hop-ra-soat-{unit.code}-{year}-{view}.xlsx")


def _disbursement_years(viewer, code: str) -> list[int]:
    """The plan years with disbursement figures for the unit `code` (any of its versions in the user's scope),
    newest first: the picker offers only years that have data, so its default download is never empty."""
    if not code:
        return []
    return sorted(set(DisbursementAggregate.objects.filter(
        month=0, unit__in=units_visible_to(viewer=viewer).filter(code=code)).values_list("year", flat=True)
        .order_by("year").distinct()), reverse=True)


@require_GET
def disbursement_download(request):
    """The unit is found by its code in the user's scope (the budget lines hang on the unit in force when they were
    entered: a legacy province keeps its 2025 plan); out of scope or unknown is a 404, a year without figures
    goes back to the Reports page with a message."""
    params = request.GET.copy()
    if params.get("disbursement_year"):
        params["year"] = params["disbursement_year"]
    year = _year(params)
    code = (params.get("unit") or "").strip()
    if year is None or not code:
        raise Http404
    candidates = list(units_visible_to(viewer=request.viewer).filter(code=code).order_by("-valid_from"))
    if not candidates:
        raise Http404
    with_data = set(DisbursementAggregate.objects.filter(unit__in=candidates, year=year)
                    .values_list("unit_id", flat=True).distinct())
    unit = next((candidate for candidate in candidates if candidate.pk in with_data), None)
    if unit is None:
        messages.warning(request, _("Chưa có số liệu giải ngân năm %(year)s của %(unit)s: hãy chọn năm khác.")
                         % {"year": year, "unit": candidates[0].name})
        back = {key: request.GET[key] for key in ("unit", "year", "view") if request.GET.get(key)}
        return redirect(f"{reverse('reports:index')}?{urlencode(back)}")
    report = disbursement_build(unit=unit, year=year)
    output = io.BytesIO()
    disbursement_xlsx(report, output)
    return _xlsx_response(output.getvalue(), f"giai-ngan-du-an-nguon-von-{unit.code}-{year}.xlsx")


@require_POST
def household_export(request):
    """Queue a household-list export for the unit and year (natural units), then show its progress."""
    unit, year, _view = _unit_or_404(request, request.POST)
    classification = request.POST.get("classification") or ""
    if classification and classification not in HouseholdReview.Classification.values:
        classification = ""
    job = export_job_create(owner=request.user, kind=ExportJob.Kind.HOUSEHOLDS, unit=unit, year=year,
                            parameters={"classification": classification})
    return redirect("reports:export-job", pk=job.pk)


def _job_or_404(request, pk: int) -> ExportJob:
    return get_object_or_404(export_jobs_of(user=request.user), pk=pk)


@require_GET
def job_detail(request, pk: int):
    job = _job_or_404(request, pk)
    return render(request, "reports/exports_job.html", {"job": job})


@require_GET
def job_status(request, pk: int):
    job = _job_or_404(request, pk)
    return render(request, "reports/exports_job_status.html", {"job": job})


@require_GET
def job_download(request, pk: int):
    job = _job_or_404(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name,
                            content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
