"""Demo budgets built from the published figures (docs/domain.md §12), through the services.

`budgets_demo_create()` is idempotent: every entry and disbursement carries a `reference`, and a second run
finds them and changes nothing. Provinces missing from the units are skipped and named in the summary; districts
missing from the units (a test world with few units) leave their share on the province's own line, so province
totals are the published ones whatever units exist.

Published figures (exact): Lạng Sơn 2023 344,961 million VND (central 334,913, local 10,048; all 7 projects);
Thái Nguyên 2021–2023 117,325 million (central 108,779, local 8,546); Bắc Kạn 2021–2025 central funds over
473 billion; Hà Tĩnh: 2022 funds carried over into 2023. Everything else (the split by project, district, capital
type and year, the disbursement histories, the decision numbers marked "minh hoạ") is illustrative and says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction

from budgets.models import Allocation, AllocationEntry, CapitalType, Disbursement, Source
from budgets.services import allocation_entry_record, disbursement_record
from programmes.models import PlanDocument, Project, SubProject
from programmes.services import programme_structure_load
from provinces.models import AdministrativeUnit
from provinces.selectors import unit_in_force

M = 1_000_000  # million VND
INV, REC = CapitalType.INVESTMENT, CapitalType.RECURRENT
CENTRAL, LOCAL = Source.CENTRAL, Source.LOCAL
NOTE = "Số liệu minh hoạ theo báo cáo đã công bố"
# Cumulative share of a year's disbursement reached at the end of each month (illustrative, back-loaded as the
# provinces' reports describe), and the same by quarter.
MONTHLY = (0, 0, 0.03, 0.09, 0.17, 0.27, 0.38, 0.48, 0.60, 0.72, 0.85, 1.0)
QUARTERLY = (0, 0, 0.15, 0, 0, 0.40, 0, 0, 0.65, 0, 0, 1.0)
FIRST_HALF = (0, 0, 0.35, 0, 0, 1.0, 0, 0, 0, 0, 0, 0)


@dataclass
class DemoSummary:
    provinces: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    entries: int = 0
    disbursements: int = 0

    def __str__(self) -> str:
        text = (f"{self.entries} bút toán kế hoạch vốn và {self.disbursements} lần giải ngân mới "
                f"({', '.join(self.provinces) or 'không tỉnh nào'})")
        if self.skipped:
            text += f"; chưa có đơn vị: {', '.join(self.skipped)}"
        return text


def split(total: int, weights: list[int]) -> list[int]:
    """`total` in parts proportional to `weights`, whole numbers that add up exactly (largest remainder)."""
    whole = sum(weights)
    parts = [total * weight // whole for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for index in remainders[: total - sum(parts)]:
        parts[index] += 1
    return parts


class Builder:
    """Writes one province's demo budget through the services (acting_user None: a system write)."""

    def __init__(self, summary: DemoSummary, province: AdministrativeUnit, tag: str):
        self.summary, self.province, self.tag = summary, province, tag
        self.projects = {p.code: p for p in Project.objects.filter(programme__code="2021-2025")}
        self.subprojects = {s.code: s for s in SubProject.objects.filter(project__programme__code="2021-2025")}

    def unit(self, code: str | None, year: int) -> AdministrativeUnit:
        """The district `code` if it exists under the province in `year`, else the province itself."""
        if code is None:
            return self.province
        unit = unit_in_force(code=code, year=min(year, 2024))
        return unit if unit is not None and unit.parent_id == self.province.pk else self.province

    def spread(self, total: int, districts, year: int) -> list[tuple[AdministrativeUnit, int]]:
        """`total` split over `districts` ((code or None for the province, weight); None: all to the province),
        summed per unit (a district missing in `year` falls back to the province)."""
        spread = districts or [(None, 1)]
        amounts: dict[int, tuple[AdministrativeUnit, int]] = {}
        for (district, _weight), part in zip(spread, split(total, [weight for _d, weight in spread]), strict=True):
            unit = self.unit(district, year)
            amounts[unit.pk] = (unit, amounts.get(unit.pk, (unit, 0))[1] + part)
        return list(amounts.values())

    def _project(self, code: str):
        if "." in code:
            subproject = self.subprojects[code]
            return subproject.project, subproject
        return self.projects[code], None

    def _ref(self, year: int, code: str, source: str, capital: str, unit, suffix: str) -> str:
        return f"demo-{self.tag}-{year}-{code}-{source[:3]}-{capital[:3]}-{unit.code}-{suffix}"

    def allocate(self, *, year: int, code: str, source: str, capital: str, amount: int, unit, basis, suffix="orig",
                 kind="original", note: str = NOTE) -> Allocation:
        project, subproject = self._project(code)
        number, date, plan = basis
        entry = allocation_entry_record(
            acting_user=None, fiscal_year=year, unit=unit, project=project, subproject=subproject, source=source,
            capital_type=capital, kind=kind, amount_vnd=amount, legal_basis_number=number, legal_basis_date=date,
            plan_document=plan, note=note, reference=self._ref(year, code, source, capital, unit, suffix),
        )
        return entry.allocation

    def disburse(self, line: Allocation, *, share: float, shape=MONTHLY, months=None, year=None) -> None:
        """Disburse `share` of the line's funds over the year, cumulatively following `shape`."""
        line.refresh_from_db()
        year = year or line.fiscal_year
        target = round(line.amount_vnd * share)
        done = 0
        for month, cumulative in enumerate(shape, start=1):
            if months is not None and month not in months:
                continue
            reached = round(target * cumulative)
            if cumulative == 0 or reached <= done:
                continue
            day = 28 if month in (2, 12) else 25
            code = line.subproject.code if line.subproject_id else line.project.code
            disbursement_record(
                acting_user=None, allocation=line, amount_vnd=reached - done,
                disbursed_on=datetime.date(year, month, day), document=f"Minh hoạ {month:02d}/{year}",
                note="Giải ngân minh hoạ",
                reference=self._ref(line.fiscal_year, code, line.source, line.capital_type, line.unit,
                                    f"o{line.origin_year}-m{month:02d}"),
            )
            done = reached

    def carry_over(self, line: Allocation, *, basis) -> Allocation | None:
        """Carry the line's unspent funds into the next year (nothing when it has none, or on a re-run)."""
        line.refresh_from_db()
        code = line.subproject.code if line.subproject_id else line.project.code
        existing = Allocation.objects.filter(
            fiscal_year=line.fiscal_year + 1, origin_year=line.origin_year, unit=line.unit, project=line.project,
            subproject=line.subproject, source=line.source, capital_type=line.capital_type,
        ).first()
        if existing is not None or line.remaining_vnd <= 0:
            return existing
        return self._carry(line, code, basis)

    def carry_over_all(self, lines: list[Allocation], *, basis, shape=FIRST_HALF, share=lambda line: 1.0) -> None:
        """Carry each line's unspent funds into the next year and disburse `share(carried line)` of them."""
        for line in lines:
            carried = self.carry_over(line, basis=basis)
            if carried is not None:
                self.disburse(carried, share=share(carried), shape=shape)

    def years_carried(self, years: dict, *, basis_title: str, first_date: datetime.date, day: tuple[int, int],
                      carry_day: tuple[int, int]):
        """A province funded year after year: yields (year, that year's funds, the allocation's legal basis, dated
        `day` of the year, `first_date` in 2021). Before each later year, the lines the caller set in
        `self.previous` are carried over into it (on `carry_day`)."""
        self.previous: list[Allocation] = []
        for year, funds in years.items():
            basis = (f"{basis_title} năm {year}", datetime.date(year, *day) if year > 2021 else first_date, None)
            if self.previous:
                carry = (f"Minh hoạ: chuyển nguồn {year - 1} sang {year}", datetime.date(year, *carry_day), None)
                self.carry_over_all(self.previous, basis=carry)
            yield year, funds, basis

    def _carry(self, line: Allocation, code: str, basis) -> Allocation:
        project, subproject = self._project(code)
        number, date, plan = basis
        entry = allocation_entry_record(
            acting_user=None, fiscal_year=line.fiscal_year + 1, origin_year=line.origin_year, unit=line.unit,
            project=project, subproject=subproject, source=line.source, capital_type=line.capital_type,
            kind="carry_over", amount_vnd=line.remaining_vnd, legal_basis_number=number, legal_basis_date=date,
            plan_document=plan, note="Vốn năm trước chưa giải ngân hết, được chuyển nguồn (minh hoạ)",
            reference=self._ref(line.fiscal_year + 1, code, line.source, line.capital_type, line.unit,
                                f"carry{line.origin_year}"),
        )
        return entry.allocation


# --- Lạng Sơn 2023: 344,961 million (central 334,913; local 10,048) over the 7 projects ----------------------------

# (project or sub-project, capital type, central million, local million, districts sharing it (code, weight)).
LANG_SON_2023 = [
    ("DA1", INV, 141_850, 4_260, [("181", 55), ("184", 45)]),  # the two poor districts (Decision 353/QĐ-TTg)
    ("DA1", REC, 4_120, 0, None),
    ("DA2", REC, 28_640, 1_050, None),
    ("DA3.1", REC, 52_310, 1_720, [(None, 20), ("181", 45), ("184", 35)]),
    ("DA3.2", REC, 6_425, 230, None),
    ("DA4.1", REC, 24_560, 820, None),
    ("DA4.2", REC, 1_150, 0, None),
    ("DA4.3", REC, 3_870, 0, None),
    ("DA5", REC, 51_200, 1_380, [("181", 50), ("184", 50)]),
    ("DA6.1", REC, 3_120, 140, None),
    ("DA6.2", REC, 2_180, 90, None),
    ("DA7.1", REC, 9_540, 240, None),
    ("DA7.2", REC, 5_948, 118, None),
]
# Mid-year adjustment (illustrative): 2,000 million of central recurrent funds moved from DA3.1 (province's own
# share) to DA4.1; the published totals do not change.
LANG_SON_MOVE = ("DA3.1", "DA4.1", 2_000)
LANG_SON_SHARE = {"DA1": 0.82, "DA2": 0.9, "DA3": 0.88, "DA4": 0.86, "DA5": 0.95, "DA6": 0.92, "DA7": 0.93}


def _lang_son(summary: DemoSummary, province: AdministrativeUnit) -> None:
    build = Builder(summary, province, "20")
    plan = PlanDocument.objects.filter(unit=province, number="62/KH-UBND", issued_on=datetime.date(2023, 3, 13)).first()
    basis = ("62/KH-UBND", datetime.date(2023, 3, 13), plan)
    adjustment = ("Điều chỉnh minh hoạ 2023", datetime.date(2023, 8, 15), None)
    carry = ("Nghị quyết 108/2023/QH15", datetime.date(2023, 11, 29), None)
    source_code, target_code, moved = LANG_SON_MOVE
    lines = []
    for code, capital, central, local, districts in LANG_SON_2023:
        for source, total in ((CENTRAL, central), (LOCAL, local)):
            if not total:
                continue
            for unit, amount in build.spread(total, districts, 2023):
                delta = 0
                if source == CENTRAL and capital == REC and unit == province:
                    delta = moved if code == source_code else -moved if code == target_code else 0
                line = build.allocate(year=2023, code=code, source=source, capital=capital,
                                      amount=(amount + delta) * M, unit=unit, basis=basis)
                if delta:
                    build.allocate(year=2023, code=code, source=source, capital=capital, amount=-delta * M, unit=unit,
                                   basis=adjustment, kind="adjustment", suffix="adj1",
                                   note="Điều chỉnh giữa năm giữa DA3.1 và DA4.1 (minh hoạ)")
                lines.append(line)
    for line in lines:
        build.disburse(line, share=LANG_SON_SHARE[line.project.code])
    build.carry_over_all(lines, basis=carry, shape=QUARTERLY,
                         share=lambda carried: 1.0 if carried.project.code != "DA1" else 0.7)


# --- Thái Nguyên 2021–2023: 117,325 million (central 108,779; local 8,546) ----------------------------------------

THAI_NGUYEN_YEARS = {2021: (8_615, 820), 2022: (46_320, 3_610), 2023: (53_844, 4_116)}
# No poor district or coastal commune (rule 10, docs/domain.md §9): no Dự án 1 or 5.
THAI_NGUYEN_SPLIT = [("DA2", REC, 22), ("DA3.1", REC, 24), ("DA3.2", REC, 5), ("DA4.1", INV, 14),
                     ("DA4.1", REC, 10), ("DA4.3", REC, 9), ("DA6.1", REC, 4), ("DA6.2", REC, 3),
                     ("DA7.1", REC, 6), ("DA7.2", REC, 3)]


def _thai_nguyen(summary: DemoSummary, province: AdministrativeUnit) -> None:
    build = Builder(summary, province, "19")
    weights = [weight for _code, _capital, weight in THAI_NGUYEN_SPLIT]
    for year, (central, local), basis in build.years_carried(
            THAI_NGUYEN_YEARS, basis_title="Minh hoạ: giao vốn", first_date=datetime.date(2021, 11, 15), day=(3, 1),
            carry_day=(1, 20)):
        lines = []
        for source, total in ((CENTRAL, central), (LOCAL, local)):
            for (code, capital, _weight), amount in zip(THAI_NGUYEN_SPLIT, split(total, weights), strict=True):
                if amount:
                    lines.append(build.allocate(year=year, code=code, source=source, capital=capital,
                                                amount=amount * M, unit=province, basis=basis))
        for line in lines:
            build.disburse(line, share=0.94 if year < 2023 else 0.9,
                           shape=QUARTERLY if year > 2021 else (0,) * 11 + (1.0,))
        build.previous = lines


# --- Bắc Kạn 2021–2025: central funds over 473 billion ------------------------------------------------------------

BAC_KAN_YEARS = {2021: 38_450, 2022: 121_870, 2023: 118_640, 2024: 104_230, 2025: 91_060}  # 474,250 million
BAC_KAN_SPLIT = [
    ("DA1", INV, 34, [("060", 50), ("062", 50)]),  # Pác Nặm, Ngân Sơn: the poor districts
    ("DA2", REC, 9, None),
    ("DA3.1", REC, 16, [(None, 10), ("066", 25), ("061", 20), ("060", 25), ("062", 20)]),
    ("DA3.2", REC, 3, None),
    ("DA4.1", REC, 8, None),
    ("DA4.3", REC, 3, None),
    ("DA5", REC, 17, [("060", 50), ("062", 50)]),
    ("DA6.1", REC, 2, None),
    ("DA7.1", REC, 5, [(None, 60), ("066", 20), ("061", 20)]),
    ("DA7.2", REC, 3, None),
]


def _bac_kan(summary: DemoSummary, province: AdministrativeUnit) -> None:
    build = Builder(summary, province, "06")
    weights = [weight for _code, _capital, weight, _districts in BAC_KAN_SPLIT]
    for year, central, basis in build.years_carried(
            BAC_KAN_YEARS, basis_title="Minh hoạ: giao vốn NSTW", first_date=datetime.date(2021, 12, 10), day=(1, 15),
            carry_day=(1, 10)):
        lines = []
        for (code, capital, _weight, districts), amount in zip(BAC_KAN_SPLIT, split(central, weights), strict=True):
            for unit, part in build.spread(amount, districts, year):
                lines.append(build.allocate(year=year, code=code, source=CENTRAL, capital=capital, amount=part * M,
                                            unit=unit, basis=basis))
        for line in lines:
            if year == 2025:  # Bắc Kạn ended on 30/6/2025: its own records stop there
                build.disburse(line, share=0.45, shape=FIRST_HALF)
            else:
                build.disburse(line, share=0.93, shape=QUARTERLY if year > 2021 else (0,) * 11 + (1.0,))
        build.previous = lines if year < 2025 else []


# --- Hà Tĩnh: 2022 funds carried over into 2023 --------------------------------------------------------------------

HA_TINH_YEARS = {2022: (96_540, 8_210), 2023: (88_300, 7_450)}
HA_TINH_SPLIT = [("DA2", REC, 20), ("DA3.1", REC, 26), ("DA3.2", REC, 6), ("DA4.1", REC, 16), ("DA4.3", REC, 10),
                 ("DA6.1", REC, 5), ("DA6.2", REC, 4), ("DA7.1", REC, 8), ("DA7.2", REC, 5)]


def _ha_tinh(summary: DemoSummary, province: AdministrativeUnit) -> None:
    build = Builder(summary, province, "42")
    weights = [weight for _code, _capital, weight in HA_TINH_SPLIT]
    by_year: dict[int, list[Allocation]] = {}
    for year, (central, local) in HA_TINH_YEARS.items():
        basis = (f"Minh hoạ: giao vốn năm {year}", datetime.date(year, 2, 20), None)
        lines = []
        for source, total in ((CENTRAL, central), (LOCAL, local)):
            for (code, capital, _weight), amount in zip(HA_TINH_SPLIT, split(total, weights), strict=True):
                lines.append(build.allocate(year=year, code=code, source=source, capital=capital, amount=amount * M,
                                            unit=province, basis=basis))
        by_year[year] = lines
    for line in by_year[2022]:
        build.disburse(line, share=0.58, shape=QUARTERLY)
    carry = ("Minh hoạ: chuyển nguồn 2022 sang 2023", datetime.date(2023, 1, 18), None)
    for line in by_year[2022]:
        carried = build.carry_over(line, basis=carry)
        if carried is not None:
            build.disburse(carried, share=1.0 if carried.project.code != "DA3" else 0.8, shape=QUARTERLY)
    for line in by_year[2023]:
        build.disburse(line, share=0.84, shape=QUARTERLY)


PROVINCES = [("20", "Lạng Sơn", 2023, _lang_son), ("19", "Thái Nguyên", 2021, _thai_nguyen),
             ("06", "Bắc Kạn", 2021, _bac_kan), ("42", "Hà Tĩnh", 2022, _ha_tinh)]


@transaction.atomic
def budgets_demo_create() -> DemoSummary:
    """The four provinces' demo budgets (idempotent). Loads the programme structure if it is missing."""
    if not Project.objects.filter(programme__code="2021-2025").exists():
        programme_structure_load()
    summary = DemoSummary()
    before = (AllocationEntry.objects.count(), Disbursement.objects.count())
    for code, name, year, build in PROVINCES:
        province = unit_in_force(code=code, year=year)
        if province is None or province.level != AdministrativeUnit.Level.PROVINCE:
            summary.skipped.append(f"{name} ({code})")
            continue
        build(summary, province)
        summary.provinces.append(name)
    summary.entries = AllocationEntry.objects.count() - before[0]
    summary.disbursements = Disbursement.objects.count() - before[1]
    return summary
