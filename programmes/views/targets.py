"""Poverty-rate targets: the list of a unit's subtree, a target's page, the form, cascading to the units below,
household-group totals, and a staff request to recompute."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.audit import may_see_history
from config.errors import ApplicationError
from programmes import selectors, services
from programmes.forms import CascadePointsForm, CascadeRuleForm, GroupTotalForm, PovertyTargetForm
from programmes.groups import HouseholdGroup
from programmes.models import PovertyTarget
from programmes.targets import DEFAULT_POOR_DISTRICT_FLOOR, SAME_POINTS, STATUS_RULE
from programmes.views.common import (
    form_view,
    found_or_404,
    managed_unit_and_year,
    may_manage,
    query,
    require_manage,
    unit_and_year,
    unit_from_query,
    unit_page,
    year_from_query,
)

TARGET_INTRO = _(
    "Chỉ tiêu tỷ lệ hộ nghèo tính bằng điểm phần trăm: “giảm 3%” nghĩa là giảm 3 điểm phần trăm "
    "(8,92% → 5,92%), không phải giảm 3% của tỷ lệ cũ. Có thể nhập mức giảm hoặc tỷ lệ mục tiêu; "
    "hệ thống tính phần còn lại từ tỷ lệ đầu kỳ (kết quả rà soát cuối năm trước)."
)


@require_GET
def targets(request):
    unit, year, form = unit_and_year(request)
    rows = list(selectors.poverty_targets_list(viewer=request.viewer, unit=unit, year=year)) if unit else []
    return unit_page(request, "programmes/targets.html", unit=unit, year=year, form=form, targets=rows,
                     status_rule=_(STATUS_RULE))


def _target_or_404(request, pk: int) -> PovertyTarget:
    return found_or_404(selectors.poverty_target_detail(viewer=request.viewer, pk=pk),
                        _("Không có chỉ tiêu này trong phạm vi của bạn."))


def _target_url(target: PovertyTarget) -> str:
    return reverse("programmes:target", args=[target.pk])


@require_GET
def target_detail(request, pk: int):
    target = _target_or_404(request, pk)
    children, parent = selectors.poverty_target_relatives(viewer=request.viewer, target=target)
    manage = may_manage(request, target.unit)
    group_form = None
    if manage and target.group != HouseholdGroup.ALL:
        group_form = GroupTotalForm(initial={"year": target.year - 1})
    return render(
        request, "programmes/target_detail.html",
        {
            "target": target, "children": children, "parent": parent,
            "plans": selectors.poverty_target_plans(target=target),
            "may_manage": manage, "status_rule": _(STATUS_RULE), "group_form": group_form,
            "has_children": selectors.unit_has_children(unit=target.unit, year=target.year),
            "may_see_history": may_see_history(viewer=request.viewer),
            "history": selectors.poverty_target_history(viewer=request.viewer, target=target),
        },
    )


def _target_save(request, data: dict, *, unit, year, target=None):
    saved = services.poverty_target_set(
        unit=unit, year=year, group=target.group if target else data["group"], entered_as=data["entered_as"],
        value=data["value"], is_minimum=data["is_minimum"],
        reported_baseline_rate=data.get("reported_baseline_rate"),
        reported_actual_rate=data.get("reported_actual_rate"), note=data.get("note", ""),
        version=data.get("version") if target else None, acting_user=request.user,
    )
    messages.success(request, _("Đã lưu chỉ tiêu giảm nghèo năm %(year)s của %(unit)s.") % {
        "year": year, "unit": unit.name})
    return redirect(_target_url(saved))


@require_http_methods(["GET", "POST"])
def target_create(request):
    unit, year = managed_unit_and_year(request)
    form = PovertyTargetForm(request.POST or None)
    return form_view(request, form, save=partial(_target_save, request, unit=unit, year=year), intro=TARGET_INTRO,
                     title=_("Chỉ tiêu giảm nghèo năm %(year)s: %(unit)s") % {"year": year, "unit": unit.name},
                     back=reverse("programmes:targets") + query(unit=unit.code, year=year))


@require_http_methods(["GET", "POST"])
def target_edit(request, pk: int):
    target = _target_or_404(request, pk)
    require_manage(request, target.unit)
    initial = {
        "group": target.group, "entered_as": target.entered_as, "is_minimum": target.is_minimum,
        "value": target.target_reduction_points if target.entered_as == "points" else target.target_rate,
        "reported_baseline_rate": target.reported_baseline_rate, "reported_actual_rate": target.reported_actual_rate,
        "note": target.note, "version": target.version,
    }
    form = PovertyTargetForm(request.POST or None, initial=initial, fixed_group=True)
    save = partial(_target_save, request, unit=target.unit, year=target.year, target=target)
    title = _("Sửa chỉ tiêu giảm nghèo năm %(year)s: %(unit)s") % {"year": target.year, "unit": target.unit.name}
    return form_view(request, form, save=save, title=title, back=_target_url(target), intro=TARGET_INTRO)


@require_POST
def target_delete(request, pk: int):
    target = _target_or_404(request, pk)
    unit, year = target.unit, target.year
    services.poverty_target_delete(target=target, acting_user=request.user)
    messages.success(request, _("Đã xoá chỉ tiêu."))
    return redirect(reverse("programmes:targets") + query(unit=unit.code, year=year))


@require_POST
def group_total_set(request, pk: int):
    target = _target_or_404(request, pk)
    require_manage(request, target.unit)
    form = GroupTotalForm(request.POST)
    if form.is_valid():
        try:
            services.household_group_total_set(
                unit=target.unit, year=form.cleaned_data["year"], group=target.group,
                total=form.cleaned_data["total"], note=form.cleaned_data["note"], acting_user=request.user,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Đã lưu tổng số hộ của nhóm."))
    else:
        messages.error(request, _("Số liệu không hợp lệ: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(_target_url(target))


@require_POST
def targets_recompute(request):
    """Staff: ask for a recompute of the targets of a unit (and the units above and below it); the service queues
    the task after commit."""
    year = year_from_query(request)
    unit = unit_from_query(request, year)
    services.poverty_targets_recompute_request(unit=unit, year=year, acting_user=request.user)
    messages.success(request, _("Đã yêu cầu tính lại các chỉ tiêu của %(unit)s.") % {"unit": unit.name})
    return redirect(reverse("programmes:targets") + query(unit=unit.code, year=year))


@require_http_methods(["GET", "POST"])
def target_cascade(request, pk: int):
    """The proposal for splitting a target over the units below, adjustable by staff; shows whether the
    district targets add up to the provincial one in households."""
    target = _target_or_404(request, pk)
    manage = may_manage(request, target.unit)
    if request.method == "POST" and not manage:
        raise PermissionDenied
    rule_form = CascadeRuleForm(request.POST or request.GET or None)
    rule, floor = SAME_POINTS, DEFAULT_POOR_DISTRICT_FLOOR
    if rule_form.is_bound and rule_form.is_valid():
        rule = rule_form.cleaned_data["rule"]
        floor = rule_form.cleaned_data.get("floor") or DEFAULT_POOR_DISTRICT_FLOOR
    else:
        rule_form = CascadeRuleForm(initial={"rule": rule, "floor": floor})
    view = selectors.poverty_target_cascade(target=target, rule=rule, floor=floor)
    codes = [row.unit.code for row in view.rows]
    status = 200
    points_form = CascadePointsForm(codes=codes, initial_points={row.unit.code: row.proposed for row in view.rows})
    if request.method == "POST" and request.POST.get("action") in ("preview", "save"):
        points_form = CascadePointsForm(request.POST, codes=codes, initial_points={})
        if points_form.is_valid():
            chosen = points_form.points()
            view = selectors.poverty_target_cascade(target=target, rule=rule, floor=floor, points=chosen)
            if request.POST["action"] == "save":
                try:
                    services.poverty_target_cascade_apply(target=target, points=chosen, acting_user=request.user)
                except ApplicationError as error:
                    messages.error(request, error.message)
                    status = 400
                else:
                    messages.success(request, _("Đã lưu chỉ tiêu phân bổ cho các đơn vị trực thuộc."))
                    return redirect(_target_url(target))
        else:
            status = 400
    rows = [(row, points_form[f"points_{row.unit.code}"]) for row in view.rows]
    return render(
        request, "programmes/cascade.html",
        {"target": target, "view": view, "rows": rows, "rule_form": rule_form, "points_form": points_form,
         "may_manage": manage},
        status=status,
    )
