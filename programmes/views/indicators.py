"""Indicators: the progress of a unit's indicators for a year, indicator targets and achievement reports."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from programmes import selectors, services
from programmes.forms import AchievementForm, IndicatorTargetForm
from programmes.views.common import form_view, managed_unit_and_year, query, unit_and_year, unit_page


@require_GET
def indicators(request):
    unit, year, form = unit_and_year(request)
    progress = selectors.indicator_progress(unit=unit, year=year) if unit else []
    reports = list(selectors.achievements_list(viewer=request.viewer, unit=unit, year=year)) if unit else []
    return unit_page(request, "programmes/indicators.html", unit=unit, year=year, form=form, progress=progress,
                     reports=reports)


@require_http_methods(["GET", "POST"])
def indicator_target_create(request):
    unit, year = managed_unit_and_year(request)
    form = IndicatorTargetForm(request.POST or None, initial={"indicator": request.GET.get("indicator")})
    back = reverse("programmes:indicators") + query(unit=unit.code, year=year)

    def save(data):
        services.indicator_target_set(unit=unit, year=year, indicator=data["indicator"], value=data["value"],
                                      note=data["note"], acting_user=request.user)
        messages.success(request, _("Đã lưu chỉ tiêu."))
        return redirect(back)

    return form_view(request, form, save=save, back=back,
                     title=_("Chỉ tiêu chỉ số năm %(year)s: %(unit)s") % {"year": year, "unit": unit.name})


@require_http_methods(["GET", "POST"])
def achievement_create(request):
    unit, year = managed_unit_and_year(request)
    form = AchievementForm(
        request.POST or None,
        initial={"indicator": request.GET.get("indicator"), "period_start": datetime.date(year, 1, 1)},
    )

    def save(data):
        services.achievement_record(
            unit=unit, indicator=data["indicator"], period_kind=data["period_kind"],
            period_start=data["period_start"], value=data["value"], reporting_unit=data["reporting_unit"],
            source_note=data["source_note"], acting_user=request.user,
        )
        messages.success(request, _("Đã lưu kết quả thực hiện."))
        return redirect(reverse("programmes:indicators") + query(unit=unit.code, year=data["period_start"].year))

    return form_view(request, form, save=save, title=_("Báo cáo kết quả: %(unit)s") % {"unit": unit.name},
                     back=reverse("programmes:indicators") + query(unit=unit.code, year=year))
