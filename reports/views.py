"""Leadership pages: the dashboard (aggregates only) and the anomaly list. Thin: the figures come from
reports.dashboard and reports.anomalies."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from provinces.selectors import profile_of
from reports import anomalies as anomaly_rules
from reports import dashboard as board_module


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 2000 <= number <= 2100 else None


@require_GET
def dashboard(request):
    code = (request.GET.get("unit") or "").strip() or None
    year = _int(request.GET.get("year"))
    view = request.GET.get("view") or None
    unit, year = board_module.dashboard_unit(user=request.user, code=code, year=year, view=view)
    context = {"profile": profile_of(request.user), "unit": unit, "year": year}
    if unit is not None and year is not None:
        board = board_module.dashboard_build(
            user=request.user, unit=unit, year=year, today=timezone.localdate(), view=view
        )
        context.update(board=board, chart=board_module.chart_data(board))
    return render(request, "reports/dashboard.html", context)


@require_GET
def anomalies(request):
    code = (request.GET.get("unit") or "").strip() or None
    year = _int(request.GET.get("year"))
    unit, year = board_module.dashboard_unit(user=request.user, code=code, year=year)
    context = {"profile": profile_of(request.user), "unit": unit, "year": year,
               "thresholds": anomaly_rules.thresholds()}
    if unit is not None and year is not None:
        context["anomalies"] = anomaly_rules.anomalies_list(unit=unit, year=year)
    return render(request, "reports/anomalies.html", context)
