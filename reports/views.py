"""Leadership pages: the dashboard (aggregates only) and the anomaly list. Thin: the figures come from
reports.dashboard and reports.anomalies."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from config.query import query_year
from provinces.models import end_of_year
from provinces.widgets import unit_picker_html
from reports import anomalies as anomaly_rules
from reports import cache as stats_cache
from reports import dashboard as board_module


def _int(query) -> int | None:
    """`?year=`: a malformed value is a 400 (config.query); a well-formed one outside 2000-2100 means none."""
    number = query_year(query)
    return number if number is not None and 2000 <= number <= 2100 else None


@require_GET
def dashboard(request):
    """The body is cached (reports.cache) under everything it is drawn from: the newest aggregate run, the
    caller's scope, the parameters, the targets read now (targets change without a run), the language and the
    date (time elapsed). A hit costs the version query and the targets-signature query."""
    code = (request.GET.get("unit") or "").strip() or None
    year = _int(request.GET)
    view = request.GET.get("view") or None
    viewer, today = request.viewer, timezone.localdate()
    version, scope = stats_cache.data_version(), stats_cache.scope_of(viewer)
    unit, year = stats_cache.cached(
        stats_cache.key_for("dashboard-unit", version, scope, code, year, view),
        lambda: board_module.dashboard_unit(viewer=viewer, code=code, year=year, view=view),
    )
    targets = stats_cache.targets_signature(unit=unit, year=year) if unit is not None and year else ""
    key = stats_cache.key_for("dashboard", version, scope, unit.pk if unit else None, year, view, targets,
                              get_language(), today)

    def page(extra):  # the whole page is cached too, per user and address (reports.cache.page: issue 22)
        body = stats_cache.cached(
            key, lambda: _dashboard_body(viewer=viewer, unit=unit, year=year, view=view, today=today))
        return render_to_string("reports/dashboard.html", {"body": body, **extra}, request)

    return stats_cache.page(request, key, page)


def _dashboard_body(*, viewer, unit, year, view, today) -> str:
    context = {"profile": viewer.profile, "is_superuser": viewer.is_superuser, "unit": unit, "year": year}
    if unit is not None and year is not None:
        board = board_module.dashboard_build(viewer=viewer, unit=unit, year=year, today=today, view=view)
        context.update(board=board, chart=board_module.chart_data(board))
    return render_to_string("reports/_dashboard_body.html", context)


@require_GET
def anomalies(request):
    code = (request.GET.get("unit") or "").strip() or None
    year = _int(request.GET)
    unit, year = board_module.dashboard_unit(viewer=request.viewer, code=code, year=year)
    context = {"profile": request.viewer.profile, "unit": unit, "year": year,
               "thresholds": anomaly_rules.thresholds()}
    if year is not None:  # the unit by its name (provinces.widgets), not by typing a code
        context["unit_select"] = unit_picker_html(
            viewer=request.viewer, on=end_of_year(year), name="unit", value=unit.code if unit else (code or ""),
            element_id="anomalies-unit")
    if unit is not None and year is not None:
        context["anomalies"] = anomaly_rules.anomalies_list(unit=unit, year=year)
    return render(request, "reports/anomalies.html", context)
