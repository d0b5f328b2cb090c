"""Writes of the programmes app: the programme structure (reference data), poverty-rate targets and their
recompute, cascading, indicator targets and achievements, poverty-reduction models, plans.

Keyword-only functions named <entity>_<verb>, each in its own transaction; no signals. A user who may see a unit
but not change it gets PermissionDenied (403); pages find units through the scoped selectors first, so a unit
out of scope is a 404 before any service is called. `acting_user=None` is a system write (loaders, demo, jobs).
"""

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.followups import after_commit
from programmes import targets as arithmetic
from programmes.groups import TARGET_GROUPS, HouseholdGroup
from programmes.models import (
    Achievement,
    Confidence,
    HouseholdGroupTotal,
    Indicator,
    IndicatorTarget,
    PeriodKind,
    PlanDocument,
    PovertyModel,
    PovertyTarget,
    Programme,
    Project,
    SubProject,
)
from programmes.selectors import may_manage, poverty_counts_for_units, poverty_target_children
from provinces.models import AdministrativeUnit
from provinces.viewer import viewer_of

DATA_DIR = Path(__file__).resolve().parent / "data"
FIRST_YEAR, LAST_YEAR = 2016, 2100
MAX_RATE = Decimal("100.00")
PLAN_FILE_EXTENSIONS = {".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".jpg", ".jpeg", ".png"}
PLAN_FILE_MAX_BYTES = 20 * 1024 * 1024


def _check_manage(*, acting_user, unit: AdministrativeUnit) -> None:
    if acting_user is not None and not may_manage(viewer=viewer_of(acting_user), unit=unit):
        raise PermissionDenied


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise ApplicationError(
            _("Năm %(year)s không hợp lệ (từ %(first)s đến %(last)s).")
            % {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR},
            field="year",
        )


def _decimal(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ApplicationError(_("Giá trị “%(value)s” không phải là số.") % {"value": value}, field=field) from error
    if not number.is_finite():
        raise ApplicationError(_("Giá trị “%(value)s” không phải là số.") % {"value": value}, field=field)
    return number


# --- programme structure --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StructureSummary:
    programmes: int
    projects: int
    subprojects: int
    indicators: int

    def __str__(self) -> str:
        text = _("%(programmes)s chương trình, %(projects)s dự án, %(subprojects)s tiểu dự án, %(indicators)s chỉ số")
        return text % {
            "programmes": self.programmes, "projects": self.projects, "subprojects": self.subprojects,
            "indicators": self.indicators,
        }


def _confidence(value: str) -> str:
    if value not in Confidence.values:
        raise ValueError(f"unknown confidence {value!r}")
    return value


@transaction.atomic
def programme_structure_load(*, data_dir: Path | str | None = None) -> StructureSummary:
    """Create or update the programmes (`programme_*.json`), their projects and sub-projects, and the indicator
    catalogue (`indicators.json`) from `data_dir` (default programmes/data). Idempotent: keyed by codes, a
    second run changes nothing. Projects, sub-projects and indicators missing from the files are left alone
    (models and targets may point at them)."""
    directory = Path(data_dir or DATA_DIR)
    counts = defaultdict(int)
    for path in sorted(directory.glob("programme_*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        programme, _created = Programme.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"], "decision": item.get("decision", ""), "start_year": item["start_year"],
                "end_year": item["end_year"], "note": item.get("note", ""),
                "structure_confidence": _confidence(item.get("structure_confidence", Confidence.CONFIRMED)),
            },
        )
        counts["programmes"] += 1
        for order, project_item in enumerate(item.get("projects", []), start=1):
            project, _created = Project.objects.update_or_create(
                programme=programme, code=project_item["code"],
                defaults={
                    "name": project_item["name"], "confidence": _confidence(project_item["confidence"]),
                    "note": project_item.get("note", ""), "order": order,
                },
            )
            counts["projects"] += 1
            for sub_order, sub_item in enumerate(project_item.get("subprojects", []), start=1):
                SubProject.objects.update_or_create(
                    project=project, code=sub_item["code"],
                    defaults={
                        "name": sub_item["name"], "confidence": _confidence(sub_item["confidence"]),
                        "note": sub_item.get("note", ""), "order": sub_order,
                    },
                )
                counts["subprojects"] += 1
    indicators_path = directory / "indicators.json"
    if indicators_path.exists():
        catalogue = json.loads(indicators_path.read_text(encoding="utf-8"))
        programme = Programme.objects.get(code=catalogue["programme"])
        projects = {p.code: p for p in programme.projects.all()}
        for order, item in enumerate(catalogue["indicators"], start=1):
            if item["aggregation"] not in Indicator.Aggregation.values:
                raise ValueError(f"unknown aggregation {item['aggregation']!r} for {item['code']}")
            Indicator.objects.update_or_create(
                code=item["code"],
                defaults={
                    "programme": programme, "name": item["name"], "unit_of_measure": item["unit_of_measure"],
                    "project": projects[item["project"]] if item.get("project") else None,
                    "aggregation": item["aggregation"], "confidence": _confidence(item.get("confidence", "partial")),
                    "note": item.get("note", ""), "order": order,
                },
            )
            counts["indicators"] += 1
    return StructureSummary(counts["programmes"], counts["projects"], counts["subprojects"], counts["indicators"])


# --- poverty-rate targets -------------------------------------------------------------------------------------------


def _check_target_values(*, entered_as: str, value: Decimal) -> Decimal:
    if entered_as == PovertyTarget.EnteredAs.POINTS:
        if value <= 0 or value > MAX_RATE:
            raise ApplicationError(
                _("Mức giảm phải lớn hơn 0 và không quá 100 điểm phần trăm (ví dụ “giảm 3%” là 3 điểm)."),
                field="value",
            )
    elif entered_as == PovertyTarget.EnteredAs.RATE:
        if value < 0 or value > MAX_RATE:
            raise ApplicationError(_("Tỷ lệ mục tiêu phải từ 0 đến 100%."), field="value")
    else:
        raise ApplicationError(_("Hãy chọn nhập theo mức giảm hoặc theo tỷ lệ mục tiêu."), field="entered_as")
    if value != arithmetic.quantize2(value):
        raise ApplicationError(_("Chỉ nhập tối đa 2 chữ số thập phân."), field="value")
    return value


def _optional_rate(value, *, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    number = _decimal(value, field=field)
    if number < 0 or number > MAX_RATE or number != arithmetic.quantize2(number):
        raise ApplicationError(_("Tỷ lệ phải từ 0 đến 100%, tối đa 2 chữ số thập phân."), field=field)
    return number


@transaction.atomic
def poverty_target_set(
    *,
    unit: AdministrativeUnit,
    year: int,
    group: str,
    entered_as: str,
    value,
    acting_user,
    is_minimum: bool = False,
    reported_baseline_rate=None,
    reported_actual_rate=None,
    note: str = "",
    version: int | None = None,
    cascaded_from: PovertyTarget | None = None,
    as_of: datetime.date | None = None,
) -> PovertyTarget:
    """Create or update the target of (unit, year, group), entered as points or as a target rate, and compute it.

    `version` (from the edit form) rejects a save based on a stale copy. A reduction larger than the known
    baseline rate, or a target rate above it, is refused (the transaction is rolled back).
    """
    _check_manage(acting_user=acting_user, unit=unit)
    _check_year(year)
    if group not in TARGET_GROUPS:
        raise ApplicationError(_("Nhóm không hợp lệ: %(group)s.") % {"group": group}, field="group")
    number = _check_target_values(entered_as=entered_as, value=_decimal(value, field="value"))
    reported_baseline = _optional_rate(reported_baseline_rate, field="reported_baseline_rate")
    reported_actual = _optional_rate(reported_actual_rate, field="reported_actual_rate")
    existing = PovertyTarget.objects.select_for_update().filter(unit=unit, year=year, group=group).first()
    if existing is not None and version is not None and existing.version != version:
        raise ApplicationError(
            _("Chỉ tiêu này vừa được người khác sửa. Hãy mở lại trang để xem bản mới nhất rồi sửa tiếp."),
            field="version",
        )
    is_points = entered_as == PovertyTarget.EnteredAs.POINTS
    target, _created = PovertyTarget.objects.update_or_create(
        unit=unit, year=year, group=group,
        defaults={
            "entered_as": entered_as,
            "target_reduction_points": number if is_points else None,
            "target_rate": None if is_points else number,
            "is_minimum": is_minimum,
            "reported_baseline_rate": reported_baseline,
            "reported_actual_rate": reported_actual,
            "note": note,
            "cascaded_from": cascaded_from or (existing.cascaded_from if existing else None),
            "version": existing.version + 1 if existing else 1,
            "updated_by": acting_user if acting_user is not None and acting_user.is_authenticated else None,
        },
    )
    _recompute([target], as_of=as_of)
    if target.baseline_rate is not None:
        if is_points and number > target.baseline_rate:
            raise ApplicationError(
                _("Mức giảm %(points)s điểm lớn hơn tỷ lệ đầu kỳ %(baseline)s%%.")
                % {"points": number, "baseline": target.baseline_rate},
                field="value",
            )
        if not is_points and number > target.baseline_rate:
            raise ApplicationError(
                _("Tỷ lệ mục tiêu %(rate)s%% cao hơn tỷ lệ đầu kỳ %(baseline)s%%: đó không phải là giảm nghèo.")
                % {"rate": number, "baseline": target.baseline_rate},
                field="value",
            )
    return target


@transaction.atomic
def poverty_target_delete(*, target: PovertyTarget, acting_user) -> None:
    _check_manage(acting_user=acting_user, unit=target.unit)
    target.delete()


@transaction.atomic
def household_group_total_set(
    *, unit: AdministrativeUnit, year: int, group: str, total: int, acting_user, note: str = ""
) -> HouseholdGroupTotal:
    """The denominator of a group's rate (ethnic-minority households, say); recomputes the targets it feeds."""
    _check_manage(acting_user=acting_user, unit=unit)
    _check_year(year)
    if group == HouseholdGroup.ALL or group not in TARGET_GROUPS:
        raise ApplicationError(
            _("Tổng số hộ toàn đơn vị nhập ở trang Đơn vị hành chính, không nhập ở đây."), field="group"
        )
    if int(total) < 0:
        raise ApplicationError(_("Tổng số hộ không được âm."), field="total")
    row, _created = HouseholdGroupTotal.objects.update_or_create(
        unit=unit, year=year, group=group,
        defaults={"total_households": int(total), "source_note": note, "updated_by": acting_user},
    )
    _recompute(
        list(PovertyTarget.objects.filter(unit=unit, group=group, year__in=[year, year + 1]).select_related("unit"))
    )
    return row


COMPUTED_FIELDS = [
    "baseline_rate", "baseline_source", "baseline_poor", "baseline_total_households", "target_total_households",
    "target_rate", "target_reduction_points", "households_to_exit", "actual_rate", "actual_source",
    "estimated_rate", "status", "computed_at",
]


def _recompute(targets: list[PovertyTarget], *, as_of: datetime.date | None = None) -> int:
    """Compute `targets` in place and save their computed fields: counts are read per (year, group) for all their
    units at once (`poverty_counts_for_units`), so the cost does not grow with the number of targets."""
    if not targets:
        return 0
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    batches: dict[tuple[int, str], list[PovertyTarget]] = defaultdict(list)
    for target in targets:
        batches[(target.year, target.group)].append(target)
    for (year, group), batch in batches.items():
        units = {target.unit_id: target.unit for target in batch}.values()
        baseline = poverty_counts_for_units(units=units, year=year - 1, group=group)
        current = poverty_counts_for_units(units=units, year=year, group=group)
        for target in batch:
            before, now_counts = baseline.get(target.unit_id), current.get(target.unit_id)
            result = arithmetic.target_compute(
                target=arithmetic.TargetInput(
                    year=target.year, entered_as=target.entered_as, points=target.target_reduction_points,
                    rate=target.target_rate, reported_baseline_rate=target.reported_baseline_rate,
                    reported_actual_rate=target.reported_actual_rate,
                ),
                baseline=before.as_year_counts() if before else None,
                current=now_counts.as_year_counts() if now_counts else None,
                as_of=as_of,
            )
            target.baseline_rate = result.baseline_rate
            target.baseline_source = result.baseline_source
            target.baseline_poor = result.baseline_poor
            target.baseline_total_households = result.baseline_total
            target.target_total_households = result.target_total
            target.target_rate = result.target_rate
            target.target_reduction_points = result.target_reduction_points
            target.households_to_exit = result.households_to_exit
            target.actual_rate = result.actual_rate
            target.actual_source = result.actual_source
            target.estimated_rate = result.estimated_rate
            target.status = result.status or ""
            target.computed_at = now
    PovertyTarget.objects.bulk_update(targets, COMPUTED_FIELDS, batch_size=500)
    return len(targets)


def poverty_targets_recompute(
    *, unit: AdministrativeUnit | None = None, year: int | None = None, as_of: datetime.date | None = None
) -> int:
    """Recompute baseline, target, households to exit, actual rate and status; returns how many targets.

    * `unit`: the targets of the unit, of the units below it and of the units above it (an import for a
      district changes its province's figures too); None: every unit.
    * `year`: the targets of `year` (its actual rate) and of `year + 1` (its baseline); None: every year.

    Idempotent (the same data gives the same fields); safe to run nightly and after each committed import.
    Runs in one transaction; entered values are never changed.
    """
    queryset = PovertyTarget.objects.select_related("unit")
    if unit is not None:
        ancestors = list(
            AdministrativeUnit.objects.filter(pk=unit.pk).values_list("parent_id", "parent__parent_id").first() or ()
        )
        queryset = queryset.filter(
            Q(unit_id=unit.pk) | Q(unit__parent_id=unit.pk) | Q(unit__parent__parent_id=unit.pk)
            | Q(unit_id__in=[pk for pk in ancestors if pk is not None])
        )
    if year is not None:
        queryset = queryset.filter(year__in=[year, year + 1])
    with transaction.atomic():
        targets = list(queryset.select_for_update(of=("self",)).order_by("pk"))
        return _recompute(targets, as_of=as_of)


def poverty_targets_recompute_request(*, unit: AdministrativeUnit, year: int, acting_user) -> None:
    """Staff ask for a recompute of the targets of `unit` (and the units above and below it) for `year`: the task
    `programmes.poverty_targets_recompute` is queued once the caller's transaction commits. PermissionDenied for a
    user who may not manage the unit."""
    _check_manage(acting_user=acting_user, unit=unit)
    _check_year(year)
    after_commit("programmes.poverty_targets_recompute", unit_code=unit.code, year=year)


@transaction.atomic
def poverty_target_cascade_apply(
    *, target: PovertyTarget, points: dict[str, Decimal | None], acting_user, as_of: datetime.date | None = None
) -> list[PovertyTarget]:
    """Save the (staff-adjusted) split of `target`: one target per unit below, entered as points, linked to the
    parent with `cascaded_from`. Codes with no points are skipped; codes that are not units directly below are
    refused."""
    _check_manage(acting_user=acting_user, unit=target.unit)
    children = {child.code: child for child in poverty_target_children(target=target)}
    unknown = sorted(set(points) - set(children))
    if unknown:
        raise ApplicationError(
            _("Không phải đơn vị trực thuộc: %(codes)s.") % {"codes": ", ".join(unknown)}, field="points"
        )
    saved = []
    for code, value in sorted(points.items()):
        if value is None:
            continue
        saved.append(
            poverty_target_set(
                unit=children[code], year=target.year, group=target.group,
                entered_as=PovertyTarget.EnteredAs.POINTS, value=value, acting_user=acting_user,
                is_minimum=target.is_minimum, cascaded_from=target,
                note=_("Phân bổ từ chỉ tiêu của %(unit)s") % {"unit": target.unit.name}, as_of=as_of,
            )
        )
    return saved


# --- indicators -----------------------------------------------------------------------------------------------------


@transaction.atomic
def indicator_target_set(
    *, unit: AdministrativeUnit, year: int, indicator: Indicator, value, acting_user, note: str = ""
) -> IndicatorTarget:
    _check_manage(acting_user=acting_user, unit=unit)
    _check_year(year)
    number = _decimal(value, field="value")
    if number < 0:
        raise ApplicationError(_("Chỉ tiêu không được âm."), field="value")
    if indicator.aggregation == Indicator.Aggregation.RATIO and number > MAX_RATE:
        raise ApplicationError(_("Chỉ tiêu tỷ lệ không quá 100%."), field="value")
    row, _created = IndicatorTarget.objects.update_or_create(
        unit=unit, year=year, indicator=indicator,
        defaults={"value": number, "note": note, "updated_by": acting_user},
    )
    return row


@transaction.atomic
def achievement_record(
    *,
    unit: AdministrativeUnit,
    indicator: Indicator,
    period_kind: str,
    period_start: datetime.date,
    value,
    reporting_unit: str,
    acting_user,
    source_note: str = "",
) -> Achievement:
    """Record (or correct) what `unit` achieved for `indicator` over one month, quarter or year."""
    _check_manage(acting_user=acting_user, unit=unit)
    if period_kind not in PeriodKind.values:
        raise ApplicationError(_("Kỳ báo cáo không hợp lệ."), field="period_kind")
    if not arithmetic.period_is_aligned(period_kind=period_kind, period_start=period_start):
        raise ApplicationError(
            _("Ngày đầu kỳ phải là ngày đầu tháng, đầu quý (1/1, 1/4, 1/7, 1/10) hoặc đầu năm (1/1)."),
            field="period_start",
        )
    _check_year(period_start.year)
    number = _decimal(value, field="value")
    if number < 0:
        raise ApplicationError(_("Kết quả không được âm."), field="value")
    if indicator.aggregation == Indicator.Aggregation.RATIO and number > MAX_RATE:
        raise ApplicationError(_("Tỷ lệ không quá 100%."), field="value")
    if not reporting_unit.strip():
        raise ApplicationError(_("Hãy ghi đơn vị báo cáo."), field="reporting_unit")
    row, _created = Achievement.objects.update_or_create(
        unit=unit, indicator=indicator, period_kind=period_kind, period_start=period_start,
        defaults={
            "value": number, "reporting_unit": reporting_unit.strip(), "source_note": source_note,
            "updated_by": acting_user,
        },
    )
    return row


# --- poverty-reduction models ---------------------------------------------------------------------------------------


def _check_model_fields(*, unit, project, subproject, communes, start_date, end_date, budget_vnd) -> None:
    if subproject is not None and project is not None and subproject.project_id != project.pk:
        raise ApplicationError(_("Tiểu dự án không thuộc dự án đã chọn."), field="subproject")
    if start_date and end_date and end_date < start_date:
        raise ApplicationError(_("Ngày kết thúc phải sau ngày bắt đầu."), field="end_date")
    if budget_vnd is not None and budget_vnd < 0:
        raise ApplicationError(_("Kinh phí không được âm."), field="budget_vnd")
    inside = set(
        AdministrativeUnit.objects.filter(
            Q(pk=unit.pk) | Q(parent_id=unit.pk) | Q(parent__parent_id=unit.pk),
            pk__in=[c.pk for c in communes], level=AdministrativeUnit.Level.COMMUNE,
        ).values_list("pk", flat=True)
    ) if communes else set()
    outside = [c.name for c in communes if c.pk not in inside]
    if outside:
        raise ApplicationError(
            _("Các xã sau không thuộc %(unit)s: %(names)s.") % {"unit": unit.name, "names": ", ".join(outside)},
            field="communes",
        )


@transaction.atomic
def poverty_model_save(
    *,
    unit: AdministrativeUnit,
    name: str,
    kind: str,
    acting_user,
    model: PovertyModel | None = None,
    project: Project | None = None,
    subproject: SubProject | None = None,
    communes=(),
    households_poor: int = 0,
    households_near_poor: int = 0,
    households_newly_escaped: int = 0,
    households_other: int = 0,
    budget_vnd: int | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    status: str = PovertyModel.Status.IN_PROGRESS,
    results: str = "",
) -> PovertyModel:
    """Create a model (`model` None) or update `model`; the unit must be manageable by the user (both the old and
    the new unit when it moves)."""
    _check_manage(acting_user=acting_user, unit=unit)
    if model is not None:
        _check_manage(acting_user=acting_user, unit=model.unit)
    communes = list(communes)
    if subproject is not None and project is None:
        project = subproject.project
    _check_model_fields(
        unit=unit, project=project, subproject=subproject, communes=communes, start_date=start_date,
        end_date=end_date, budget_vnd=budget_vnd,
    )
    name = " ".join(name.split())
    clash = PovertyModel.objects.filter(unit=unit, name=name)
    if model is not None:
        clash = clash.exclude(pk=model.pk)
    if clash.exists():
        raise ApplicationError(_("Đơn vị đã có mô hình cùng tên."), field="name")
    instance = model or PovertyModel()
    for field, value in {
        "unit": unit, "name": name, "kind": kind, "project": project, "subproject": subproject,
        "households_poor": households_poor, "households_near_poor": households_near_poor,
        "households_newly_escaped": households_newly_escaped, "households_other": households_other,
        "budget_vnd": budget_vnd, "start_date": start_date, "end_date": end_date, "status": status,
        "results": results, "updated_by": acting_user,
    }.items():
        setattr(instance, field, value)
    instance.full_clean(exclude=["communes"], validate_unique=False)
    instance.save()
    instance.communes.set(communes)
    return instance


# --- plans and decisions --------------------------------------------------------------------------------------------


def _check_plan_file(upload) -> None:
    if not upload:
        return
    if Path(upload.name).suffix.lower() not in PLAN_FILE_EXTENSIONS:
        raise ApplicationError(
            _("Chỉ nhận tệp %(kinds)s.") % {"kinds": ", ".join(sorted(PLAN_FILE_EXTENSIONS))}, field="file"
        )
    if upload.size > PLAN_FILE_MAX_BYTES:
        raise ApplicationError(_("Tệp quá lớn (tối đa 20 MB)."), field="file")


@transaction.atomic
def plan_document_save(
    *,
    unit: AdministrativeUnit,
    number: str,
    issued_on: datetime.date,
    issuer: str,
    title: str,
    acting_user,
    plan: PlanDocument | None = None,
    kind: str = PlanDocument.Kind.PLAN,
    file=None,
    poverty_targets=(),
    indicator_targets=(),
) -> PlanDocument:
    """Create (`plan` None) or update a plan or decision and the targets it sets (targets of the unit's
    subtree only)."""
    _check_manage(acting_user=acting_user, unit=unit)
    if plan is not None:
        _check_manage(acting_user=acting_user, unit=plan.unit)
    _check_plan_file(file)
    number = " ".join(number.split())
    if not number:
        raise ApplicationError(_("Hãy nhập số hiệu văn bản (ví dụ 62/KH-UBND)."), field="number")
    clash = PlanDocument.objects.filter(unit=unit, number=number, issued_on=issued_on)
    if plan is not None:
        clash = clash.exclude(pk=plan.pk)
    if clash.exists():
        raise ApplicationError(_("Đã có văn bản cùng số hiệu và ngày ban hành."), field="number")
    poverty_targets, indicator_targets = list(poverty_targets), list(indicator_targets)
    in_subtree = {unit.pk}
    in_subtree |= set(
        AdministrativeUnit.objects.filter(Q(parent=unit) | Q(parent__parent=unit)).values_list("pk", flat=True)
    )
    if any(t.unit_id not in in_subtree for t in [*poverty_targets, *indicator_targets]):
        raise ApplicationError(_("Chỉ gắn được chỉ tiêu của đơn vị ban hành và các đơn vị trực thuộc."),
                               field="poverty_targets")
    instance = plan or PlanDocument()
    for field, value in {
        "unit": unit, "kind": kind, "number": number, "issued_on": issued_on, "issuer": issuer.strip(),
        "title": title.strip(), "updated_by": acting_user,
    }.items():
        setattr(instance, field, value)
    if file:
        instance.file = file
    instance.save()
    instance.poverty_targets.set(poverty_targets)
    instance.indicator_targets.set(indicator_targets)
    return instance
