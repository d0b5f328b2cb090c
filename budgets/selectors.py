"""Scoped reads of the budgets app and the disbursement progress every page, export and the API show.

Every page and API view reaches budget rows through these functions: a unit or a record outside the caller's scope
looks exactly like a missing one (404). District officers read their district (and its communes), provincial staff
and leadership their province; provincial staff and administrators write (`may_manage`).

Reconciliation rule (tested in tests/budgets/test_reconciliation.py)
--------------------------------------------------------------------
Every đồng of an allocation is recorded once, on the line of the unit that manages it: the province's own
departments, a district, or a commune. A unit's figure for a year is the sum of **its own lines and the lines of
every unit below it** (its districts and their communes), each line counted exactly once:

    province = province's own lines + Σ districts (each = district's own lines + Σ its communes' lines)

A province's own lines hold what it keeps, never what it handed down: money passed to a district is recorded on
the district's line only (`budgets.services.allocation_distribute` moves it: a negative adjustment on the
province's line and an entry on the district's, in one transaction, so the province total does not change).
So the province figure equals its own figure plus its districts' figures, with nothing counted twice, and the
rows of the "by unit" table always add up to the unit's total.

Carried-over funds are not new money: in the year they arrive they are counted as ``carried_over`` (never as
``allocated``), and the line they left counts them as ``carried_out``. Totals of ``allocated`` over several
years therefore count each đồng once, while each year's progress is disbursed / (allocated + carried over).
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from budgets import rules as budget_rules
from budgets.models import Allocation, AllocationEntry, CapitalType, Disbursement, Source
from programmes.models import Project
from programmes.selectors import list_filtered
from provinces.models import AdministrativeUnit
from provinces.selectors import (
    scope_filter,
    unit_if_visible,
    unit_in_force,
    units_manageable_by,
    units_visible_to,
)
from provinces.viewer import Viewer, viewer_of

SOURCES = list(Source.values)
CAPITAL_TYPES = list(CapitalType.values)


# --- units the caller may read or change ---------------------------------------------------------------------------


def budget_unit(*, code: str, year: int) -> AdministrativeUnit | None:
    """The unit a code means for budget figures of `year`: the unit in force at the end of the year (the
    contract's rule), else the unit with that code in force on 1 January of the year. The second case is only
    the 2025 budget of the provinces and districts that ended on 30/6/2025 (Bắc Kạn "06"): their 2025 funds were
    allocated to them before the reorganisation."""
    unit = unit_in_force(code=code, year=year)
    if unit is not None:
        return unit
    start = datetime.date(year, 1, 1)
    return (
        AdministrativeUnit.objects.filter(code=code, valid_from__lte=start)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .select_related("parent")
        .first()
    )


def unit_visible(*, viewer: Viewer, code: str, year: int) -> AdministrativeUnit | None:
    """`budget_unit` if it lies in the user's scope, else None (out of scope and missing look the same)."""
    return unit_if_visible(viewer=viewer, unit=budget_unit(code=code, year=year))


def default_unit(*, viewer: Viewer, year: int) -> AdministrativeUnit | None:
    """The user's own unit, if it was in force at some time during `year`."""
    unit = viewer_of(viewer).unit
    if unit is None:
        return None
    if not budget_rules.unit_in_force_during(year, valid_from=unit.valid_from, valid_to=unit.valid_to):
        return None
    return unit


def may_manage(*, viewer: Viewer, unit: AdministrativeUnit) -> bool:
    """Provincial staff and administrators write the allocations and disbursements of their province."""
    return units_manageable_by(viewer=viewer).filter(pk=unit.pk).exists()


def province_code_of(unit: AdministrativeUnit) -> str:
    node = unit
    while node.level != AdministrativeUnit.Level.PROVINCE and node.parent_id:
        node = node.parent
    return node.code


# --- lists ---------------------------------------------------------------------------------------------------------


def allocations_visible_to(*, viewer: Viewer) -> QuerySet[Allocation]:
    return Allocation.objects.filter(unit_id__in=units_visible_to(viewer=viewer).values("pk"))


def allocations_list(
    *, viewer: Viewer, unit: AdministrativeUnit, year: int, source: str = "", capital_type: str = "",
    project_code: str = "",
) -> QuerySet[Allocation]:
    """The lines of `unit`'s subtree for `year` with what a list row shows: one query whatever their number."""
    queryset = allocations_visible_to(viewer=viewer).filter(scope_filter(unit=unit, prefix="unit"), fiscal_year=year)
    queryset = list_filtered(queryset, project_code=project_code, source=source, capital_type=capital_type)
    return queryset.select_related("unit", "project", "subproject").order_by(
        "unit__level", "unit__code", "project__order", "subproject__order", "source", "capital_type", "origin_year",
        "pk",
    )


def allocation_detail(*, viewer: Viewer, pk: int) -> Allocation | None:
    return (
        allocations_visible_to(viewer=viewer)
        .select_related("unit__parent", "project__programme", "subproject")
        .filter(pk=pk)
        .first()
    )


def allocation_entries(*, allocation: Allocation) -> QuerySet[AllocationEntry]:
    return allocation.entries.select_related("plan_document", "recorded_by", "carried_from").order_by(
        "legal_basis_date", "pk"
    )


def allocation_disbursements(*, allocation: Allocation) -> QuerySet[Disbursement]:
    return allocation.disbursements.select_related("recorded_by").order_by("disbursed_on", "pk")


def carried_on_entries(*, allocation: Allocation) -> QuerySet[AllocationEntry]:
    """The carry-over entries that took this line's unspent funds into the next year (with their lines)."""
    return allocation.carried_out_entries.select_related("allocation").order_by("legal_basis_date", "pk")


def disbursements_list(*, viewer: Viewer, unit: AdministrativeUnit, year: int) -> QuerySet[Disbursement]:
    """Disbursements against the lines of `unit`'s subtree for `year`, newest first: one query."""
    return (
        Disbursement.objects.filter(
            scope_filter(unit=unit, prefix="allocation__unit"),
            allocation__fiscal_year=year,
            allocation__unit_id__in=units_visible_to(viewer=viewer).values("pk"),
        )
        .select_related("allocation__unit", "allocation__project", "allocation__subproject")
        .order_by("-disbursed_on", "-pk")
    )


# --- progress ------------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Money of a group of lines, whole VND."""

    allocated: int = 0  # the year's own funds: original + adjustments
    carried_over: int = 0  # funds carried in from earlier years
    disbursed: int = 0
    carried_out: int = 0  # unspent funds carried on into the next year

    def add(self, line: Allocation) -> None:
        if line.is_carry_over:
            self.carried_over += line.amount_vnd
        else:
            self.allocated += line.amount_vnd
        self.disbursed += line.disbursed_vnd
        self.carried_out += line.carried_out_vnd

    @property
    def available(self) -> int:
        return self.allocated + self.carried_over

    @property
    def remaining(self) -> int:
        return self.available - self.disbursed - self.carried_out

    @property
    def rate(self) -> Decimal | None:
        """disbursed / (allocated + carried over) × 100, 2 decimals; None when nothing is available."""
        return budget_rules.percent(self.disbursed, self.available)

    def as_dict(self) -> dict:
        return {
            "allocated": self.allocated, "carried_over": self.carried_over, "available": self.available,
            "disbursed": self.disbursed, "carried_out": self.carried_out, "remaining": self.remaining,
            "rate": self.rate,
        }


def _by_key(keys) -> dict[str, Figures]:
    return {key: Figures() for key in keys}


@dataclass
class ProjectRow:
    project: Project
    figures: Figures = field(default_factory=Figures)
    by_source: dict[str, Figures] = field(default_factory=lambda: _by_key(SOURCES))
    by_capital_type: dict[str, Figures] = field(default_factory=lambda: _by_key(CAPITAL_TYPES))


@dataclass
class UnitRow:
    unit: AdministrativeUnit
    is_own: bool  # the unit's own lines (not a unit below it)
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class MonthRow:
    month: int
    disbursed: int
    cumulative: int
    plan_cumulative: int
    plan_percent: Decimal
    is_future: bool


@dataclass(frozen=True)
class FlaggedLine:
    allocation: Allocation
    status: budget_rules.LineStatus


@dataclass
class Progress:
    unit: AdministrativeUnit
    year: int
    today: datetime.date
    total: Figures
    by_source: dict[str, Figures]
    by_capital_type: dict[str, Figures]
    by_project: list[ProjectRow]
    by_unit: list[UnitRow]
    by_month: list[MonthRow]
    counterpart: budget_rules.CounterpartStatus
    flags: list[FlaggedLine]
    statuses: dict[int, budget_rules.LineStatus]
    line_count: int

    @property
    def behind(self) -> list[FlaggedLine]:
        return [flag for flag in self.flags if flag.status.status == budget_rules.BEHIND]

    @property
    def overdue(self) -> list[FlaggedLine]:
        return [flag for flag in self.flags if flag.status.status == budget_rules.OVERDUE]


def _child_of(unit: AdministrativeUnit, line_unit: AdministrativeUnit) -> AdministrativeUnit | None:
    """The child of `unit` that `line_unit` lies in (None: the unit itself)."""
    if line_unit.pk == unit.pk:
        return None
    if line_unit.parent_id == unit.pk:
        return line_unit
    return line_unit.parent


def line_statuses(
    lines, *, today: datetime.date, rules: budget_rules.Rules | None = None
) -> dict[int, budget_rules.LineStatus]:
    """Line pk → where the line stands on `today` (no queries)."""
    rules = rules or budget_rules.load_rules()
    return {
        line.pk: budget_rules.line_status(
            rules=rules, fiscal_year=line.fiscal_year, origin_year=line.origin_year,
            capital_type=line.capital_type, amount=line.amount_vnd, disbursed=line.disbursed_vnd,
            carried_out=line.carried_out_vnd, on=today,
        )
        for line in lines
    }


def disbursement_progress(
    *, unit: AdministrativeUnit, year: int, today: datetime.date | None = None,
    rules: budget_rules.Rules | None = None,
) -> Progress:
    """Allocated, carried over and disbursed funds of `unit` (its own lines and every line below it, see the
    reconciliation rule above) for `year`, by source, capital type, project, unit and month, with the flags.

    Three queries whatever the number of lines: the lines (with unit, parent, project, sub-project), the monthly
    disbursement sums (SQL), and the province code when `unit` is a commune. Call it only for a unit that the
    caller may see (`unit_visible`)."""
    rules = rules or budget_rules.load_rules()
    today = today or timezone.localdate()
    lines = list(
        Allocation.objects.filter(scope_filter(unit=unit, prefix="unit"), fiscal_year=year)
        .select_related("unit__parent", "project", "subproject")
        .order_by("project__order", "project__code", "subproject__order", "unit__code", "source", "capital_type",
                  "origin_year", "pk")
    )
    total = Figures()
    by_source, by_capital_type = _by_key(SOURCES), _by_key(CAPITAL_TYPES)
    projects: dict[int, ProjectRow] = {}
    units: dict[int | None, UnitRow] = {}
    own_central = own_local = 0
    for line in lines:
        total.add(line)
        by_source[line.source].add(line)
        by_capital_type[line.capital_type].add(line)
        row = projects.setdefault(line.project_id, ProjectRow(line.project))
        row.figures.add(line)
        row.by_source[line.source].add(line)
        row.by_capital_type[line.capital_type].add(line)
        child = _child_of(unit, line.unit)
        key = child.pk if child else None
        units.setdefault(key, UnitRow(child or unit, is_own=child is None)).figures.add(line)
        if not line.is_carry_over and line.source == Source.CENTRAL:
            own_central += line.amount_vnd
        elif not line.is_carry_over and line.source == Source.LOCAL:
            own_local += line.amount_vnd
    statuses = line_statuses(lines, today=today, rules=rules)
    flags = [FlaggedLine(line, statuses[line.pk]) for line in lines if statuses[line.pk].is_flagged]
    monthly = dict(
        Disbursement.objects.filter(
            scope_filter(unit=unit, prefix="allocation__unit"), allocation__fiscal_year=year, disbursed_on__year=year
        )
        .annotate(month=ExtractMonth("disbursed_on"))
        .values("month")
        .annotate(total=Sum("amount_vnd"))
        .values_list("month", "total")
    )
    by_month = []
    cumulative = 0
    for month in range(1, 13):
        cumulative += monthly.get(month, 0) or 0
        month_end = datetime.date(year, month, calendar.monthrange(year, month)[1])
        planned = rules.plan_percent(fiscal_year=year, on=month_end)
        by_month.append(MonthRow(
            month=month, disbursed=monthly.get(month, 0) or 0, cumulative=cumulative,
            plan_cumulative=round(planned * total.available / 100),
            plan_percent=Decimal(planned.numerator) / Decimal(planned.denominator),
            is_future=datetime.date(year, month, 1) > today,
        ))
    counterpart = budget_rules.counterpart_status(
        central=own_central, local=own_local, required=rules.counterpart_minimum(province_code_of(unit))
    )
    unit_rows = sorted(units.values(), key=lambda row: (not row.is_own, row.unit.code))
    return Progress(
        unit=unit, year=year, today=today, total=total, by_source=by_source, by_capital_type=by_capital_type,
        by_project=sorted(projects.values(), key=lambda row: (row.project.order, row.project.code)),
        by_unit=unit_rows, by_month=by_month, counterpart=counterpart, flags=flags, statuses=statuses,
        line_count=len(lines),
    )


def totals_by_source_sql(*, unit: AdministrativeUnit, year: int) -> dict[str, dict[str, int]]:
    """Allocated (own funds) and disbursed by source, summed in SQL from the entries and the disbursements
    themselves (not from the line counters): the cross-check used by the export test and by reconciliation."""
    allocated = defaultdict(int)
    for source, total in (
        AllocationEntry.objects.filter(scope_filter(unit=unit, prefix="allocation__unit"),
                                       allocation__fiscal_year=year, allocation__origin_year=year)
        .values("allocation__source").annotate(total=Sum("amount_vnd")).values_list("allocation__source", "total")
    ):
        allocated[source] = total or 0
    disbursed = defaultdict(int)
    for source, total in (
        Disbursement.objects.filter(scope_filter(unit=unit, prefix="allocation__unit"), allocation__fiscal_year=year)
        .values("allocation__source").annotate(total=Sum("amount_vnd")).values_list("allocation__source", "total")
    ):
        disbursed[source] = total or 0
    return {source: {"allocated": allocated[source], "disbursed": disbursed[source]} for source in SOURCES}
