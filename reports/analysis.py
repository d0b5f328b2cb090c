"""The analysis table (issue 20): the units one level below a chosen unit (or its communes) × a run of review
years, read from the aggregate tables only (never the household reviews), scoped like the stats API.

`analysis_table` returns plain data shared by `GET /api/v1/stats/poverty/table/`, the `/analysis/` page and its
downloads:

* the chosen unit is resolved as the stats API does (`reports.selectors.unit_for_view_visible`: a unit outside
  the caller's scope is None, a 404 for the callers, exactly like an unknown code);
* years in the view's own period are read in one query for every row unit (`PovertyAggregate` rows whose unit
  lies below the chosen unit's code that year and inside the caller's scope); years across the 2025
  reorganisation go through `reports.selectors.poverty_under` per unit, the stats API's re-aggregation;
* the totals per year are the chosen unit's own figures (`reports.selectors.poverty_trend`), the figures the
  stats API answers for it, not a sum of the rows;
* the standard of each year comes from the standards data (`households.selectors.standards_all`, rule 6).

No pandas: the pivot is a dict keyed by (unit code, year), shorter than building and reshaping a DataFrame.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import ApplicationError
from households.classification import standard_for_review_year
from households.selectors import standards_all
from programmes import targets as arithmetic
from programmes.groups import HouseholdGroup
from programmes.models import PovertyTarget
from programmes.selectors import poverty_targets_visible_to
from provinces.models import LEGACY_VALID_TO, REORGANISATION_DATE, AdministrativeUnit, end_of_year
from provinces.selectors import units_in_force, units_visible_to
from reports import selectors
from reports.models import DisbursementAggregate, PovertyAggregate

DISTRICT, COMMUNE = "district", "commune"
LEVELS = (DISTRICT, COMMUNE)
MAX_YEARS = 15
FIRST_YEAR, LAST_YEAR = 2000, 2100

RATE, COUNT = "rate", "count"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: str  # RATE (percent, changes in points) or COUNT (households, changes in households)


MEASURES = {
    measure.key: measure
    for measure in [
        Measure("poverty_rate", gettext_lazy("Tỷ lệ hộ nghèo (%)"), RATE),
        Measure("near_poverty_rate", gettext_lazy("Tỷ lệ hộ cận nghèo (%)"), RATE),
        Measure("multidimensional_poverty_rate", gettext_lazy("Tỷ lệ nghèo đa chiều (nghèo + cận nghèo, %)"), RATE),
        Measure("poor", gettext_lazy("Số hộ nghèo"), COUNT),
        Measure("near_poor", gettext_lazy("Số hộ cận nghèo"), COUNT),
        Measure("escaped", gettext_lazy("Số hộ thoát nghèo"), COUNT),
        Measure("newly_poor", gettext_lazy("Số hộ nghèo phát sinh"), COUNT),
        Measure("re_poor", gettext_lazy("Số hộ tái nghèo"), COUNT),
        Measure("still_to_exit", gettext_lazy("Số hộ còn phải thoát nghèo để đạt mục tiêu"), COUNT),
        Measure("disbursement_rate", gettext_lazy("Tỷ lệ giải ngân (%)"), RATE),
    ]
}
DEFAULT_MEASURE = "poverty_rate"


@dataclass(frozen=True)
class Cell:
    """One unit × year: the poverty figures (None: no aggregate), the unit's poverty target (group all) and its
    disbursement (allocated, disbursed) when known."""

    figures: selectors.PovertyFigures | None
    target: PovertyTarget | None = None
    disbursement: selectors.DisbursementFigures | None = None

    @property
    def has_rates(self) -> bool:
        # As the stats API: no commune reviewed yet means no rate (never 0).
        return self.figures is not None and self.figures.communes_reviewed > 0

    def value(self, measure: str) -> Decimal | int | None:
        figures = self.figures
        if measure == "disbursement_rate":
            return self.disbursement.rate if self.disbursement is not None else None
        if measure == "still_to_exit":
            if self.target is None or self.target.target_rate is None:
                return None
            if figures is None:
                return self.target.households_to_exit
            return arithmetic.households_to_exit(
                baseline_poor=figures.poor, target_rate=self.target.target_rate,
                target_total=figures.total_households, baseline_total=None,
            )
        if figures is None:
            return None
        if MEASURES[measure].kind == RATE:
            return getattr(figures, measure) if self.has_rates else None
        return getattr(figures, measure)


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    cells: dict[int, Cell]


@dataclass(frozen=True)
class AnalysisTable:
    unit: AdministrativeUnit
    level: str
    view: str
    years: list[int]
    rows: list[Row]
    totals: dict[int, Cell]
    standards: dict[int, str] = field(default_factory=dict)  # year → standard code ("" when none applies)

    @property
    def standard_breaks(self) -> set[int]:
        """The years whose standard differs from the year before in the table (rule 6)."""
        return {year for previous, year in zip(self.years, self.years[1:], strict=False)
                if self.standards.get(previous) != self.standards.get(year)}

    def comparable(self, first: int, second: int) -> bool:
        """Both years were classified under the same standard (otherwise no change is shown, rule 6)."""
        return bool(self.standards.get(first)) and self.standards.get(first) == self.standards.get(second)

    @property
    def remapped(self) -> bool:
        return any(selectors.natural_view(year) != self.view for year in self.years)


def change(table: AnalysisTable, cell_from: Cell | None, cell_to: Cell | None, *, measure: str, first: int,
           second: int) -> Decimal | int | None:
    """second − first: percentage points for a rate (never a relative %), households for a count; None when either
    is unknown or the two years were classified under different standards (rule 6)."""
    if cell_from is None or cell_to is None or not table.comparable(first, second):
        return None
    before, after = cell_from.value(measure), cell_to.value(measure)
    if before is None or after is None:
        return None
    if MEASURES[measure].kind == RATE:
        return arithmetic.quantize2(after - before)
    return after - before


# --- reading -----------------------------------------------------------------------------------------------------


def _view_date(year: int, view: str):
    """The day whose units are the table's rows: the end of `year` in its own period, else the view's units."""
    if selectors.natural_view(year) == view:
        return end_of_year(year)
    return max(timezone.localdate(), REORGANISATION_DATE) if view == selectors.CURRENT else LEGACY_VALID_TO


def _below(unit: AdministrativeUnit, prefix: str = "") -> Q:
    return Q(**{f"{prefix}parent_id": unit.pk}) | Q(**{f"{prefix}parent__parent_id": unit.pk})


def analysis_table(
    *, viewer, code: str, level: str, year_from: int, year_to: int, view: str | None = None,
    measures: tuple[str, ...] = (),
) -> AnalysisTable | None:
    """The table, or None when `code` is unknown or outside the user's scope (see the module docstring).

    ApplicationError (400) when no unit of `level` can lie inside the unit. `measures` asks for the target and
    disbursement reads too (one query each); the poverty figures are always read. A constant number of queries
    for the years in the view's own period; a handful per unit and year across the 2025 reorganisation."""
    if level not in LEVELS:
        raise ApplicationError(_("Cấp không hợp lệ: chọn “district” hoặc “commune”."), field="level")
    if year_to < year_from:
        raise ApplicationError(_("Năm cuối phải không nhỏ hơn năm đầu."), field="to")
    if year_to - year_from >= MAX_YEARS:
        raise ApplicationError(_("Chọn tối đa %(count)s năm.") % {"count": MAX_YEARS}, field="to")
    view = view or selectors.natural_view(year_to)
    if view not in selectors.VIEWS:
        raise ApplicationError(_("Cách xem không hợp lệ."), field="view")
    years = list(range(year_from, year_to + 1))
    unit = selectors.unit_for_view_visible(viewer=viewer, code=code, year=year_to, view=view)
    if unit is None:
        return None
    _check_level(unit, level)

    scope = units_visible_to(viewer=viewer)
    on = _view_date(year_to, view)
    units = list(
        (scope & units_in_force(on=on)).filter(_below(unit) | Q(pk=unit.pk), level=level)
        .only("pk", "code", "name").order_by("code")
    )
    names = {row_unit.code: row_unit.name for row_unit in units}
    cells: dict[tuple[str, int], Cell] = {}

    own = [year for year in years if selectors.natural_view(year) == view]
    if own:
        parent = Q(unit__code=unit.code) | Q(unit__parent__code=unit.code)
        if level == COMMUNE and unit.level == AdministrativeUnit.Level.PROVINCE:
            parent |= Q(unit__parent__parent__code=unit.code)
        rows = (
            PovertyAggregate.objects.filter(parent, year__in=own, group=HouseholdGroup.ALL, level=level,
                                            unit__in=scope)
            .select_related("unit").order_by("year", "unit__code")
        )
        for row in rows:
            figures = selectors.figures_of(row, view=view)
            cells[(row.unit.code, row.year)] = Cell(figures)
            names.setdefault(row.unit.code, row.unit.name)
    for year in years:
        if year in own:
            continue
        for row_unit in units:
            figures = selectors.poverty_under(unit=row_unit, year=year, view=view)
            if figures is not None:
                cells[(row_unit.code, year)] = Cell(figures)

    totals = {year: Cell(figures) for year, figures in
              selectors.poverty_trend(unit=unit, years=years, view=view).items()}

    if "still_to_exit" in measures:
        _add_targets(cells, totals, viewer=viewer, unit=unit, years=own, level=level)
    if "disbursement_rate" in measures:
        _add_disbursement(cells, totals, unit=unit, years=own, level=level, scope=scope)

    standards = _standards(years)
    codes = sorted(names)
    table_rows = [Row(code=row_code, name=names[row_code],
                      cells={year: cells.get((row_code, year), Cell(None)) for year in years}) for row_code in codes]
    return AnalysisTable(
        unit=unit, level=level, view=view, years=years, rows=table_rows,
        totals={year: totals.get(year, Cell(None)) for year in years}, standards=standards,
    )


def _check_level(unit: AdministrativeUnit, level: str) -> None:
    """Rows at `level` inside `unit`; a unit at that level is its own only row (a district's officer opening a
    view saved at district level sees their district)."""
    if unit.level == AdministrativeUnit.Level.COMMUNE and level == DISTRICT:
        raise ApplicationError(_("Xã/phường không thuộc cấp huyện: chọn cấp xã."), field="level")
    if level == DISTRICT and not unit.is_legacy:
        raise ApplicationError(
            _("Đơn vị hiện nay không còn cấp huyện (từ 1/7/2025): chọn cấp xã, hoặc xem theo đơn vị cũ."),
            field="level",
        )


def _standards(years: list[int]) -> dict[int, str]:
    """year → the code of the standard its periodic review uses, from the standards data (rule 6). One query."""
    rules = standards_all().rules
    result = {}
    for year in years:
        try:
            result[year] = standard_for_review_year(rules, year).code
        except ValueError:
            result[year] = ""
    return result


def _add_targets(cells, totals, *, viewer, unit, years, level) -> None:
    """The poverty-rate targets (group all) of the chosen unit and its row units for the years in the view's own
    period: one query, through the targets' scoped selector."""
    if not years:
        return
    targets = (
        poverty_targets_visible_to(viewer=viewer)
        .filter(Q(unit__code=unit.code) | Q(unit__parent__code=unit.code) | Q(unit__parent__parent__code=unit.code),
                year__in=years, group=HouseholdGroup.ALL)
        .filter(Q(unit__level=level) | Q(unit__code=unit.code, unit__level=unit.level))
    )
    for target in targets:
        key = (target.unit.code, target.year)
        if target.unit.code == unit.code and target.unit.level == unit.level:
            cell = totals.get(target.year, Cell(None))
            totals[target.year] = Cell(cell.figures, target, cell.disbursement)
        else:
            cell = cells.get(key, Cell(None))
            cells[key] = Cell(cell.figures, target, cell.disbursement)


def _add_disbursement(cells, totals, *, unit, years, level, scope) -> None:
    """Allocated and disbursed funds (rolled up, all sources and projects) of the chosen unit and its row units per
    fiscal year of the view's own period, from `DisbursementAggregate`: one grouped query."""
    if not years:
        return
    rows = (
        DisbursementAggregate.objects.filter(year__in=years, unit__in=scope)
        .filter(Q(unit_id=unit.pk) | Q(_below(unit, "unit__"), unit__level=level))
        .values("unit__code", "unit__level", "year")
        .annotate(allocated=Sum("allocated_vnd"), disbursed=Sum("disbursed_vnd"))
    )
    sums: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        key = (row["unit__code"], row["unit__level"], row["year"])
        sums[key][0] += row["allocated"] or 0
        sums[key][1] += row["disbursed"] or 0
    for (row_code, row_level, year), (allocated, disbursed) in sums.items():
        money = selectors.DisbursementFigures(allocated, disbursed)
        if row_code == unit.code and row_level == unit.level:
            cell = totals.get(year, Cell(None))
            totals[year] = Cell(cell.figures, cell.target, money)
        else:
            cell = cells.get((row_code, year), Cell(None))
            cells[(row_code, year)] = Cell(cell.figures, cell.target, money)


# --- plain data for the API and the downloads ----------------------------------------------------------------------

API_FIELDS = ("total_households", "poor", "near_poor", "poverty_rate", "near_poverty_rate",
              "multidimensional_poverty_rate", "escaped", "newly_poor", "re_poor")


def cell_as_dict(cell: Cell) -> dict:
    """The contract's fields of one cell: counts, rates (Decimal, 2 places), None when unknown."""
    figures = cell.figures
    if figures is None:
        return dict.fromkeys(API_FIELDS)
    data = {name: getattr(figures, name) for name in API_FIELDS}
    if not cell.has_rates:
        data.update(poverty_rate=None, near_poverty_rate=None, multidimensional_poverty_rate=None)
    return data


def table_as_dict(table: AnalysisTable) -> dict:
    return {
        "unit": table.unit.code, "unit_name": table.unit.name, "level": table.level, "view": table.view,
        "years": table.years,
        "rows": [{"unit": row.code, "unit_name": row.name, "year": year, **cell_as_dict(row.cells[year])}
                 for row in table.rows for year in table.years],
        "totals": [{"year": year, **cell_as_dict(table.totals[year])} for year in table.years],
    }
