"""Pages of the unit browser: tree and search, unit page, flags and household totals for staff, imports.

Thin: the selectors scope every read (a unit outside what the user may see is a 404), the services decide
every write (a user who may see a unit but not change it gets a 403).
"""

import datetime
import io
import tempfile
from pathlib import Path

import xlsxwriter
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError
from config.query import query_year
from provinces.collation import vi_name
from provinces.forms import FlagsForm, HouseholdTotalForm, ReferenceImportForm
from provinces.importing import TOTAL_COLUMNS, flag_columns
from provinces.models import LEGACY_VALID_TO, REORGANISATION_DATE, AdministrativeUnit, HouseholdTotal
from provinces.selectors import (
    household_totals_by_year,
    unit_with_links,
    units_in_force,
    units_listable_by,
    units_manageable_by,
    units_search,
)
from provinces.services import household_total_set, household_totals_import, unit_flags_load, unit_flags_update

LEGACY, CURRENT = "legacy", "current"
PERIODS = {LEGACY: gettext_lazy("Trước 01/7/2025"), CURRENT: gettext_lazy("Sau 01/7/2025")}
SEARCH_LIMIT = 50


def _period_date(period: str) -> datetime.date:
    if period == LEGACY:
        return LEGACY_VALID_TO
    return max(timezone.localdate(), REORGANISATION_DATE)


def _default_year(period: str) -> int:
    """The year whose figures a page shows first: the last full year of the period."""
    if period == LEGACY:
        return LEGACY_VALID_TO.year - 1
    return max(timezone.localdate().year - 1, REORGANISATION_DATE.year)


def _requested_period(request) -> str | None:
    period = request.GET.get("period")
    return period if period in PERIODS else None


def _period(request) -> str:
    """The period asked for, else the period of the user's own unit (a legacy district officer starts there)."""
    period = _requested_period(request)
    if period:
        return period
    unit = request.viewer.unit
    return LEGACY if unit is not None and unit.is_legacy else CURRENT


def _listable_on(request, period: str):
    return units_listable_by(viewer=request.viewer) & units_in_force(on=_period_date(period))


def _unit_or_404(request, code: str, *, with_links: bool = True) -> tuple[str, AdministrativeUnit]:
    """The unit `code` means in the requested period (else the user's period, then the other one)."""
    requested = _requested_period(request)
    first = requested or _period(request)
    periods = [first] if requested else [first, LEGACY if first == CURRENT else CURRENT]
    for period in periods:
        queryset = _listable_on(request, period).filter(code=code)
        if with_links:
            queryset = unit_with_links(queryset).select_related("parent__parent")
        unit = queryset.first()
        if unit is not None:
            return period, unit
    raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))


def _unit_url(unit: AdministrativeUnit, period: str | None = None) -> str:
    period = period or (LEGACY if unit.is_legacy else CURRENT)
    return f"{reverse('provinces:unit', args=[unit.code])}?period={period}"


def _search_results(request, period: str, text: str) -> tuple[list, bool]:
    if not text.strip():
        return [], False
    found = list(
        units_search(queryset=_listable_on(request, period), text=text)
        .select_related("parent", "parent__parent")
        .order_by("level", vi_name(), "code")[: SEARCH_LIMIT + 1]
    )
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


@require_GET
def browser(request):
    period = _period(request)
    text = request.GET.get("q", "")[:100]
    results, more = _search_results(request, period, text)
    context = {
        "period": period,
        "periods": PERIODS,
        "on": _period_date(period),
        "q": text,
        "results": results,
        "more": more,
        "roots": _listable_on(request, period).filter(parent__isnull=True).order_by(vi_name(), "code"),
        "can_manage": units_manageable_by(viewer=request.viewer).exists(),
    }
    return render(request, "provinces/browser.html", context)


@require_GET
def search(request):
    """htmx partial: the search results under the search box."""
    period = _period(request)
    text = request.GET.get("q", "")[:100]
    results, more = _search_results(request, period, text)
    return render(
        request, "provinces/_search_results.html", {"period": period, "q": text, "results": results, "more": more}
    )


@require_GET
def children(request, code: str):
    """htmx partial: the children of a tree node the user may see."""
    period, unit = _unit_or_404(request, code, with_links=False)
    nodes = _listable_on(request, period).filter(parent=unit).order_by(vi_name(), "code")
    return render(request, "provinces/_tree_nodes.html", {"nodes": nodes, "period": period, "parent": unit})


def _unit_context(request, period: str, unit: AdministrativeUnit, *, total_form=None) -> dict:
    may_manage = units_manageable_by(viewer=request.viewer).filter(pk=unit.pk).exists()
    kids = list(_listable_on(request, period).filter(parent=unit).order_by(vi_name(), "code"))
    subtree = Q(unit=unit) | Q(unit__parent=unit) | Q(unit__parent__parent=unit)
    years = sorted(set(HouseholdTotal.objects.filter(subtree).values_list("year", flat=True)), reverse=True)
    year = query_year(request.GET)
    if year not in years:
        year = years[0] if years else _default_year(period)
    table = household_totals_by_year(units=[unit, *kids], years=[*years, year])
    own = {row.year: row for row in unit.household_totals.select_related("updated_by")}
    totals = [{"year": y, "own": own.get(y), "effective": table[y][unit.pk]} for y in years]
    links = [
        *(
            {"unit": link.successor, "default": link.is_default, "kind": "successor"}
            for link in unit.successor_links.all()
        ),
        *(
            {"unit": link.predecessor, "default": link.is_default, "kind": "predecessor"}
            for link in unit.predecessor_links.all()
        ),
    ]
    linked_pks = [link["unit"].pk for link in links]
    openable = set(units_listable_by(viewer=request.viewer).filter(pk__in=linked_pks).values_list("pk", flat=True))
    for link in links:
        link["url"] = _unit_url(link["unit"]) if link["unit"].pk in openable else None
    return {
        "unit": unit,
        "period": period,
        "periods": PERIODS,
        "ancestors": [a for a in (unit.parent.parent if unit.parent else None, unit.parent) if a is not None],
        "children": [(kid, table[year][kid.pk]) for kid in kids],
        "year": year,
        "years": years,
        "totals": totals,
        "successors": [link for link in links if link["kind"] == "successor"],
        "predecessors": [link for link in links if link["kind"] == "predecessor"],
        "may_manage": may_manage,
        "flags_form": FlagsForm(unit=unit) if may_manage else None,
        "total_form": total_form or (HouseholdTotalForm(initial={"year": year}) if may_manage else None),
    }


@require_GET
def unit_page(request, code: str):
    period, unit = _unit_or_404(request, code)
    return render(request, "provinces/unit.html", _unit_context(request, period, unit))


@require_POST
def flags_update(request, code: str):
    period, unit = _unit_or_404(request, code, with_links=False)
    form = FlagsForm(request.POST, unit=unit)
    if not form.is_valid():  # checkboxes: never invalid, but keep the pattern
        raise PermissionDenied
    try:
        unit_flags_update(unit=unit, flags=form.cleaned_data, acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã lưu cờ chương trình của %(unit)s.") % {"unit": unit.name})
    return redirect(_unit_url(unit, period))


@require_POST
def total_set(request, code: str):
    period, unit = _unit_or_404(request, code)
    if not units_manageable_by(viewer=request.viewer).filter(pk=unit.pk).exists():
        raise PermissionDenied
    form = HouseholdTotalForm(request.POST)
    if form.is_valid():
        try:
            household_total_set(
                unit=unit, year=form.cleaned_data["year"], total=form.cleaned_data["total"],
                note=form.cleaned_data["note"], acting_user=request.user,
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            saved = {"year": form.cleaned_data["year"], "unit": unit.name}
            messages.success(request, _("Đã lưu tổng số hộ năm %(year)s của %(unit)s.") % saved)
            return redirect(_unit_url(unit, period))
    context = _unit_context(request, period, unit, total_form=form)
    return render(request, "provinces/unit.html", context, status=400)


@require_http_methods(["GET", "POST"])
def reference_import(request):
    """Staff upload household totals or programme flags; a file with any bad row is rejected whole."""
    if not units_manageable_by(viewer=request.viewer).exists():
        raise PermissionDenied
    outcome = None
    form = ReferenceImportForm(request.POST or None, request.FILES or None, initial={"kind": "totals"})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()[:5]
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            if form.cleaned_data["kind"] == "totals":
                outcome = household_totals_import(path=handle.name, acting_user=request.user, source_note=upload.name)
            else:
                outcome = unit_flags_load(
                    path=handle.name, acting_user=request.user, year=form.cleaned_data["year"] or _default_year(LEGACY)
                )
    status = 400 if outcome is not None and outcome.errors else 200
    return render(request, "provinces/import.html", {"form": form, "outcome": outcome}, status=status)


@require_GET
def import_template(request, kind: str):
    """An empty workbook with the expected headers (the code column formatted as text, to keep leading zeros)."""
    if kind == "totals":
        headers = [column.header for column in TOTAL_COLUMNS]
    elif kind == "flags":
        headers = [column.header for column in flag_columns()]
    else:
        raise Http404
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Mau")
    bold = workbook.add_format({"bold": True})
    sheet.set_column(0, 0, 14, workbook.add_format({"num_format": "@"}))
    sheet.set_column(1, len(headers) - 1, 22)
    sheet.write_row(0, 0, headers, bold)
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"mau-{kind}.xlsx")
    return response
