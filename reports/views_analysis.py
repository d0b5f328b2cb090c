"""The analysis page `/analysis/` (issue 20), its downloads and the saved views. Thin: the table comes from
`reports.analysis`, the workbooks from `reports.analysis_exports`, the saved views from `reports.saved_views`.

Every figure is read through the caller's scope (`reports.analysis.analysis_table`); a unit outside it shows the
"not in your scope" notice on the page and is a 404 for a download."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError
from config.query import query_year
from provinces.collation import vi_sort_key
from provinces.models import LEGACY_VALID_TO, REORGANISATION_DATE, end_of_year
from provinces.selectors import units_in_force, units_visible_to
from reports import analysis, saved_views
from reports import analysis_exports as exports
from reports.selectors import CURRENT, LEGACY, VIEWS, natural_view, poverty_data_years

LEVEL_ORDER = ["province", "district", "commune"]


@dataclass(frozen=True)
class Choice:
    """What the page shows, from the query string (defaults: the user's unit, the last three years with data)."""

    code: str
    level: str
    year_from: int
    year_to: int
    measure: str
    view: str
    compare_from: int
    compare_to: int

    @property
    def parameters(self) -> dict[str, str]:
        return {"unit": self.code, "level": self.level, "from": str(self.year_from), "to": str(self.year_to),
                "measure": self.measure, "view": self.view, "compare_from": str(self.compare_from),
                "compare_to": str(self.compare_to)}

    def query(self) -> str:
        return urlencode(self.parameters)


def _choice(request, years: list[int]) -> Choice:
    params = request.GET
    unit = request.viewer.unit
    code = (params.get("unit") or "").strip()[:10] or (unit.code if unit is not None else "")
    last = years[-1] if years else timezone.localdate().year - 1
    year_to = query_year(params, "to") or last
    year_from = query_year(params, "from") or max(years[0] if years else year_to, year_to - 2)
    view = params.get("view") if params.get("view") in VIEWS else natural_view(year_to)
    level = params.get("level")
    if level not in analysis.LEVELS:
        level = analysis.DISTRICT if len(code) == 2 and view == LEGACY else analysis.COMMUNE
    measure = params.get("measure") if params.get("measure") in analysis.MEASURES else analysis.DEFAULT_MEASURE
    compare_from = query_year(params, "compare_from") or year_from
    compare_to = query_year(params, "compare_to") or year_to
    if not year_from <= compare_from <= year_to:
        compare_from = year_from
    if not year_from <= compare_to <= year_to:
        compare_to = year_to
    return Choice(code, level, year_from, year_to, measure, view, compare_from, compare_to)


def _unit_choices(viewer, choice: Choice):
    """Provinces and districts of the viewer's scope in force in the view's period (one query)."""
    if choice.view == LEGACY:
        on = end_of_year(choice.year_to) if natural_view(choice.year_to) == LEGACY else LEGACY_VALID_TO
    else:
        on = max(timezone.localdate(), REORGANISATION_DATE)
    units = (units_visible_to(viewer=viewer) & units_in_force(on=on)).filter(level__in=["province", "district"])
    return sorted(units.only("pk", "code", "name", "level").order_by("code")[:500],
                  key=lambda unit: (LEVEL_ORDER.index(unit.level), vi_sort_key(unit.name), unit.code))


def _table(request, choice: Choice):
    """The table, None when the unit is unknown or out of scope; the refusal's message for a level that does not
    fit the unit."""
    if not choice.code:
        return None, None
    try:
        table = analysis.analysis_table(
            viewer=request.viewer, code=choice.code, level=choice.level, year_from=choice.year_from,
            year_to=choice.year_to, view=choice.view, measures=(choice.measure,),
        )
    except ApplicationError as error:
        return None, error.message
    return table, None


@require_GET
def analysis_page(request):
    years = poverty_data_years()
    choice = _choice(request, years)
    table, refusal = _table(request, choice)
    grid = exports.grid(table, measure=choice.measure, compare_from=choice.compare_from,
                        compare_to=choice.compare_to) if table else None
    year_options = sorted(set(years) | set(range(choice.year_from, choice.year_to + 1)))
    context = {
        "choice": choice, "table": table, "grid": grid, "refusal": refusal,
        "units": _unit_choices(request.viewer, choice), "profile": request.viewer.profile,
        "years": year_options, "levels": [(analysis.DISTRICT, _("Cấp huyện")), (analysis.COMMUNE, _("Cấp xã"))],
        "views": [(LEGACY, _("Đơn vị trước 1/7/2025")), (CURRENT, _("Đơn vị hiện nay"))],
        "measures": list(analysis.MEASURES.values()), "measure": analysis.MEASURES[choice.measure],
        "saved": saved_views.saved_views_visible_to(viewer=request.viewer),
        "chart": exports.chart_data(grid, table, choice) if grid else None,
        "query": choice.query(),
    }
    return render(request, "reports/analysis.html", context)


def _download_table(request):
    choice = _choice(request, poverty_data_years())
    table, _refusal = _table(request, choice)
    if table is None:
        raise Http404
    return choice, table


@require_GET
def analysis_export_xlsx(request):
    choice, table = _download_table(request)
    return exports.xlsx_response(table, choice)


@require_GET
def analysis_export_csv(request):
    choice, table = _download_table(request)
    return exports.csv_response(table, choice)


@require_POST
def saved_view_create(request):
    try:
        saved = saved_views.saved_view_create(
            owner=request.user, name=request.POST.get("name", ""), shared=request.POST.get("shared") == "1",
            parameters={name: request.POST.get(name, "") for name in saved_views.PARAMETERS},
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('reports:analysis')}?{urlencode(_posted(request))}")
    messages.success(request, _("Đã lưu cách xem “%(name)s”.") % {"name": saved.name})
    return redirect("reports:analysis-saved", pk=saved.pk)


def _posted(request) -> dict:
    return {name: request.POST[name] for name in saved_views.PARAMETERS if request.POST.get(name)}


@require_GET
def saved_view_open(request, pk: int):
    saved = get_object_or_404(saved_views.saved_views_visible_to(viewer=request.viewer), pk=pk)
    parameters = saved_views.saved_view_parameters(viewer=request.viewer, saved=saved)
    return redirect(f"{reverse('reports:analysis')}?{urlencode(parameters)}")


@require_POST
def saved_view_delete(request, pk: int):
    saved_views.saved_view_delete(user=request.user, pk=pk)
    messages.success(request, _("Đã xoá cách xem đã lưu."))
    return redirect("reports:analysis")
