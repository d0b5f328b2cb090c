"""Demo data of the programmes app from the published figures (docs/domain.md §12).

`programmes_demo_create()` is idempotent (everything is keyed by its unique constraint) and writes only
programmes data: targets, indicator targets and achievements, models and plans. Household totals and reviews
(the baselines and actual rates computed from the registry) come from the households and reports demo data;
where the registry has no complete review for a year, the published rate is stored as the target's reported
baseline or actual rate, so the pages show the published figures either way.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from programmes.groups import HouseholdGroup
from programmes.models import (
    Indicator,
    PeriodKind,
    PlanDocument,
    PovertyModel,
    PovertyTarget,
    Project,
    SubProject,
)
from programmes.services import (
    achievement_record,
    indicator_target_set,
    plan_document_save,
    poverty_target_set,
    programme_structure_load,
)
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import unit_in_force, units_in_force

DEMO_YEAR = 2023
POINTS = PovertyTarget.EnteredAs.POINTS
DEMO_NOTE = "Dữ liệu minh hoạ theo số liệu đã công bố"


@dataclass
class DemoSummary:
    provinces: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    targets: int = 0
    indicator_targets: int = 0
    achievements: int = 0
    models: int = 0
    plans: int = 0

    def __str__(self) -> str:
        text = (
            f"{self.targets} chỉ tiêu giảm nghèo, {self.indicator_targets} chỉ tiêu chỉ số, "
            f"{self.achievements} kết quả, {self.models} mô hình, {self.plans} văn bản "
            f"({', '.join(self.provinces) or 'không tỉnh nào'})"
        )
        if self.skipped:
            text += f"; chưa có đơn vị: {', '.join(self.skipped)}"
        return text


def _target(summary: DemoSummary, unit, year: int, group: str, points: str, **extra) -> PovertyTarget:
    summary.targets += 1
    return poverty_target_set(
        unit=unit, year=year, group=group, entered_as=POINTS, value=Decimal(points), acting_user=None, **extra
    )


def _indicator_target(summary: DemoSummary, unit, year: int, code: str, value, note: str = ""):
    summary.indicator_targets += 1
    return indicator_target_set(
        unit=unit, year=year, indicator=Indicator.objects.get(code=code), value=value, acting_user=None,
        note=note or DEMO_NOTE,
    )


def _achievement(summary: DemoSummary, unit, year: int, code: str, value, *, reporting_unit: str, note: str):
    summary.achievements += 1
    return achievement_record(
        unit=unit, indicator=Indicator.objects.get(code=code), period_kind=PeriodKind.YEAR,
        period_start=datetime.date(year, 1, 1), value=value, reporting_unit=reporting_unit, source_note=note,
        acting_user=None,
    )


def _plan(summary: DemoSummary, unit, number: str, issued_on, issuer: str, title: str, kind=PlanDocument.Kind.PLAN,
          poverty_targets=(), indicator_targets=()):
    summary.plans += 1
    plan = PlanDocument.objects.filter(unit=unit, number=number, issued_on=issued_on).first()
    return plan_document_save(
        unit=unit, number=number, issued_on=issued_on, issuer=issuer, title=title, kind=kind, acting_user=None,
        plan=plan, poverty_targets=poverty_targets, indicator_targets=indicator_targets,
    )


def _models(summary: DemoSummary, *, units: list[AdministrativeUnit], specs: list[tuple[str, str, int]],
            project: Project | None, subproject: SubProject | None, start: datetime.date, note: str) -> None:
    """`specs`: (kind, name prefix, how many). Spread over `units` in turn; bulk upsert on (unit, name)."""
    rows = []
    number = 0
    for kind, prefix, count in specs:
        for index in range(1, count + 1):
            unit = units[number % len(units)]
            number += 1
            rows.append(
                PovertyModel(
                    unit=unit, name=f"{prefix} số {index:03d} (minh hoạ)", kind=kind, project=project,
                    subproject=subproject, start_date=start, status=PovertyModel.Status.IN_PROGRESS,
                    households_poor=0, households_near_poor=0, households_newly_escaped=0, households_other=0,
                    results=note,
                )
            )
    PovertyModel.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["unit", "name"],
        update_fields=["kind", "project", "subproject", "start_date", "status", "results"],
    )
    summary.models += len(rows)


def _children(unit: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    return list(units_in_force(on=end_of_year(year)).filter(parent=unit).order_by("code")) or [unit]


def _lang_son(summary: DemoSummary, unit: AdministrativeUnit) -> None:
    all_households = _target(
        summary, unit, DEMO_YEAR, HouseholdGroup.ALL, "3.00", reported_baseline_rate=Decimal("8.92"),
        note="KH 62/KH-UBND: tỷ lệ hộ nghèo cuối 2023 còn 5,92%, giảm 3% (3 điểm %) so với 2022",
    )
    poor_district = _target(
        summary, unit, DEMO_YEAR, HouseholdGroup.POOR_DISTRICT, "5.00", is_minimum=True,
        note="Huyện nghèo: giảm ít nhất 5 điểm % (Bình Gia, Văn Quan)",
    )
    high_poverty = _target(
        summary, unit, DEMO_YEAR, HouseholdGroup.HIGH_POVERTY_COMMUNE, "5.00", is_minimum=True,
        note="Xã có tỷ lệ hộ nghèo cao: giảm ít nhất 5 điểm %",
    )
    ethnic = _target(
        summary, unit, DEMO_YEAR, HouseholdGroup.ETHNIC_MINORITY, "3.00", is_minimum=True,
        note="Hộ dân tộc thiểu số: giảm ít nhất 3 điểm %",
    )
    _plan(
        summary, unit, "62/KH-UBND", datetime.date(2023, 3, 13), "UBND tỉnh Lạng Sơn",
        "Kế hoạch thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững năm 2023",
        poverty_targets=[all_households, poor_district, high_poverty, ethnic],
    )
    _plan(
        summary, unit, "101/KH-UBND", datetime.date(2023, 4, 27), "UBND tỉnh Lạng Sơn",
        "Kế hoạch rà soát hộ nghèo, hộ cận nghèo; hộ làm nông nghiệp, lâm nghiệp, ngư nghiệp và diêm nghiệp có mức "
        "sống trung bình năm 2023",
    )
    _plan(
        summary, unit, "47-NQ/TU", datetime.date(2021, 9, 9), "Tỉnh uỷ Lạng Sơn",
        "Nghị quyết về giảm nghèo bền vững giai đoạn 2021–2025, định hướng đến năm 2030",
        kind=PlanDocument.Kind.RESOLUTION,
    )


def _ha_tinh(summary: DemoSummary, unit: AdministrativeUnit):
    target = _target(
        summary, unit, DEMO_YEAR, HouseholdGroup.ALL, "0.65", reported_baseline_rate=Decimal("3.79"),
        note="Kế hoạch 2023: giảm 0,6–0,7 điểm %; theo dõi theo mức giữa 0,65",
    )
    indicator_targets = [
        _indicator_target(summary, unit, DEMO_YEAR, "models_replicated", 30, "Nhân rộng trên 30 mô hình giảm nghèo"),
        _indicator_target(summary, unit, DEMO_YEAR, "poor_workers_capacity_share", 70,
                          "70% thành viên trong độ tuổi lao động của hộ nghèo được hỗ trợ nâng cao năng lực sản xuất"),
        _indicator_target(summary, unit, DEMO_YEAR, "staff_trained_share", 100,
                          "100% cán bộ làm công tác giảm nghèo được tập huấn"),
    ]
    project = Project.objects.filter(programme__code="2021-2025", code="DA2").first()
    _models(
        summary, units=_children(unit, DEMO_YEAR), project=project, subproject=None,
        start=datetime.date(DEMO_YEAR, 3, 1), note="Hà Tĩnh 2023: nhân rộng trên 30 mô hình giảm nghèo.",
        specs=[
            (PovertyModel.Kind.PRODUCTION, "Mô hình chăn nuôi, trồng trọt giảm nghèo", 16),
            (PovertyModel.Kind.BUSINESS, "Mô hình kinh doanh, dịch vụ giảm nghèo", 8),
            (PovertyModel.Kind.COMMUNITY, "Mô hình cộng đồng giảm nghèo", 7),
        ],
    )
    _achievement(summary, unit, DEMO_YEAR, "models_replicated", 31, reporting_unit="Sở LĐ-TB&XH Hà Tĩnh",
                 note="Minh hoạ: số mô hình trong danh sách (công bố: trên 30)")
    return target, indicator_targets


def _bac_kan(summary: DemoSummary, unit: AdministrativeUnit) -> None:
    reported = {2022: ("26.93", "24.71"), 2023: ("24.71", "22.25"), 2024: ("22.25", None)}
    for year, (baseline, actual) in reported.items():
        if unit_in_force(code=unit.code, year=year) != unit:
            continue
        _target(
            summary, unit, year, HouseholdGroup.ALL, "2.00", is_minimum=True, reported_baseline_rate=Decimal(baseline),
            reported_actual_rate=Decimal(actual) if actual else None,
            note="Mục tiêu của tỉnh: giảm 2–2,5 điểm %/năm; theo dõi theo mức tối thiểu 2,00",
        )
    note = "Lũy kế từ 2021 theo báo cáo của tỉnh (báo chí 2023–2024); minh hoạ"
    reporter = "Sở LĐ-TB&XH Bắc Kạn"
    for code, value in [("workers_jobs", 21500), ("workers_abroad", 1693), ("workers_vocational_training", 14600),
                        ("production_projects", 157)]:
        _achievement(summary, unit, DEMO_YEAR, code, value, reporting_unit=reporter, note=note)
    subproject = SubProject.objects.filter(project__programme__code="2021-2025", code="DA3.1").first()
    _models(
        summary, units=_children(unit, DEMO_YEAR), project=subproject.project if subproject else None,
        subproject=subproject, start=datetime.date(2022, 6, 1),
        note="Bắc Kạn 2021–2025: 157 dự án hỗ trợ phát triển sản xuất (10 chuỗi giá trị, 147 cộng đồng).",
        specs=[
            (PovertyModel.Kind.VALUE_CHAIN, "Dự án liên kết chuỗi giá trị", 10),
            (PovertyModel.Kind.COMMUNITY, "Dự án hỗ trợ phát triển sản xuất cộng đồng", 147),
        ],
    )


def _thai_nguyen(summary: DemoSummary, unit: AdministrativeUnit) -> None:
    [
        _indicator_target(summary, unit, DEMO_YEAR, "households_out_of_poverty", 3365,
                          "Năm 2023: 4.711 hộ thoát nghèo và cận nghèo, trong đó 3.365 hộ nghèo"),
        _indicator_target(summary, unit, DEMO_YEAR, "households_out_of_near_poverty", 1346,
                          "Năm 2023: 4.711 hộ thoát nghèo và cận nghèo, trong đó 1.346 hộ cận nghèo"),
        _indicator_target(summary, unit, DEMO_YEAR, "models_replicated", 20, "Ít nhất 20 mô hình giảm nghèo"),
    ]
    project = Project.objects.filter(programme__code="2021-2025", code="DA2").first()
    _models(
        summary, units=_children(unit, DEMO_YEAR), project=project, subproject=None,
        start=datetime.date(DEMO_YEAR, 4, 1),
        note="Thái Nguyên 2023: ít nhất 20 mô hình (sản xuất, kinh doanh, dịch vụ, du lịch, khởi nghiệp).",
        specs=[
            (PovertyModel.Kind.PRODUCTION, "Mô hình sản xuất giảm nghèo", 8),
            (PovertyModel.Kind.BUSINESS, "Mô hình kinh doanh giảm nghèo", 4),
            (PovertyModel.Kind.TOURISM, "Mô hình du lịch cộng đồng", 4),
            (PovertyModel.Kind.STARTUP, "Mô hình khởi nghiệp", 4),
        ],
    )


PROVINCES = [("20", "Lạng Sơn", _lang_son), ("42", "Hà Tĩnh", _ha_tinh), ("06", "Bắc Kạn", _bac_kan),
             ("19", "Thái Nguyên", _thai_nguyen)]


@transaction.atomic
def programmes_demo_create() -> DemoSummary:
    """The programme structure, then the four provinces' targets, indicators, models and plans (units in force
    at the end of 2023; a province missing from the units is skipped and named in the summary)."""
    programme_structure_load()
    summary = DemoSummary()
    for code, name, build in PROVINCES:
        unit = unit_in_force(code=code, year=DEMO_YEAR)
        if unit is None:
            summary.skipped.append(f"{name} ({code})")
            continue
        build(summary, unit)
        summary.provinces.append(name)
    return summary
