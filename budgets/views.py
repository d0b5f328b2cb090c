"""Pages of the budgets app: the budget overview of a unit and year, allocation lines (list, detail, forms),
disbursements (list, form), spreadsheet import and the Excel export.

Thin: the selectors scope every read (a unit or a line outside the user's scope is a 404), the services decide every
write (a user who may read a unit but not change it gets a 403 and nothing changes). District officers read their
district; provincial staff and leadership their province; provincial staff write.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from budgets import selectors, services
from budgets.exports import disbursement_report_xlsx
from budgets.formatting import million
from budgets.forms import (
    AdjustmentForm,
    AllocationForm,
    CarryOverForm,
    DisbursementForm,
    DistributeForm,
    UnitYearForm,
)
from budgets.importing.selectors import may_import
from budgets.models import Allocation, AllocationEntry, CapitalType, Disbursement, Source
from budgets.rules import load_rules
from config.audit import history_of, may_see_history
from config.errors import ApplicationError
from programmes.models import PlanDocument, Project
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import units_in_force
from provinces.widgets import unit_picker_attach

PAGE_SIZE = 50


# --- helpers ---------------------------------------------------------------------------------------------------------


def _default_year(request) -> int:
    """This year, or the last year the user's unit was in force (a legacy district: 2025)."""
    year = timezone.localdate().year
    unit = request.viewer.unit
    if unit is not None and unit.valid_to is not None:
        year = min(year, unit.valid_to.year)
    return year


def _unit_and_year(request) -> tuple[AdministrativeUnit | None, int, UnitYearForm]:
    """`?unit=CODE&year=YYYY` (defaults: the user's unit, the default year). A code out of scope gives None."""
    form = UnitYearForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or _default_year(request)
    if data.get("unit"):
        unit = selectors.unit_visible(viewer=request.viewer, code=data["unit"], year=year)
    else:
        unit = selectors.default_unit(viewer=request.viewer, year=year)
    if not form.is_bound or not form.is_valid() or not data.get("unit") or not data.get("year"):
        form = UnitYearForm(initial={"unit": unit.code if unit else data.get("unit", ""), "year": year})
    unit_picker_attach(form, "unit", viewer=request.viewer, on=end_of_year(year))
    return unit, year, form


def _unit_year_or_404(request) -> tuple[AdministrativeUnit, int]:
    unit, year, _form = _unit_and_year(request)
    if unit is None:
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    return unit, year


def _query(**params) -> str:
    return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})


def _nav(request, unit: AdministrativeUnit | None, year: int | None) -> dict:
    """What the budgets tabs need: the unit/year to keep, and whether to show the import tab (no query)."""
    can_import = may_import(viewer=request.viewer)  # config/access.py: budget_imports/create
    return {"nav_query": _query(unit=unit.code if unit else "", year=year), "can_import": can_import}


def _form_error(form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields and not form.fields[error.field].widget.is_hidden else None
    if field is None and error.field == "amount_vnd" and "amount" in form.fields:
        field = "amount"
    form.add_error(field, error.message)


def _form_page(request, *, title: str, form, back: str, intro: str = "", status: int = 200, line=None):
    unit = line.unit if line is not None else None
    year = line.fiscal_year if line is not None else None
    return render(request, "budgets/form_page.html",
                  {"title": title, "form": form, "back": back, "intro": intro, "line": line,
                   **_nav(request, unit, year)}, status=status)


def _line_or_404(request, pk: int) -> Allocation:
    line = selectors.allocation_detail(viewer=request.viewer, pk=pk)
    if line is None:
        raise Http404(_("Không có dòng kế hoạch vốn này trong phạm vi của bạn."))
    return line


def _require_manage(request, unit: AdministrativeUnit) -> None:
    if not selectors.may_manage(viewer=request.viewer, unit=unit):
        raise PermissionDenied(_("Chỉ chuyên viên Sở của tỉnh mới được ghi kế hoạch vốn và giải ngân."))


def _line_url(line: Allocation) -> str:
    return reverse("budgets:allocation", args=[line.pk])


def _project_choices(year: int) -> list[tuple[str, str]]:
    """Projects and sub-projects of the programme period covering `year` (two queries)."""
    choices = []
    projects = Project.objects.filter(programme__start_year__lte=year, programme__end_year__gte=year).prefetch_related(
        "subprojects").order_by("programme__start_year", "order", "code")
    for project in projects:
        choices.append((project.code, f"{project.code}. {project.name}"))
        choices.extend((sub.code, f"— {sub.code}. {sub.name}") for sub in project.subprojects.all())
    return choices


# --- overview --------------------------------------------------------------------------------------------------------


SOURCE_COLOURS = {"central": "#8a1c1c", "local": "#d08c2f", "other": "#3b7d4f", "credit": "#3f5f8f"}


def _chart_data(progress: selectors.Progress) -> dict:
    """Plain data for static/js/budgets.js (json_script): million VND as numbers, labels in the page language."""
    def in_million(vnd: int) -> float:
        return round(vnd / 1_000_000, 3)

    return {
        "projects": [row.project.code for row in progress.by_project],
        "project_names": [row.project.name for row in progress.by_project],
        "sources": [
            {
                "key": source, "label": str(Source(source).label), "colour": SOURCE_COLOURS[source],
                "available": [in_million(row.by_source[source].available) for row in progress.by_project],
                "disbursed": [in_million(row.by_source[source].disbursed) for row in progress.by_project],
            }
            for source in selectors.SOURCES
            if progress.by_source[source].available or progress.by_source[source].disbursed
        ],
        "months": [f"{row.month:02d}/{progress.year}" for row in progress.by_month],
        "cumulative": [None if row.is_future else in_million(row.cumulative) for row in progress.by_month],
        "plan": [in_million(row.plan_cumulative) for row in progress.by_month],
        "labels": {
            "available": _("Tổng vốn (kế hoạch năm và chuyển nguồn)"), "disbursed": _("Đã giải ngân"),
            "unit": _("triệu đồng"),
            "cumulative": _("Giải ngân lũy kế"), "plan": _("Kế hoạch giải ngân lũy kế"),
        },
    }


@require_GET
def index(request):
    """The budget overview of a unit and year: totals, counterpart ratio, stacked bars by project and source,
    the monthly cumulative disbursement against the plan, tables by project and by unit, and the flags."""
    unit, year, form = _unit_and_year(request)
    context = {"unit": unit, "year": year, "form": form, "rules": load_rules(), **_nav(request, unit, year)}
    if unit is not None:
        progress = selectors.disbursement_progress(unit=unit, year=year)
        context.update({
            "progress": progress, "chart": _chart_data(progress),
            "sources": [(source, Source(source).label) for source in selectors.SOURCES],
            "capital_types": [(key, CapitalType(key).label, progress.by_capital_type[key])
                              for key in selectors.CAPITAL_TYPES],
            "may_manage": selectors.may_manage(viewer=request.viewer, unit=unit),
        })
    return render(request, "budgets/overview.html", context)


# --- allocation lines ------------------------------------------------------------------------------------------------


@require_GET
def allocations(request):
    unit, year, form = _unit_and_year(request)
    source = request.GET.get("source", "") if request.GET.get("source") in Source.values else ""
    capital_type = request.GET.get("capital_type", "") if request.GET.get("capital_type") in CapitalType.values else ""
    page = None
    statuses = {}
    if unit is not None:
        queryset = selectors.allocations_list(viewer=request.viewer, unit=unit, year=year, source=source,
                                              capital_type=capital_type)
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        statuses = selectors.line_statuses(page.object_list, today=timezone.localdate())
    rows = [(line, statuses.get(line.pk)) for line in page.object_list] if page else []
    return render(request, "budgets/allocations.html", {
        "unit": unit, "year": year, "form": form, "page": page, "rows": rows,
        "extra": [("source", _("Nguồn vốn"), Source.choices, source),
                  ("capital_type", _("Loại vốn"), CapitalType.choices, capital_type)],
        "query": _query(unit=unit.code if unit else "", year=year, source=source, capital_type=capital_type),
        "may_manage": unit is not None and selectors.may_manage(viewer=request.viewer, unit=unit),
        **_nav(request, unit, year),
    })


@require_GET
def allocation_detail(request, pk: int):
    line = _line_or_404(request, pk)
    status = selectors.line_statuses([line], today=timezone.localdate())[line.pk]
    may_manage = selectors.may_manage(viewer=request.viewer, unit=line.unit)
    return render(request, "budgets/allocation_detail.html", {
        "line": line, "status": status, "entries": selectors.allocation_entries(allocation=line),
        "disbursements": selectors.allocation_disbursements(allocation=line), "may_manage": may_manage,
        "carried_on": selectors.carried_on_entries(allocation=line),
        "has_children": may_manage and not line.is_carry_over and units_in_force(
            on=end_of_year(line.fiscal_year)).filter(parent=line.unit).exists(),
        "may_see_history": may_see_history(viewer=request.viewer),
        "bulk_note": _("Số liệu nhập từ bảng tính ngân sách không ghi từng dòng ở đây: mỗi lần nhập được lưu ở trang "
                       "Nhập số liệu (người tải lên, thời điểm, tên tệp và mã SHA-256)."),
        "history": history_of(viewer=request.viewer, sources=[
            (line.history.all(), lambda record: str(_("Dòng kế hoạch vốn"))),
            (Disbursement.history.filter(allocation_id=line.pk),
             lambda record: _("Giải ngân %(date)s") % {"date": f"{record.disbursed_on:%d/%m/%Y}"}),
        ]),
        **_nav(request, line.unit, line.fiscal_year),
    })


@require_http_methods(["GET", "POST"])
def allocation_create(request):
    unit, year = _unit_year_or_404(request)
    _require_manage(request, unit)
    on = end_of_year(year)
    units = [unit, *units_in_force(on=on).filter(parent=unit).order_by("code")]
    plans = PlanDocument.objects.filter(unit__in=[unit, *([unit.parent] if unit.parent_id else [])]).order_by(
        "-issued_on")
    form = AllocationForm(request.POST or None, units=units, projects=_project_choices(year), plans=plans,
                          initial={"fiscal_year": year, "unit": unit.code})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            target = next(u for u in units if u.code == data["unit"])
            code = data["project"]
            project = Project.objects.filter(
                programme__start_year__lte=data["fiscal_year"], programme__end_year__gte=data["fiscal_year"],
            ).filter(code=code.split(".")[0] if "." in code else code).first()
            subproject = project.subprojects.filter(code=code).first() if project and "." in code else None
            plan = next((p for p in plans if p.pk == data["plan_document"]), None)
            try:
                if project is None:
                    raise ApplicationError(_("Dự án không thuộc chương trình của năm này."), field="project")
                entry = services.allocation_entry_record(
                    acting_user=request.user, fiscal_year=data["fiscal_year"], unit=target, project=project,
                    subproject=subproject, source=data["source"], capital_type=data["capital_type"],
                    kind=data["kind"], amount_vnd=data["amount"], origin_year=data["origin_year"],
                    legal_basis_number=data["legal_basis_number"], legal_basis_date=data["legal_basis_date"],
                    plan_document=plan, note=data["note"],
                )
            except ApplicationError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Đã ghi %(kind)s %(amount)s triệu đồng.") % {
                    "kind": entry.get_kind_display().lower(), "amount": million(entry.amount_vnd)})
                return redirect(_line_url(entry.allocation))
    return _form_page(
        request, title=_("Ghi kế hoạch vốn: %(unit)s · %(year)s") % {"unit": unit.name, "year": year}, form=form,
        back=reverse("budgets:allocations") + _query(unit=unit.code, year=year), status=status,
        intro=_("Mỗi lần giao, điều chỉnh hay chuyển nguồn là một bút toán có ngày và văn bản, không ghi đè. Vốn giao "
                "cho huyện ghi ở dòng của huyện, không ghi thêm ở dòng của tỉnh (tổng của tỉnh = dòng của tỉnh + "
                "các huyện)."),
    )


def _line_action(request, pk: int, *, form_class, title: str, run, intro: str = "", form_kwargs=None):
    line = _line_or_404(request, pk)
    _require_manage(request, line.unit)
    form = form_class(request.POST or None, initial={"version": line.version}, **(form_kwargs or {}))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                message = run(line, form.cleaned_data)
            except ApplicationError as error:
                _form_error(form, error)
            else:
                messages.success(request, message)
                return redirect(_line_url(line))
    return _form_page(request, title=title, form=form, back=_line_url(line), intro=intro, status=status, line=line)


@require_http_methods(["GET", "POST"])
def allocation_adjust(request, pk: int):
    def run(line, data):
        services.allocation_adjust(
            acting_user=request.user, allocation=line, amount_vnd=data["amount"],
            legal_basis_number=data["legal_basis_number"], legal_basis_date=data["legal_basis_date"],
            note=data["note"], expected_version=data["version"],
        )
        return _("Đã ghi điều chỉnh %(amount)s triệu đồng.") % {"amount": million(data["amount"])}

    return _line_action(request, pk, form_class=AdjustmentForm, title=_("Điều chỉnh kế hoạch vốn"), run=run,
                        intro=_("Điều chỉnh là một bút toán mới có ngày và văn bản; các bút toán cũ giữ nguyên."))


@require_http_methods(["GET", "POST"])
def allocation_carry_over(request, pk: int):
    def run(line, data):
        entry = services.allocation_entry_record(
            acting_user=request.user, fiscal_year=line.fiscal_year + 1, origin_year=line.origin_year,
            unit=line.unit, project=line.project, subproject=line.subproject, source=line.source,
            capital_type=line.capital_type, kind=AllocationEntry.Kind.CARRY_OVER, amount_vnd=data["amount"],
            legal_basis_number=data["legal_basis_number"], legal_basis_date=data["legal_basis_date"],
            note=data["note"],
        )
        return _("Đã chuyển nguồn %(amount)s triệu đồng sang năm %(year)s.") % {
            "amount": million(entry.amount_vnd), "year": entry.allocation.fiscal_year}

    return _line_action(
        request, pk, form_class=CarryOverForm, title=_("Chuyển nguồn sang năm sau"), run=run,
        intro=_("Phần chưa giải ngân được chuyển sang dòng vốn chuyển nguồn của năm sau (giữ năm gốc của nguồn vốn)."),
    )


@require_http_methods(["GET", "POST"])
def allocation_distribute(request, pk: int):
    line = _line_or_404(request, pk)
    children = list(units_in_force(on=end_of_year(line.fiscal_year)).filter(parent=line.unit).order_by("code"))

    def run(line, data):
        target = next((unit for unit in children if unit.code == data["unit"]), None)
        if target is None:
            raise ApplicationError(_("Chỉ phân bổ được cho đơn vị cấp dưới."), field="unit")
        services.allocation_distribute(
            acting_user=request.user, allocation=line, unit=target, amount_vnd=data["amount"],
            legal_basis_number=data["legal_basis_number"], legal_basis_date=data["legal_basis_date"],
            note=data["note"], expected_version=data["version"],
        )
        return _("Đã phân bổ %(amount)s triệu đồng cho %(unit)s.") % {"amount": million(data["amount"]),
                                                                       "unit": target.name}

    return _line_action(
        request, pk, form_class=DistributeForm, title=_("Phân bổ cho đơn vị cấp dưới"), run=run,
        form_kwargs={"units": children},
        intro=_("Số tiền chuyển từ dòng này sang dòng cùng dự án, nguồn và loại vốn của đơn vị cấp dưới; tổng của "
                "đơn vị không đổi, không tính trùng."),
    )


@require_http_methods(["GET", "POST"])
def disbursement_create(request, pk: int):
    def run(line, data):
        services.disbursement_record(
            acting_user=request.user, allocation=line, amount_vnd=data["amount"], disbursed_on=data["disbursed_on"],
            document=data["document"], note=data["note"], expected_version=data["version"],
        )
        return _("Đã ghi giải ngân %(amount)s triệu đồng.") % {"amount": million(data["amount"])}

    return _line_action(request, pk, form_class=DisbursementForm, title=_("Ghi giải ngân"), run=run)


# --- disbursements ---------------------------------------------------------------------------------------------------


@require_GET
def disbursements(request):
    unit, year, form = _unit_and_year(request)
    page = None
    if unit is not None:
        page = Paginator(selectors.disbursements_list(viewer=request.viewer, unit=unit, year=year),
                         PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "budgets/disbursements.html", {
        "unit": unit, "year": year, "form": form, "page": page,
        "query": _query(unit=unit.code if unit else "", year=year),
        **_nav(request, unit, year),
    })


# --- export (the import pages are budgets.importing.views) -----------------------------------------------------------


@require_GET
def export(request):
    unit, year = _unit_year_or_404(request)
    progress = selectors.disbursement_progress(unit=unit, year=year)
    content = disbursement_report_xlsx(progress=progress)
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"giai-ngan-{unit.code}-{year}.xlsx")
    return response
