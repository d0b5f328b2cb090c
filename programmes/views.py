"""Pages of the programmes app: programme overview, poverty-rate targets (list, detail, form, cascading),
indicators and achievements, poverty-reduction models, plans and decisions.

Thin: the selectors scope every read (a record or unit outside the user's scope is a 404), the services decide
every write (a user who may read a unit but not change it gets a 403). Staff (provincial staff, administrators)
write; everyone else reads.
"""

import datetime
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.api import ApplicationError
from config.audit import history_of, may_see_history
from config.query import query_year
from programmes import selectors, services
from programmes.forms import (
    AchievementForm,
    CascadePointsForm,
    CascadeRuleForm,
    GroupTotalForm,
    IndicatorTargetForm,
    PlanDocumentForm,
    PovertyModelForm,
    PovertyTargetForm,
    TargetFilterForm,
)
from programmes.models import IndicatorTarget, PovertyModel, PovertyTarget, TargetGroup
from programmes.targets import DEFAULT_POOR_DISTRICT_FLOOR, SAME_POINTS, STATUS_RULE
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import profile_of, units_in_force, units_visible_to
from provinces.widgets import unit_picker_attach

PAGE_SIZE = 50


# --- helpers --------------------------------------------------------------------------------------------------------


def _default_year(request) -> int:
    """This year, or the last full year of the user's unit if it ended before the end of this year (a legacy
    unit ended on 30/6/2025: its last full year is 2024)."""
    year = timezone.localdate().year
    profile = profile_of(request.user)
    if profile is not None and profile.unit.valid_to is not None:
        valid_to = profile.unit.valid_to
        last = valid_to.year if valid_to >= end_of_year(valid_to.year) else valid_to.year - 1
        year = min(year, last)
    return year


def _unit_and_year(request) -> tuple[AdministrativeUnit | None, int, TargetFilterForm]:
    """The unit (`?unit=CODE`, else the user's own) at the end of the year (`?year=`, else the default year).
    A code out of scope gives None, as a missing one does."""
    form = TargetFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or _default_year(request)
    if data.get("unit"):
        unit = selectors.unit_visible(user=request.user, code=data["unit"], year=year)
    else:
        unit = selectors.default_unit(user=request.user, year=year)
    if not form.is_bound or not form.is_valid():
        form = TargetFilterForm(initial={"unit": unit.code if unit else "", "year": year})
    unit_picker_attach(form, "unit", user=request.user, on=end_of_year(year))
    return unit, year, form


def _unit_from_query(request, year: int) -> AdministrativeUnit:
    code = request.GET.get("unit", "")
    unit = selectors.unit_visible(user=request.user, code=code, year=year) if code else None
    if unit is None:
        unit = selectors.default_unit(user=request.user, year=year) if not code else None
    if unit is None:
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    return unit


def _year_from_query(request) -> int:
    year = query_year(request.GET)
    if year is None:
        return _default_year(request)
    if not 2016 <= year <= 2100:
        raise Http404
    return year


def _require_manage(request, unit: AdministrativeUnit) -> None:
    if not selectors.may_manage(user=request.user, unit=unit):
        raise PermissionDenied


def _form_error(form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields and not form.fields[error.field].widget.is_hidden else None
    form.add_error(field, error.message)


def _query(**params) -> str:
    return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})


def _form_page(request, *, title: str, form, back: str, intro: str = "", status: int = 200, multipart=False):
    context = {"title": title, "form": form, "back": back, "intro": intro, "multipart": multipart}
    return render(request, "programmes/form_page.html", context, status=status)


# --- programme overview ---------------------------------------------------------------------------------------------


@require_GET
def index(request):
    """The programme periods, the projects and sub-projects of one of them (unconfirmed names marked), and its
    indicators. Constant number of queries."""
    programmes = list(selectors.programmes_all())
    # Default: this year's programme once its structure is loaded, else the latest programme that has one.
    this_year = timezone.localdate().year
    with_projects = [p for p in programmes if p.project_count]
    default = next((p for p in with_projects if p.start_year <= this_year <= p.end_year), None) or (
        with_projects[-1] if with_projects else (programmes[-1] if programmes else None)
    )
    code = request.GET.get("programme") or (default.code if default else "")
    programme = next((p for p in programmes if p.code == code), None)
    if programmes and programme is None:
        raise Http404
    projects = list(selectors.projects_with_subprojects(programme_code=code)) if programme else []
    indicators = [i for i in selectors.indicators_all() if programme and i.programme_id == programme.pk]
    return render(
        request, "programmes/index.html",
        {"programmes": programmes, "programme": programme, "projects": projects, "indicators": indicators},
    )


# --- poverty-rate targets -------------------------------------------------------------------------------------------


@require_GET
def targets(request):
    unit, year, form = _unit_and_year(request)
    rows = list(selectors.poverty_targets_list(user=request.user, unit=unit, year=year)) if unit else []
    return render(
        request, "programmes/targets.html",
        {
            "unit": unit, "year": year, "form": form, "targets": rows, "status_rule": _(STATUS_RULE),
            "may_manage": unit is not None and selectors.may_manage(user=request.user, unit=unit),
        },
    )


def _target_or_404(request, pk: int) -> PovertyTarget:
    target = (
        selectors.poverty_targets_visible_to(user=request.user).select_related("unit__parent").filter(pk=pk).first()
    )
    if target is None:
        raise Http404(_("Không có chỉ tiêu này trong phạm vi của bạn."))
    return target


def _target_url(target: PovertyTarget) -> str:
    return reverse("programmes:target", args=[target.pk])


@require_GET
def target_detail(request, pk: int):
    target = _target_or_404(request, pk)
    visible = units_visible_to(user=request.user).values("pk")
    children = (
        PovertyTarget.objects.filter(cascaded_from=target, unit_id__in=visible)
        .select_related("unit")
        .order_by("unit__code")
    )
    parent = (
        PovertyTarget.objects.filter(pk=target.cascaded_from_id, unit_id__in=visible).select_related("unit").first()
        if target.cascaded_from_id
        else None
    )
    may_manage = selectors.may_manage(user=request.user, unit=target.unit)
    group_form = None
    if may_manage and target.group != TargetGroup.ALL:
        group_form = GroupTotalForm(initial={"year": target.year - 1})
    return render(
        request, "programmes/target_detail.html",
        {
            "target": target, "children": children, "parent": parent, "plans": target.plans.order_by("-issued_on"),
            "may_manage": may_manage, "status_rule": _(STATUS_RULE), "group_form": group_form,
            "has_children": units_in_force(on=end_of_year(target.year)).filter(parent=target.unit).exists(),
            "may_see_history": may_see_history(user=request.user),
            "history": history_of(user=request.user, sources=[(target.history.all(), lambda record: str(target))]),
        },
    )


TARGET_INTRO = _(
    "Chỉ tiêu tỷ lệ hộ nghèo tính bằng điểm phần trăm: “giảm 3%” nghĩa là giảm 3 điểm phần trăm "
    "(8,92% → 5,92%), không phải giảm 3% của tỷ lệ cũ. Có thể nhập mức giảm hoặc tỷ lệ mục tiêu; "
    "hệ thống tính phần còn lại từ tỷ lệ đầu kỳ (kết quả rà soát cuối năm trước)."
)


def _target_save(request, *, unit, year, form, target=None):
    data = form.cleaned_data
    try:
        saved = services.poverty_target_set(
            unit=unit, year=year, group=target.group if target else data["group"], entered_as=data["entered_as"],
            value=data["value"], is_minimum=data["is_minimum"],
            reported_baseline_rate=data.get("reported_baseline_rate"),
            reported_actual_rate=data.get("reported_actual_rate"), note=data.get("note", ""),
            version=data.get("version") if target else None, acting_user=request.user,
        )
    except ApplicationError as error:
        _form_error(form, error)
        return None
    messages.success(request, _("Đã lưu chỉ tiêu giảm nghèo năm %(year)s của %(unit)s.") % {
        "year": year, "unit": unit.name})
    return redirect(_target_url(saved))


@require_http_methods(["GET", "POST"])
def target_create(request):
    year = _year_from_query(request)
    unit = _unit_from_query(request, year)
    _require_manage(request, unit)
    form = PovertyTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _target_save(request, unit=unit, year=year, form=form)
        if response is not None:
            return response
    title = _("Chỉ tiêu giảm nghèo năm %(year)s: %(unit)s") % {"year": year, "unit": unit.name}
    back = reverse("programmes:targets") + _query(unit=unit.code, year=year)
    return _form_page(request, title=title, form=form, back=back, intro=TARGET_INTRO,
                      status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def target_edit(request, pk: int):
    target = _target_or_404(request, pk)
    _require_manage(request, target.unit)
    initial = {
        "group": target.group, "entered_as": target.entered_as, "is_minimum": target.is_minimum,
        "value": target.target_reduction_points if target.entered_as == "points" else target.target_rate,
        "reported_baseline_rate": target.reported_baseline_rate, "reported_actual_rate": target.reported_actual_rate,
        "note": target.note, "version": target.version,
    }
    form = PovertyTargetForm(request.POST or None, initial=initial, fixed_group=True)
    if request.method == "POST" and form.is_valid():
        response = _target_save(request, unit=target.unit, year=target.year, form=form, target=target)
        if response is not None:
            return response
    title = _("Sửa chỉ tiêu giảm nghèo năm %(year)s: %(unit)s") % {"year": target.year, "unit": target.unit.name}
    return _form_page(request, title=title, form=form, back=_target_url(target), intro=TARGET_INTRO,
                      status=400 if form.errors else 200)


@require_POST
def target_delete(request, pk: int):
    target = _target_or_404(request, pk)
    unit, year = target.unit, target.year
    services.poverty_target_delete(target=target, acting_user=request.user)
    messages.success(request, _("Đã xoá chỉ tiêu."))
    return redirect(reverse("programmes:targets") + _query(unit=unit.code, year=year))


@require_POST
def group_total_set(request, pk: int):
    target = _target_or_404(request, pk)
    _require_manage(request, target.unit)
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
    """Staff: queue a recompute of the targets of a unit (and the units above and below it)."""
    from programmes.tasks import poverty_targets_recompute_task

    year = _year_from_query(request)
    unit = _unit_from_query(request, year)
    _require_manage(request, unit)
    transaction.on_commit(lambda: poverty_targets_recompute_task.delay(unit_code=unit.code, year=year))
    messages.success(request, _("Đã yêu cầu tính lại các chỉ tiêu của %(unit)s.") % {"unit": unit.name})
    return redirect(reverse("programmes:targets") + _query(unit=unit.code, year=year))


@require_http_methods(["GET", "POST"])
def target_cascade(request, pk: int):
    """The proposal for splitting a target over the units below, adjustable by staff; shows whether the
    district targets add up to the provincial one in households."""
    target = _target_or_404(request, pk)
    may_manage = selectors.may_manage(user=request.user, unit=target.unit)
    if request.method == "POST" and not may_manage:
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
         "may_manage": may_manage},
        status=status,
    )


# --- indicators and achievements ------------------------------------------------------------------------------------


@require_GET
def indicators(request):
    unit, year, form = _unit_and_year(request)
    progress = selectors.indicator_progress(unit=unit, year=year) if unit else []
    reports = list(selectors.achievements_list(user=request.user, unit=unit, year=year)) if unit else []
    return render(
        request, "programmes/indicators.html",
        {"unit": unit, "year": year, "form": form, "progress": progress, "reports": reports,
         "may_manage": unit is not None and selectors.may_manage(user=request.user, unit=unit)},
    )


@require_http_methods(["GET", "POST"])
def indicator_target_create(request):
    year = _year_from_query(request)
    unit = _unit_from_query(request, year)
    _require_manage(request, unit)
    form = IndicatorTargetForm(request.POST or None, initial={"indicator": request.GET.get("indicator")})
    back = reverse("programmes:indicators") + _query(unit=unit.code, year=year)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_target_set(
                unit=unit, year=year, indicator=form.cleaned_data["indicator"], value=form.cleaned_data["value"],
                note=form.cleaned_data["note"], acting_user=request.user,
            )
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Đã lưu chỉ tiêu."))
            return redirect(back)
    title = _("Chỉ tiêu chỉ số năm %(year)s: %(unit)s") % {"year": year, "unit": unit.name}
    return _form_page(request, title=title, form=form, back=back, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def achievement_create(request):
    year = _year_from_query(request)
    unit = _unit_from_query(request, year)
    _require_manage(request, unit)
    form = AchievementForm(
        request.POST or None,
        initial={"indicator": request.GET.get("indicator"), "period_start": datetime.date(year, 1, 1)},
    )
    back = reverse("programmes:indicators") + _query(unit=unit.code, year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.achievement_record(
                unit=unit, indicator=data["indicator"], period_kind=data["period_kind"],
                period_start=data["period_start"], value=data["value"], reporting_unit=data["reporting_unit"],
                source_note=data["source_note"], acting_user=request.user,
            )
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Đã lưu kết quả thực hiện."))
            return redirect(reverse("programmes:indicators") + _query(unit=unit.code, year=data["period_start"].year))
    title = _("Báo cáo kết quả: %(unit)s") % {"unit": unit.name}
    return _form_page(request, title=title, form=form, back=back, status=400 if form.errors else 200)


# --- poverty-reduction models ---------------------------------------------------------------------------------------


@require_GET
def models_list(request):
    unit, year, form = _unit_and_year(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    project = request.GET.get("project", "")
    queryset = selectors.poverty_models_list(
        user=request.user, unit=unit,
        kind=kind if kind in PovertyModel.Kind.values else "",
        status=status if status in PovertyModel.Status.values else "",
        project_code=project[:10],
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "programmes/models.html",
        {
            "unit": unit, "year": year, "form": form, "page": page, "kind": kind, "status": status,
            "project": project,
            "filters": [
                ("kind", _("Loại"), PovertyModel.Kind.choices, kind),
                ("status", _("Tình trạng"), PovertyModel.Status.choices, status),
                ("project", _("Dự án"), [(code, code) for code in selectors.project_codes()], project),
            ],
            "query": _query(unit=unit.code if unit else "", year=year, kind=kind, status=status, project=project),
            "may_manage": unit is not None and selectors.may_manage(user=request.user, unit=unit),
        },
    )


def _model_or_404(request, pk: int) -> PovertyModel:
    model = selectors.poverty_model_detail(user=request.user, pk=pk)
    if model is None:
        raise Http404(_("Không có mô hình này trong phạm vi của bạn."))
    return model


@require_GET
def model_detail(request, pk: int):
    model = _model_or_404(request, pk)
    return render(
        request, "programmes/model_detail.html",
        {"model": model, "may_manage": selectors.may_manage(user=request.user, unit=model.unit)},
    )


def _communes_of(unit: AdministrativeUnit, on: datetime.date):
    """The communes a model of `unit` may run in: the unit itself if it is a commune, else its communes."""
    return (
        units_in_force(on=on)
        .filter(Q(pk=unit.pk) | Q(parent_id=unit.pk) | Q(parent__parent_id=unit.pk))
        .filter(level=AdministrativeUnit.Level.COMMUNE)
        .order_by("code")
    )


def _model_save(request, *, unit, form, model=None):
    data = form.cleaned_data
    try:
        saved = services.poverty_model_save(
            unit=unit, model=model, acting_user=request.user, name=data["name"], kind=data["kind"],
            project=data["project"], subproject=data["subproject"], communes=data["communes"],
            households_poor=data["households_poor"], households_near_poor=data["households_near_poor"],
            households_newly_escaped=data["households_newly_escaped"], households_other=data["households_other"],
            budget_vnd=data["budget_vnd"], start_date=data["start_date"], end_date=data["end_date"],
            status=data["status"], results=data["results"],
        )
    except ApplicationError as error:
        _form_error(form, error)
        return None
    messages.success(request, _("Đã lưu mô hình “%(name)s”.") % {"name": saved.name})
    return redirect(reverse("programmes:model", args=[saved.pk]))


@require_http_methods(["GET", "POST"])
def model_create(request):
    year = _year_from_query(request)
    unit = _unit_from_query(request, year)
    _require_manage(request, unit)
    form = PovertyModelForm(request.POST or None, communes=_communes_of(unit, end_of_year(year)))
    if request.method == "POST" and form.is_valid():
        response = _model_save(request, unit=unit, form=form)
        if response is not None:
            return response
    title = _("Thêm mô hình giảm nghèo: %(unit)s") % {"unit": unit.name}
    back = reverse("programmes:models") + _query(unit=unit.code, year=year)
    return _form_page(request, title=title, form=form, back=back, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def model_edit(request, pk: int):
    model = _model_or_404(request, pk)
    _require_manage(request, model.unit)
    on = end_of_year(model.start_date.year if model.start_date else _default_year(request))
    initial = {
        field: getattr(model, field)
        for field in ("name", "kind", "project", "subproject", "households_poor", "households_near_poor",
                      "households_newly_escaped", "households_other", "budget_vnd", "start_date", "end_date",
                      "status", "results")
    }
    initial["communes"] = list(model.communes.all())
    form = PovertyModelForm(request.POST or None, initial=initial, communes=_communes_of(model.unit, on))
    if request.method == "POST" and form.is_valid():
        response = _model_save(request, unit=model.unit, form=form, model=model)
        if response is not None:
            return response
    title = _("Sửa mô hình: %(name)s") % {"name": model.name}
    back = reverse("programmes:model", args=[model.pk])
    return _form_page(request, title=title, form=form, back=back, status=400 if form.errors else 200)


# --- plans and decisions --------------------------------------------------------------------------------------------


@require_GET
def plans_list(request):
    unit, year, form = _unit_and_year(request)
    only_year = request.GET.get("year") and year
    queryset = selectors.plan_documents_list(user=request.user, unit=unit, year=only_year) if unit else []
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "programmes/plans.html",
        {"unit": unit, "year": year, "form": form, "page": page,
         "query": _query(unit=unit.code if unit else "", year=only_year or ""),
         "may_manage": unit is not None and selectors.may_manage(user=request.user, unit=unit)},
    )


def _plan_or_404(request, pk: int):
    plan = selectors.plan_document_detail(user=request.user, pk=pk)
    if plan is None:
        raise Http404(_("Không có văn bản này trong phạm vi của bạn."))
    return plan


@require_GET
def plan_detail(request, pk: int):
    plan = _plan_or_404(request, pk)
    return render(
        request, "programmes/plan_detail.html",
        {"plan": plan, "may_manage": selectors.may_manage(user=request.user, unit=plan.unit)},
    )


@require_GET
def plan_file(request, pk: int):
    """The attached file, only to users who may see the plan (media files are never served directly)."""
    plan = _plan_or_404(request, pk)
    if not plan.file:
        raise Http404
    return FileResponse(plan.file.open("rb"), as_attachment=True, filename=Path(plan.file.name).name)


def _plan_targets(unit: AdministrativeUnit):
    subtree = selectors.subtree_q(unit=unit)
    return (
        PovertyTarget.objects.filter(subtree).select_related("unit").order_by("-year", "unit__code", "group"),
        IndicatorTarget.objects.filter(subtree).select_related("unit", "indicator").order_by("-year", "unit__code"),
    )


def _plan_save(request, *, unit, form, plan=None):
    data = form.cleaned_data
    try:
        saved = services.plan_document_save(
            unit=unit, plan=plan, acting_user=request.user, kind=data["kind"], number=data["number"],
            issued_on=data["issued_on"], issuer=data["issuer"], title=data["title"], file=data.get("file"),
            poverty_targets=data["poverty_targets"], indicator_targets=data["indicator_targets"],
        )
    except ApplicationError as error:
        _form_error(form, error)
        return None
    messages.success(request, _("Đã lưu văn bản %(plan)s.") % {"plan": saved})
    return redirect(reverse("programmes:plan", args=[saved.pk]))


@require_http_methods(["GET", "POST"])
def plan_create(request):
    year = _year_from_query(request)
    unit = _unit_from_query(request, year)
    _require_manage(request, unit)
    poverty, indicator = _plan_targets(unit)
    form = PlanDocumentForm(request.POST or None, request.FILES or None, poverty_targets=poverty,
                            indicator_targets=indicator)
    if request.method == "POST" and form.is_valid():
        response = _plan_save(request, unit=unit, form=form)
        if response is not None:
            return response
    title = _("Thêm văn bản: %(unit)s") % {"unit": unit.name}
    back = reverse("programmes:plans") + _query(unit=unit.code)
    return _form_page(request, title=title, form=form, back=back, multipart=True,
                      status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = _plan_or_404(request, pk)
    _require_manage(request, plan.unit)
    poverty, indicator = _plan_targets(plan.unit)
    initial = {
        "kind": plan.kind, "number": plan.number, "issued_on": plan.issued_on, "issuer": plan.issuer,
        "title": plan.title, "poverty_targets": list(plan.poverty_targets.all()),
        "indicator_targets": list(plan.indicator_targets.all()),
    }
    form = PlanDocumentForm(request.POST or None, request.FILES or None, initial=initial, poverty_targets=poverty,
                            indicator_targets=indicator)
    if request.method == "POST" and form.is_valid():
        response = _plan_save(request, unit=plan.unit, form=form, plan=plan)
        if response is not None:
            return response
    title = _("Sửa văn bản: %(plan)s") % {"plan": plan}
    return _form_page(request, title=title, form=form, back=reverse("programmes:plan", args=[plan.pk]),
                      multipart=True, status=400 if form.errors else 200)

