"""Household-level demo reviews that reproduce the published figures (reports/data/demo_figures.json).

Nothing is typed in as an aggregate: for each province and year this writes a review workbook (CSV) of
households with plausible incomes and deprivations, drawn so that the classification engine gives the
published counts, and imports it through the real pipeline as the province's staff. Household totals (the
denominators) are spread over the communes so that they add up exactly. Deterministic: the same seed gives
the same files, so a second run finds every workbook already imported and changes nothing.
"""

import csv
import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File

from households.importing.columns import BASE_COLUMNS, INDICATOR_COLUMNS
from households.importing.pipeline import import_batch_create, import_batch_process, standard_for_year
from households.models import ImportBatch
from provinces.models import AdministrativeUnit, HouseholdTotal, end_of_year
from provinces.selectors import unit_in_force, units_in_force

FIGURES = Path(__file__).resolve().parent.parent / "reports" / "data" / "demo_figures.json"
STAFF = {"06": "so_backan", "20": "so_langson", "42": "so_hatinh", "19": "so_thainguyen"}
ETHNICITIES = {
    "06": [("Tày", 52), ("Nùng", 10), ("Dao", 17), ("Kinh", 12), ("Mông", 9)],
    "20": [("Nùng", 42), ("Tày", 35), ("Kinh", 16), ("Dao", 4), ("Sán Chay", 3)],
    "42": [("Kinh", 98), ("Chứt", 1), ("Lào", 1)],
    "19": [("Kinh", 70), ("Tày", 11), ("Nùng", 6), ("Sán Dìu", 5), ("Dao", 4), ("Sán Chay", 4)],
}
FAMILY = ["Nguyễn", "Hoàng", "Nông", "Lý", "Triệu", "Hà", "Lương", "Bế", "Đinh", "Trần", "Lê", "Phạm", "Vi", "Ma"]
MIDDLE = ["Văn", "Thị", "Đức", "Thu", "Minh", "Ngọc", "Quang", "Thanh"]
GIVEN = ["An", "Bình", "Chiến", "Dung", "Giang", "Hạnh", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Sơn", "Tâm", "Thắm",
         "Tuấn", "Vân", "Xuân", "Yến", "Khánh", "Lộc"]
DECLARED = {
    "poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "middle": "Hộ có mức sống trung bình", "not_poor": "Không nghèo",
}


@dataclass(frozen=True)
class Figure:
    province: str
    district: str | None
    year: int
    total: int
    poor: int
    near_poor: int
    source: str


def figures() -> list[Figure]:
    return [Figure(**entry) for entry in json.loads(FIGURES.read_text(encoding="utf-8"))["units"]]


def _split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of `total` by `weights`: the parts always add up to `total` exactly."""
    scale = sum(weights) or 1.0
    raw = [total * weight / scale for weight in weights]
    parts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class CommunePlan:
    unit: AdministrativeUnit
    weight: float
    propensity: float


def _communes(province: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    return list(
        units_in_force(on=end_of_year(year))
        .filter(level=AdministrativeUnit.Level.COMMUNE, parent__parent=province)
        .select_related("parent").order_by("code")
    )


def _allocate(figure_rows: list[Figure], communes: list[AdministrativeUnit], rng: random.Random):
    """Per commune and year: (total, poor, near_poor), with fixed district figures honoured exactly."""
    plans = [CommunePlan(unit, rng.uniform(0.6, 1.6),
                         rng.uniform(1.8, 3.2) if unit.parent.is_poor_district else rng.uniform(0.4, 1.6))
             for unit in communes]
    result: dict[int, dict[str, tuple[int, int, int]]] = {}
    by_year: dict[int, list[Figure]] = {}
    for row in figure_rows:
        by_year.setdefault(row.year, []).append(row)
    for year, rows in by_year.items():
        province_row = next(row for row in rows if row.district is None)
        fixed = {row.district: row for row in rows if row.district}
        remaining = [plan for plan in plans if plan.unit.parent.code not in fixed]
        groups = [(remaining, province_row.total - sum(r.total for r in fixed.values()),
                   province_row.poor - sum(r.poor for r in fixed.values()),
                   province_row.near_poor - sum(r.near_poor for r in fixed.values()))]
        for code, row in fixed.items():
            groups.append(([plan for plan in plans if plan.unit.parent.code == code], row.total, row.poor,
                           row.near_poor))
        for members, total, poor, near in groups:
            totals = _split(total, [plan.weight for plan in members])
            poors = _split(poor, [plan.weight * plan.propensity for plan in members])
            nears = _split(near, [plan.weight * (0.5 + plan.propensity / 2) for plan in members])
            for plan, t, p, n in zip(members, totals, poors, nears, strict=True):
                if p + n > t:
                    raise ValueError(f"demo figures: commune {plan.unit.code} {year} has {p + n} poor of {t}")
                result.setdefault(plan.unit.code, {})[year] = (t, p, n)
    return plans, result


def _income(rng: random.Random, low: int, high: int) -> int:
    return int(rng.uniform(low, high) // 1000 * 1000)


def _row(rng, *, code, commune, cls, standard, area, ethnicities) -> list:
    line = standard.income_line(area)
    ceiling = standard.middle_ceiling(area) or line * 3 // 2
    if cls == "poor":
        income, deprived = _income(rng, 350_000, line), rng.randint(3, 7)
    elif cls == "near_poor":
        income, deprived = _income(rng, 500_000, line), rng.randint(0, 2)
    elif cls == "middle":
        income, deprived = min(ceiling, _income(rng, line + 1000, ceiling)), rng.randint(0, 3)
    else:
        income, deprived = _income(rng, ceiling + 1000, ceiling * 2), rng.randint(0, 2)
    if cls in ("poor", "near_poor"):
        income = min(income, line)
    keys = list(standard.indicators)
    chosen = set(rng.sample(keys, deprived))
    # Who the household is does not change from year to year: drawn from its code alone.
    person = random.Random(code)
    ethnicity = person.choices([name for name, _w in ethnicities], [w for _n, w in ethnicities])[0]
    name = f"{person.choice(FAMILY)} {person.choice(MIDDLE)} {person.choice(GIVEN)}"
    members = person.randint(1, 7)
    female_head = 1 if person.random() < 0.28 else 0
    declared = cls
    if cls in ("poor", "near_poor") and rng.random() < 0.012:  # a few communes declared otherwise: anomalies
        declared = "near_poor" if cls == "poor" else "poor"
    return [code, name, commune.code, members, income, *[1 if key in chosen else 0 for key in keys],
            DECLARED[declared], ethnicity, female_head]


def reviews_demo_create(*, provinces: list[str] | None = None, stdout=None) -> list[ImportBatch]:
    """Import the demo workbooks for the four provinces (or `provinces`); returns the batches imported now."""
    user_model = get_user_model()
    by_province: dict[str, list[Figure]] = {}
    for row in figures():
        if provinces is None or row.province in provinces:
            by_province.setdefault(row.province, []).append(row)
    imported = []
    for province_code, rows in by_province.items():
        years = sorted({row.year for row in rows})
        province = unit_in_force(code=province_code, year=years[0])
        communes = _communes(province, years[0])
        rng = random.Random(f"demo-{province_code}")
        plans, allocation = _allocate(rows, communes, rng)
        _totals_write(allocation)
        staff = user_model.objects.get(username=STAFF[province_code])
        latent = {plan.unit.code: [rng.random() for _ in range(max(t for t, _p, _n in
                                                                    allocation[plan.unit.code].values()))]
                  for plan in plans}
        previous: dict[str, str] = {}
        for year in years:
            if ImportBatch.objects.filter(original_name=_file_name(province_code, year),
                                          status=ImportBatch.Status.COMMITTED).exists():
                continue  # imported by an earlier run
            standard = standard_for_year(year)
            year_rng = random.Random(f"demo-{province_code}-{year}")
            lines = []
            current: dict[str, str] = {}
            for plan in plans:
                total, poor, near = allocation[plan.unit.code][year]
                scores = latent[plan.unit.code][:total]
                noisy = sorted(range(total), key=lambda i: scores[i] + year_rng.gauss(0, 0.04))
                middle = max(1, (poor + near) // 8)
                for rank, index in enumerate(noisy):
                    code = f"{plan.unit.code}{index:06d}"
                    if rank < poor:
                        cls = "poor"
                    elif rank < poor + near:
                        cls = "near_poor"
                    elif rank < poor + near + middle:
                        cls = "middle"
                    elif previous.get(code) in ("poor", "near_poor", "middle"):
                        cls = "not_poor"  # reviewed because it was on last year's lists
                    else:
                        continue
                    current[code] = cls
                    lines.append(_row(year_rng, code=code, commune=plan.unit, cls=cls, standard=standard,
                                      area=plan.unit.area, ethnicities=ETHNICITIES[province_code]))
            previous = current
            batch = _import(lines, standard=standard, year=year, province_code=province_code, staff=staff)
            if batch is not None:
                imported.append(batch)
                if stdout:
                    stdout.write(f"  {province.name} {year}: {batch.rows} hộ, trạng thái {batch.status}")
    return imported


def _totals_write(allocation: dict[str, dict[int, tuple[int, int, int]]]) -> None:
    years = {year for per_year in allocation.values() for year in per_year}
    rows = []
    for year in years:
        ids = dict(units_in_force(on=end_of_year(year)).filter(code__in=allocation.keys(),
                                                                  level=AdministrativeUnit.Level.COMMUNE)
                   .values_list("code", "pk"))
        for code, per_year in allocation.items():
            if year in per_year:
                rows.append(HouseholdTotal(unit_id=ids[code], year=year, total_households=per_year[year][0],
                                           source=HouseholdTotal.Source.DEMO,
                                           source_note="Dữ liệu minh hoạ (reports/data/demo_figures.json)"))
    HouseholdTotal.objects.bulk_create(
        rows, batch_size=2000, update_conflicts=True, unique_fields=["unit", "year"],
        update_fields=["total_households", "source", "source_note"],
    )


def _file_name(province_code: str, year: int) -> str:
    return f"ra-soat-{province_code}-{year}-minh-hoa.csv"


def _import(lines, *, standard, year, province_code, staff) -> ImportBatch | None:
    header = [column.header for column in BASE_COLUMNS if column.key in (
        "household_code", "head_name", "commune_code", "members", "income_per_capita")]
    header += [column.header for key in standard.indicators for column in INDICATOR_COLUMNS if column.key == key]
    header += ["Phân loại", "Dân tộc", "Chủ hộ là nữ"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / _file_name(province_code, year)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(lines)
        from config.api import ApplicationError

        try:
            with path.open("rb") as handle:
                batch = import_batch_create(uploaded_file=File(handle, name=path.name), year=year, acting_user=staff,
                                            original_name=path.name, enqueue=False)
        except ApplicationError as error:
            if error.extra.get("duplicate_of"):
                return None  # already imported: the demo is idempotent
            raise
        return import_batch_process(batch_id=batch.pk)
