"""The leadership dashboard's figures, read from the aggregate tables only (never from the household reviews).

`dashboard_build` returns plain data for the template and for the charts (`chart_data`, passed through
`json_script`). A constant number of queries whatever the number of child units: the unit, its children, one
query for every poverty aggregate the page shows, one for the targets, one for the disbursement aggregates and
one for the project names. Nothing here holds a name or an ID number of a household.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes import targets as arithmetic
from programmes.groups import HouseholdGroup
from programmes.models import Project
from programmes.selectors import poverty_targets_list, unit_visible
from provinces.models import REORGANISATION_DATE, AdministrativeUnit, UnitSuccession, end_of_year
from provinces.selectors import (
    default_successors,
    primary_predecessors,
    units_in_force,
    units_visible_to,
)
from provinces.viewer import Viewer
from reports import publications, tilemap
from reports import selectors as aggregates
from reports.models import DisbursementAggregate, PovertyAggregate
from reports.selectors import FIGURE_FIELDS, PovertyFigures, figures_of

FIRST_TREND_YEAR = 2021
VIEW_CURRENT, VIEW_LEGACY = "current", "legacy"
SOURCE_ORDER = ["central", "local", "other", "credit"]
SOURCE_COLOURS = {"central": "#8a1c1c", "local": "#d9822b", "other": "#2b7bb9", "credit": "#6c757d"}


# --- figures of one unit and year ---------------------------------------------------------------------------------


def points(now: Decimal | None, then: Decimal | None) -> Decimal | None:
    """now − then in percentage points (negative: the rate fell), or None when either is unknown."""
    if now is None or then is None:
        return None
    return arithmetic.quantize2(now - then)


def year_elapsed_percent(*, year: int, today: datetime.date) -> Decimal:
    """The share of the fiscal (calendar) year gone by on `today`: 100 for a past year, 0 for a future one."""
    if year < today.year:
        return Decimal(100)
    if year > today.year:
        return Decimal(0)
    start = datetime.date(year, 1, 1)
    return arithmetic.rate(count=(today - start).days + 1, total=(datetime.date(year + 1, 1, 1) - start).days)


# --- which unit, which year, which view ----------------------------------------------------------------------------


def latest_year_with_data(*, unit: AdministrativeUnit) -> int | None:
    return PovertyAggregate.objects.filter(unit=unit, group=HouseholdGroup.ALL).aggregate(year=Max("year"))["year"]


def dashboard_unit(
    *, viewer: Viewer, code: str | None, year: int | None, view: str | None = None
) -> tuple[AdministrativeUnit | None, int | None]:
    """The unit and year the page shows: `code` as in force at the end of `year` when given (None when out of
    scope or unknown), else the user's own unit; the year defaults to the latest year with figures. With `view`
    (current/legacy) and a year: the unit `code` means in that view (`reports.selectors.unit_for_view`)."""
    if view in aggregates.VIEWS and year:
        unit = aggregates.unit_for_view(code=code or _own_code(viewer), year=year, view=view)
        return (unit if unit is not None and visible_across_2025(viewer=viewer, unit=unit) else None), year
    if code and year:
        return unit_visible(viewer=viewer, code=code, year=year), year
    own = viewer.unit
    if code:
        own = None
        for candidate in AdministrativeUnit.objects.filter(code=code).order_by("-valid_from"):
            latest = latest_year_with_data(unit=candidate)
            if latest is not None:
                return unit_visible(viewer=viewer, code=code, year=latest), latest
        return None, None
    if own is None:
        return None, year
    if year is None:
        # Rule 13 (docs/domain.md §10.2): the latest published year of the scope, else the latest with figures.
        year = default_year(unit=own)
        if year is None:
            return own, None
    return unit_visible(viewer=viewer, code=own.code, year=year), year


def default_year(*, unit: AdministrativeUnit) -> int | None:
    """The year a page opens on: the latest year published in the unit's province that has figures for the unit
    (a later year with data is provisional and never the default), else the latest year with figures."""
    latest = latest_year_with_data(unit=unit)
    published = publications.latest_published_year(province_id=publications.province_id_of(unit), up_to=latest)
    return published or latest


def visible_across_2025(*, viewer: Viewer, unit: AdministrativeUnit) -> bool:
    """Figures (never households) of `unit` may be shown to `user`: it lies in their scope, or it is linked by the
    2025 reorganisation to a unit in their scope (a 2025 province's leaders see the legacy provinces it came from,
    and the reverse). Two small queries."""
    own = units_visible_to(viewer=viewer)
    if own.filter(pk=unit.pk).exists():
        return True
    own_ids = own.values("pk")
    return UnitSuccession.objects.filter(
        Q(predecessor_id=unit.pk, successor_id__in=own_ids) | Q(successor_id=unit.pk, predecessor_id__in=own_ids)
    ).exists()


def _own_code(viewer: Viewer) -> str:
    return viewer.unit.code if viewer.unit is not None else ""


def alternate_view(*, viewer: Viewer, unit: AdministrativeUnit, year: int, view: str) -> dict | None:
    """The same figures under the other set of units, as {view, code, name}: a legacy unit's default 2025
    successor, a 2025 unit's primary predecessor (one or two queries); None when there is none or it lies outside
    the user's scope."""
    if view == VIEW_LEGACY and unit.valid_from < REORGANISATION_DATE:
        target_id = default_successors(unit_ids=[unit.pk]).get(unit.pk)
        other = VIEW_CURRENT
    elif view == VIEW_CURRENT and unit.valid_from >= REORGANISATION_DATE:
        target_id = primary_predecessors(unit_ids=[unit.pk]).get(unit.pk)
        other = VIEW_LEGACY
    else:
        return None
    target = AdministrativeUnit.objects.filter(pk=target_id).only("code", "name").first() if target_id else None
    if target is None or not visible_across_2025(viewer=viewer, unit=target):
        return None
    return {"view": other, "code": target.code, "name": target.name}


def breadcrumbs(*, viewer: Viewer, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """The unit's ancestors down to it, starting at the user's own unit (nothing above their scope)."""
    top_id = viewer.unit_id
    chain = [unit]
    current = unit
    while current.pk != top_id and current.parent_id is not None:
        current = current.parent
        chain.append(current)
    if top_id is not None and chain[-1].pk != top_id:
        return [unit]
    return list(reversed(chain))


# --- the page -------------------------------------------------------------------------------------------------------


class YearOnYear:
    """The figures of the year shown (`now`) against the year before (`before`), for the unit or a child row."""

    now: PovertyFigures | None
    before: PovertyFigures | None

    @property
    def change_points(self) -> Decimal | None:
        return points(self.now.poverty_rate if self.now else None, self.before.poverty_rate if self.before else None)

    @property
    def standard_changed(self) -> bool:
        return bool(self.now and self.before and self.now.standard != self.before.standard)


@dataclass
class ChildRow(YearOnYear):
    unit: AdministrativeUnit
    now: PovertyFigures | None
    before: PovertyFigures | None
    target_rate: Decimal | None


@dataclass
class TrendPoint:
    year: int
    figures: PovertyFigures
    standard_changed: bool


@dataclass
class GroupRow:
    group: str
    label: str
    figures: PovertyFigures | None
    target_rate: Decimal | None


@dataclass
class MoneyRow:
    key: str
    label: str
    allocated: int = 0
    disbursed: int = 0
    by_source: dict = field(default_factory=dict)

    @property
    def rate(self) -> Decimal | None:
        return arithmetic.rate(count=self.disbursed, total=self.allocated)


@dataclass
class Dashboard(YearOnYear):
    unit: AdministrativeUnit
    year: int
    view: str
    crossed: bool
    alternate: dict | None
    breadcrumbs: list
    now: PovertyFigures | None
    before: PovertyFigures | None
    target: object | None
    children: list[ChildRow]
    child_level: str | None
    trend: list[TrendPoint]
    groups: list[GroupRow]
    projects: list[MoneyRow]
    sources: list[MoneyRow]
    money_total: MoneyRow
    elapsed_percent: Decimal
    years: list[int]
    figures_label: object = None  # reports.publications.Label: official (with the decision) or provisional
    later: dict | None = None  # a later provisional year: {"year", "completeness", "level"}

    @property
    def target_rate(self) -> Decimal | None:
        return self.target.target_rate if self.target else None

    @property
    def gap_to_target(self) -> Decimal | None:
        """Current rate − target rate in points (positive: still above the target)."""
        return points(self.now.poverty_rate if self.now else None, self.target_rate)

    @property
    def still_to_exit(self) -> int | None:
        """Households that must still leave poverty for the current figures to meet the target (0: met)."""
        if self.now is None:
            return self.target.households_to_exit if self.target else None
        return arithmetic.households_to_exit(
            baseline_poor=self.now.poor, target_rate=self.target_rate, target_total=self.now.total_households,
            baseline_total=None,
        )

    @property
    def disbursement_gap(self) -> Decimal | None:
        """Disbursement rate − share of the year elapsed, in points (negative: behind time)."""
        return points(self.money_total.rate, self.elapsed_percent)


GROUP_LABELS = {
    HouseholdGroup.ETHNIC_MINORITY: gettext_lazy("Hộ dân tộc thiểu số"),
    HouseholdGroup.POOR_DISTRICT: gettext_lazy("Các huyện nghèo"),
    HouseholdGroup.FEMALE_HEAD: gettext_lazy("Hộ có chủ hộ là nữ"),
}


def _children_of(unit: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    return list(units_in_force(on=end_of_year(year)).filter(parent=unit).order_by("code"))


def _poverty_rows(*, unit: AdministrativeUnit, child_ids: list[int], year: int) -> list[dict]:
    """Every poverty aggregate the page needs, in one query: the unit's rows (every year, every group: trend and
    groups) and its children's rows of this year and the year before."""
    return list(
        PovertyAggregate.objects.filter(
            Q(unit=unit)
            | Q(unit_id__in=child_ids, year__in=[year - 1, year], group=HouseholdGroup.ALL)
        ).values(*FIGURE_FIELDS)
    )


def _money(*, unit: AdministrativeUnit, year: int) -> tuple[list[MoneyRow], list[MoneyRow], MoneyRow]:
    names = dict(Project.objects.values_list("code", "name"))
    rows = DisbursementAggregate.objects.filter(unit=unit, year=year).values_list(
        "source", "project", "month", "allocated_vnd", "disbursed_vnd"
    )
    source_labels = dict(_source_choices())
    projects: dict[str, MoneyRow] = {}
    sources: dict[str, MoneyRow] = {}
    total = MoneyRow("total", _("Tổng cộng"))
    for source, project, _month, allocated, disbursed in rows:
        amount_allocated, amount_disbursed = allocated, disbursed  # month 0 allocates, months 1–12 disburse
        project_row = projects.setdefault(project, MoneyRow(project, names.get(project, project)))
        source_row = sources.setdefault(source, MoneyRow(source, str(source_labels.get(source, source))))
        for row in (project_row, source_row, total):
            row.allocated += amount_allocated
            row.disbursed += amount_disbursed
        cell = project_row.by_source.setdefault(source, {"allocated": 0, "disbursed": 0})
        cell["allocated"] += amount_allocated
        cell["disbursed"] += amount_disbursed
    ordered_sources = sorted(sources.values(), key=lambda row: _source_rank(row.key))
    return sorted(projects.values(), key=lambda row: _project_key(row.key)), ordered_sources, total


def _source_choices():
    from budgets.models import Source

    return Source.choices


def _source_rank(key: str) -> tuple:
    return (SOURCE_ORDER.index(key) if key in SOURCE_ORDER else len(SOURCE_ORDER), key)


def _project_key(code: str) -> list:
    return [int(part) if part.isdigit() else part for part in code.replace("DA", "").split(".")]


def _trend(*, unit: AdministrativeUnit, year: int, view: str, own: dict) -> list[TrendPoint]:
    """2021 → `year` in one view: the unit's own rows, and for the years on the other side of 1 July 2025 the
    figures re-aggregated through the predecessor links (`reports.selectors.poverty_trend`)."""
    figures = {y: f for (y, group), f in own.items() if group == HouseholdGroup.ALL and FIRST_TREND_YEAR <= y <= year}
    missing = [y for y in range(FIRST_TREND_YEAR, year + 1)
               if y not in figures and aggregates.natural_view(y) != view]
    if missing:
        with_data = set(aggregates.poverty_data_years())
        missing = [y for y in missing if y in with_data]
    if missing:
        for trend_year, remapped in aggregates.poverty_trend(unit=unit, years=missing, view=view).items():
            figures[trend_year] = remapped
    trend, previous = [], None
    for trend_year in sorted(figures):
        point = figures[trend_year]
        trend.append(TrendPoint(trend_year, point, bool(previous and previous.standard != point.standard)))
        previous = point
    return trend


def dashboard_build(
    *, viewer: Viewer, unit: AdministrativeUnit, year: int, today: datetime.date, view: str | None = None
) -> Dashboard:
    """Everything the page shows for `unit` and `year`. In the year's natural view (the units in force at the end
    of the year) from one query over the unit's and its children's rows; in the other view (a pre-2025 year under
    today's units or the reverse) the unit's own figures are re-aggregated and the children are not shown."""
    view = view if view in aggregates.VIEWS else aggregates.natural_view(year)
    crossed = view != aggregates.natural_view(year)
    children = [] if crossed else _children_of(unit, year)
    child_ids = [child.pk for child in children]
    rows = _poverty_rows(unit=unit, child_ids=child_ids, year=year)
    # Published years answer from their frozen snapshot (reports.publications), never from a later recompute.
    rows, official = publications.official_rows(rows=rows, unit=unit, child_ids=child_ids, fields=FIGURE_FIELDS)
    own = {(row["year"], row["group"]): figures_of(row) for row in rows if row["unit_id"] == unit.pk}
    if crossed:
        for (wanted_year, group) in [(year, HouseholdGroup.ALL), (year - 1, HouseholdGroup.ALL),
                                     *((year, group) for group in GROUP_LABELS)]:
            figures = aggregates.poverty_under(unit=unit, year=wanted_year, view=view, group=group)
            if figures is not None:
                own[(wanted_year, group)] = figures
    of_children = {
        (row["unit_id"], row["year"]): figures_of(row)
        for row in rows
        if row["unit_id"] != unit.pk and row["group"] == HouseholdGroup.ALL
    }
    targets = list(poverty_targets_list(viewer=viewer, unit=unit, year=year))
    own_targets = {target.group: target for target in targets if target.unit_id == unit.pk}
    child_targets = {
        target.unit_id: target.target_rate for target in targets if target.unit_id != unit.pk
        and target.group == HouseholdGroup.ALL
    }
    trend = _trend(unit=unit, year=year, view=view, own=own)
    projects, sources, money_total = _money(unit=unit, year=year)
    group_targets = {group: target.target_rate for group, target in own_targets.items()}
    return Dashboard(
        unit=unit,
        year=year,
        view=view,
        crossed=crossed,
        alternate=alternate_view(viewer=viewer, unit=unit, year=year, view=view),
        breadcrumbs=breadcrumbs(viewer=viewer, unit=unit),
        now=own.get((year, HouseholdGroup.ALL)),
        before=own.get((year - 1, HouseholdGroup.ALL)),
        target=own_targets.get(HouseholdGroup.ALL),
        children=[
            ChildRow(child, of_children.get((child.pk, year)), of_children.get((child.pk, year - 1)),
                     child_targets.get(child.pk))
            for child in children
        ],
        child_level=children[0].level if children else None,
        trend=trend,
        groups=[
            GroupRow(group, str(label), own.get((year, group)), group_targets.get(group))
            for group, label in GROUP_LABELS.items()
        ],
        projects=projects,
        sources=sources,
        money_total=money_total,
        elapsed_percent=year_elapsed_percent(year=year, today=today),
        years=sorted({point.year for point in trend} | {y for (y, group) in own if group == HouseholdGroup.ALL}
                     | {year}),
        figures_label=publications.figures_label(official.get(year)),
        later=publications.later_provisional(unit=unit, year=year, own_years=[
            y for (y, group) in own if group == HouseholdGroup.ALL], official=official),
    )


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def chart_data(board: Dashboard) -> dict:
    """What static/js/dashboard.js draws: rates in percent (null: unknown), money in million VND."""
    query = {"year": board.year, "view": board.view}
    million = 1_000_000
    return {
        "year": board.year,
        "drillable": board.unit.level != AdministrativeUnit.Level.COMMUNE and not board.crossed,
        "labels": {
            "rate": _("Tỷ lệ hộ nghèo (%)"),
            "target": _("Mục tiêu"),
            "no_data": _("chưa có số liệu"),
            "allocated": _("Kế hoạch vốn"),
            "disbursed": _("Đã giải ngân"),
            "million": _("triệu đồng"),
            "near_poor": _("Tỷ lệ hộ cận nghèo (%)"),
            "standard_change": _("Đổi chuẩn nghèo: không so sánh được với năm trước"),
            "click": _("Bấm để xem chi tiết"),
        },
        "query": query,
        "target_rate": _number(board.target_rate),
        "map": tilemap.board_map(board),  # the tile map of the children (reports/tilemap.py)
        "children": [
            {
                "code": row.unit.code,
                "name": row.unit.name,
                "rate": _number(row.now.poverty_rate) if row.now else None,
                "target": _number(row.target_rate),
                "latitude": row.unit.latitude,
                "longitude": row.unit.longitude,
            }
            for row in board.children
        ],
        "trend": [
            {
                "year": point.year,
                "rate": _number(point.figures.poverty_rate),
                "near_poor_rate": _number(point.figures.near_poverty_rate),
                "standard": point.figures.standard,
                "standard_changed": point.standard_changed,
            }
            for point in board.trend
        ],
        "groups": [
            {"label": row.label, "rate": _number(row.figures.poverty_rate) if row.figures else None,
             "target": _number(row.target_rate)}
            for row in board.groups
        ],
        "projects": [row.key for row in board.projects],
        "sources": [
            {
                "key": source.key,
                "label": source.label,
                "colour": SOURCE_COLOURS.get(source.key, "#6c757d"),
                "allocated": [
                    round(project.by_source.get(source.key, {}).get("allocated", 0) / million, 3)
                    for project in board.projects
                ],
                "disbursed": [
                    round(project.by_source.get(source.key, {}).get("disbursed", 0) / million, 3)
                    for project in board.projects
                ],
            }
            for source in board.sources
        ],
    }
