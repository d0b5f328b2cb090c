"""Scoped reads of the aggregate tables: what the stats API, the dashboard and the exports show.

Only `PovertyAggregate` / `DisbursementAggregate` rows are read here, never household reviews. Rates are computed on
read (Decimal, 2 places, ROUND_HALF_UP; None when the denominator is unknown), so every reader shows the same figure.

Across the 2025 reorganisation (`poverty_under`):

* view ``current``: figures of a review year before 1 July 2025 shown under today's units. Legacy communes' figures
  go to their default 2025 successor (`provinces.selectors.default_successors`); a 2025 province takes the whole
  legacy provinces whose default successor it is. Household counts are conserved (sum in = sum out).
* view ``legacy``: figures of 2025 and later shown under the legacy units: each 2025 commune's figures go to its
  primary predecessor (`provinces.selectors.primary_predecessors`), then up that commune's legacy district and
  province.

In both views a denominator is the sum of the mapped units' denominators, unknown (None) if any of them is.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from programmes.groups import HouseholdGroup
from programmes.targets import rate
from provinces.models import (
    LEGACY_VALID_TO,
    REORGANISATION_DATE,
    AdministrativeUnit,
    UnitSuccession,
    end_of_year,
)
from provinces.selectors import primary_predecessors, units_in_force, units_visible_to
from reports.models import DisbursementAggregate, PovertyAggregate
from reports.models_figures import REVIEW_COUNTS

CURRENT = "current"
LEGACY = "legacy"
VIEWS = (CURRENT, LEGACY)

COUNT_FIELDS = (*REVIEW_COUNTS, "communes_total", "communes_reviewed")


def is_legacy_year(year: int) -> bool:
    """A review year whose figures belong to the legacy units (the end of the year falls before 1 July 2025)."""
    return end_of_year(year) < REORGANISATION_DATE


def natural_view(year: int) -> str:
    return LEGACY if is_legacy_year(year) else CURRENT


@dataclass(frozen=True, slots=True, kw_only=True)
class PovertyFigures:
    """One unit × year × group as read from the aggregates (or re-aggregated across 2025, or as published): the one
    figures type of the stats API, the dashboard, the anomalies, the analysis page and the exports. The rates carry
    the API's names (docs/contracts.md); pages choose their own labels.

    `total_households` None: unknown denominator, so every rate is None (never 0). `unit` None: a reader that
    keys the figures by unit itself (the dashboard, the anomalies).
    """

    unit: AdministrativeUnit | None = None
    year: int
    group: str
    total_households: int | None
    reviewed: int = 0
    poor: int = 0
    near_poor: int = 0
    middle: int = 0
    not_poor: int = 0
    newly_poor: int = 0
    re_poor: int = 0
    escaped: int = 0
    remained: int = 0
    mismatches: int = 0
    communes_total: int = 0
    communes_reviewed: int = 0
    standard: str = ""
    computed_at: datetime.datetime | None = None
    view: str = ""
    remapped: bool = False  # True when re-aggregated across the 2025 reorganisation
    sources: tuple[str, ...] = field(default=())  # codes of the units the figures came from, when remapped

    @property
    def poverty_rate(self) -> Decimal | None:
        return rate(count=self.poor, total=self.total_households)

    @property
    def near_poverty_rate(self) -> Decimal | None:
        return rate(count=self.near_poor, total=self.total_households)

    @property
    def multidimensional_poverty_rate(self) -> Decimal | None:
        """(poor + near-poor) / all households (rule 4, docs/domain.md §2)."""
        return rate(count=self.poor + self.near_poor, total=self.total_households)

    @property
    def is_complete(self) -> bool:
        return self.communes_total > 0 and self.communes_reviewed >= self.communes_total


VALUE_FIELDS = ("year", "group", "total_households", *COUNT_FIELDS, "standard", "computed_at")
FIGURE_FIELDS = ("unit_id", *VALUE_FIELDS)  # what `figures_of` reads from a `values()` row


def figures_of(row, *, unit: AdministrativeUnit | None = None, view: str = "") -> PovertyFigures:
    """`row` (a `PovertyAggregate` or `PublicationFigure`, or a `values(*FIGURE_FIELDS)` dict of one) as figures.
    A model row's own unit is used when `unit` is not given; a dict's is left None."""
    if isinstance(row, Mapping):
        values = {name: row[name] for name in VALUE_FIELDS}
    else:
        values = {name: getattr(row, name) for name in VALUE_FIELDS}
        unit = unit or row.unit
    return PovertyFigures(unit=unit, **values, view=view or natural_view(values["year"]))


def figures_summed(*, unit: AdministrativeUnit, year: int, group: str, view: str, rows: list,
                   communes_total: int | None = None, codes: Mapping[int, str] | None = None) -> PovertyFigures | None:
    """The sum of aggregate `rows` shown under `unit` (figures re-aggregated across 2025); the denominator is
    unknown if any row's is. `codes`: unit pk → code of the rows' units, else each row's `unit.code` is read."""
    if not rows:
        return None
    totals = [row.total_households for row in rows]
    counts = {name: sum(getattr(row, name) for row in rows) for name in COUNT_FIELDS}
    if communes_total is not None:
        counts["communes_total"] = communes_total
    standards = sorted({row.standard for row in rows if row.standard})
    stamps = [row.computed_at for row in rows if row.computed_at]
    sources = [codes.get(row.unit_id, "") if codes is not None else row.unit.code for row in rows]
    return PovertyFigures(
        unit=unit, year=year, group=group,
        total_households=sum(totals) if all(total is not None for total in totals) else None,
        **counts, standard=standards[-1] if standards else "", computed_at=max(stamps) if stamps else None,
        view=view, remapped=True, sources=tuple(sorted(sources)),
    )


# --- the unit a code means -------------------------------------------------------------------------------------------


def _view_date(year: int, view: str | None) -> datetime.date:
    view = view or natural_view(year)
    if view == natural_view(year):
        return end_of_year(year)
    if view == CURRENT:
        return max(timezone.localdate(), REORGANISATION_DATE)
    return LEGACY_VALID_TO


def unit_for_view(*, code: str, year: int, view: str | None = None) -> AdministrativeUnit | None:
    """The unit `code` means for figures of `year` shown in `view`: the unit in force at the end of `year` in its
    natural view; today's unit for legacy years in the current view; the legacy unit (in force on 30/6/2025) for
    later years in the legacy view."""
    return units_in_force(on=_view_date(year, view)).filter(code=code).select_related("parent").first()


def unit_for_view_visible(*, viewer, code: str, year: int, view: str | None = None) -> AdministrativeUnit | None:
    """`unit_for_view` if it lies in the viewer's scope (`provinces.viewer.Viewer`), else None (out of scope and
    missing look the same). One query."""
    queryset = units_visible_to(viewer=viewer) & units_in_force(on=_view_date(year, view))
    return queryset.filter(code=code).select_related("parent").first()


# --- reads in a year's own units -----------------------------------------------------------------------------------


def poverty_rows(*, year: int | None = None, group: str = HouseholdGroup.ALL) -> QuerySet[PovertyAggregate]:
    queryset = PovertyAggregate.objects.filter(group=group)
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset


def poverty_row(*, unit: AdministrativeUnit, year: int, group: str = HouseholdGroup.ALL) -> PovertyFigures | None:
    """The figures of `unit` (in force at the end of `year`) for `year` and `group`; None without data. One query."""
    row = PovertyAggregate.objects.filter(unit=unit, year=year, group=group).first()
    return figures_of(row, unit=unit) if row else None


def poverty_children(
    *, unit: AdministrativeUnit, year: int, group: str = HouseholdGroup.ALL
) -> list[PovertyFigures]:
    """The figures of the units directly below `unit` that have data for `year`, by code. One query."""
    rows = (
        PovertyAggregate.objects.filter(unit__parent=unit, year=year, group=group)
        .select_related("unit")
        .order_by("unit__code")
    )
    return [figures_of(row) for row in rows]


def poverty_level(
    *, year: int, level: str, group: str = HouseholdGroup.ALL, within: AdministrativeUnit | None = None
) -> list[PovertyFigures]:
    """Every unit of `level` with data for `year` (inside `within` when given: the unit and the two levels below
    it), by code. One query."""
    queryset = PovertyAggregate.objects.filter(year=year, group=group, level=level)
    if within is not None:
        queryset = queryset.filter(
            Q(unit_id=within.pk) | Q(unit__parent_id=within.pk) | Q(unit__parent__parent_id=within.pk)
        )
    return [figures_of(row) for row in queryset.select_related("unit").order_by("unit__code")]


def poverty_years(
    *, unit: AdministrativeUnit, years: Iterable[int], group: str = HouseholdGroup.ALL
) -> dict[int, PovertyFigures]:
    """year → figures of `unit` itself (the same unit row: for a trend across 2025 use `poverty_trend`). One query."""
    rows = PovertyAggregate.objects.filter(unit=unit, year__in=list(years), group=group)
    return {row.year: figures_of(row, unit=unit) for row in rows}


def poverty_data_years(*, group: str = HouseholdGroup.ALL) -> list[int]:
    """The review years that have figures, oldest first. One query."""
    return sorted(set(PovertyAggregate.objects.filter(group=group, level="province").values_list("year", flat=True)))


# --- across the 2025 reorganisation --------------------------------------------------------------------------------


def _legacy_rows_under_current(*, unit: AdministrativeUnit, year: int, group: str) -> tuple[list, int]:
    """The legacy rows of `year` that make up 2025 `unit`, and how many legacy communes it covers."""
    on = end_of_year(year)
    legacy = units_in_force(on=on)
    level = AdministrativeUnit.Level.PROVINCE if unit.level == AdministrativeUnit.Level.PROVINCE else "commune"
    predecessors = UnitSuccession.objects.filter(successor_id=unit.pk, is_default=True).values("predecessor_id")
    if unit.level != AdministrativeUnit.Level.PROVINCE:
        # A commune: the legacy communes whose default successor it is.
        ids = legacy.filter(pk__in=predecessors, level="commune").values("pk")
        communes_total = legacy.filter(pk__in=predecessors, level="commune").count()
    else:
        ids = legacy.filter(pk__in=predecessors, level="province").values("pk")
        communes_total = legacy.filter(
            Q(parent__parent_id__in=ids) | Q(parent_id__in=ids), level="commune"
        ).count()
    rows = list(
        PovertyAggregate.objects.filter(unit_id__in=ids, year=year, group=group, level=level)
        .select_related("unit").order_by("unit__code")
    )
    return rows, communes_total


def _current_rows_under_legacy(*, unit: AdministrativeUnit, year: int, group: str) -> tuple[list, int]:
    """The 2025 commune rows of `year` whose primary predecessor lies in legacy `unit`, and how many 2025 communes
    map there."""
    legacy_communes = list(
        AdministrativeUnit.objects.filter(
            Q(pk=unit.pk) | Q(parent_id=unit.pk) | Q(parent__parent_id=unit.pk), level="commune"
        ).values_list("pk", flat=True)
    )
    candidates = set(
        UnitSuccession.objects.filter(predecessor_id__in=legacy_communes).values_list("successor_id", flat=True)
    )
    primary = primary_predecessors(unit_ids=candidates)
    mine = set(legacy_communes)
    successor_ids = [pk for pk, predecessor in primary.items() if predecessor in mine]
    in_force = units_in_force(on=end_of_year(year)).filter(pk__in=successor_ids, level="commune")
    rows = list(
        PovertyAggregate.objects.filter(unit_id__in=in_force.values("pk"), year=year, group=group, level="commune")
        .select_related("unit").order_by("unit__code")
    )
    return rows, in_force.count()


def poverty_under(
    *, unit: AdministrativeUnit, year: int, view: str | None = None, group: str = HouseholdGroup.ALL
) -> PovertyFigures | None:
    """The figures of `year` shown under `unit` in `view` (see the module docstring). `unit` must belong to the
    view's period (a 2025 unit for ``current``, a legacy unit for ``legacy``). In the year's natural view this is
    `poverty_row`; otherwise a handful of queries."""
    view = view or natural_view(year)
    if view not in VIEWS:
        raise ValueError(view)
    if view == natural_view(year):
        figures = poverty_row(unit=unit, year=year, group=group)
        return replace(figures, view=view) if figures else None
    if view == CURRENT:
        rows, communes_total = _legacy_rows_under_current(unit=unit, year=year, group=group)
    else:
        rows, communes_total = _current_rows_under_legacy(unit=unit, year=year, group=group)
    return figures_summed(unit=unit, year=year, group=group, view=view, rows=rows, communes_total=communes_total)


def poverty_trend(
    *, unit: AdministrativeUnit, years: Iterable[int], view: str, group: str = HouseholdGroup.ALL
) -> dict[int, PovertyFigures]:
    """year → figures of `unit` for each year in `years`, all in one `view` (so a trend crosses 2025)."""
    result = {}
    own = [year for year in years if natural_view(year) == view]
    result.update({year: replace(fig, view=view) for year, fig in poverty_years(unit=unit, years=own, group=group)
                   .items()})
    for year in years:
        if year not in own:
            figures = poverty_under(unit=unit, year=year, view=view, group=group)
            if figures is not None:
                result[year] = figures
    return dict(sorted(result.items()))


def figures_as_dict(figures: PovertyFigures) -> dict:
    """Plain data (for json_script or an API): counts, rates as Decimal, the unit's code."""
    data = {f.name: getattr(figures, f.name) for f in fields(figures) if f.name not in ("unit", "sources")}
    data.update(
        unit=figures.unit.code, unit_name=figures.unit.name, poverty_rate=figures.poverty_rate,
        near_poverty_rate=figures.near_poverty_rate,
        multidimensional_poverty_rate=figures.multidimensional_poverty_rate,
    )
    return data


# --- disbursement ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisbursementFigures:
    allocated: int
    disbursed: int

    @property
    def rate(self) -> Decimal | None:
        return rate(count=self.disbursed, total=self.allocated)


@dataclass(frozen=True)
class DisbursementSummary:
    unit: AdministrativeUnit
    year: int
    total: DisbursementFigures
    by_source: dict[str, DisbursementFigures]
    by_project: dict[str, DisbursementFigures]
    by_month: dict[int, int]  # month → disbursed in that month


def disbursement_summary(*, unit: AdministrativeUnit, year: int) -> DisbursementSummary:
    """Allocated and disbursed funds of `unit` (its own lines and those below it) for fiscal `year`, by source,
    project and month, from `DisbursementAggregate`. One query."""
    allocated: dict[tuple[str, str], int] = defaultdict(int)
    disbursed: dict[tuple[str, str], int] = defaultdict(int)
    by_month: dict[int, int] = {month: 0 for month in range(1, 13)}
    for source, project, month, alloc, paid in DisbursementAggregate.objects.filter(
        unit=unit, year=year
    ).values_list("source", "project", "month", "allocated_vnd", "disbursed_vnd"):
        allocated[(source, project)] += alloc
        disbursed[(source, project)] += paid
        if month:
            by_month[month] = by_month.get(month, 0) + paid

    def fold(index: int) -> dict[str, DisbursementFigures]:
        keys = sorted({key[index] for key in allocated} | {key[index] for key in disbursed})
        return {
            key: DisbursementFigures(
                sum(v for k, v in allocated.items() if k[index] == key),
                sum(v for k, v in disbursed.items() if k[index] == key),
            )
            for key in keys
        }

    return DisbursementSummary(
        unit=unit, year=year,
        total=DisbursementFigures(sum(allocated.values()), sum(disbursed.values())),
        by_source=fold(0), by_project=fold(1), by_month=by_month,
    )
