"""Recomputation of the aggregate tables (reports.models) from the household reviews and the budget lines.

Set-based: one GROUP BY over the periodic reviews (joined to households for the group flags) gives per commune and
year the counts of each group; districts and provinces are rolled up in Python from the commune figures (there are
at most ~13,000 communes), the denominators come from `provinces.selectors.household_totals_by_year` and
`programmes.HouseholdGroupTotal`; rows are written with one bulk upsert (INSERT … ON CONFLICT DO UPDATE on both
PostgreSQL and SQLite) and rows that no longer have data are deleted. Each run holds a lock (PostgreSQL advisory
lock) so two runs never interleave, and records an `AggregateRun`.

* full (`poverty_recompute()`): every commune, every year;
* incremental (`poverty_recompute(unit=…, year=…)`): the communes of `unit` in force at the end of `year` (and, for
  later years that have reviews, the same communes or their 2025 successors: an import of an earlier year changes
  the year-on-year transitions of later reviews), then every ancestor district and province of those years
  re-rolled from its communes' stored rows. Its result is the same table a full run gives (tested).

A unit is the unit in force at the end of the review year; a row exists for a unit × year when at least one
commune below it has periodic reviews that year. Groups: all households, ethnic-minority households, households with
a female head, and the communes of poor districts (`is_poor_district`, where the unit has any); who belongs to
each is decided by `programmes.groups`, as for the poverty-rate targets.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from programmes.groups import HOUSEHOLD_FLAGS, HouseholdGroup, group_units, household_groups
from provinces.models import AdministrativeUnit, UnitSuccession, end_of_year
from provinces.selectors import household_totals_by_year
from reports.models import AggregateRun, DisbursementAggregate, PovertyAggregate
from reports.models_figures import REVIEW_COUNTS

logger = logging.getLogger(__name__)

PROVINCE = AdministrativeUnit.Level.PROVINCE
COMMUNE = AdministrativeUnit.Level.COMMUNE

ALL = HouseholdGroup.ALL.value
POOR_DISTRICT = HouseholdGroup.POOR_DISTRICT.value
# The groups counted per commune (all, then the flagged households); poor_district is derived from ALL.
FLAGGED = tuple(group.value for group in HOUSEHOLD_FLAGS)
HOUSEHOLD_GROUPS = (ALL, *FLAGGED)
HOUSEHOLD_COLUMNS = {flag: f"household__{flag}" for flag in HOUSEHOLD_FLAGS.values()}

COUNTS = REVIEW_COUNTS
BATCH_SIZE = 2000
LOCK_KEY = 0x5245504F  # "REPO": the advisory lock every recompute takes (PostgreSQL)


# --- small pure structures -------------------------------------------------------------------------------------------


@dataclass
class _Counts:
    values: Counter = field(default_factory=Counter)
    standards: Counter = field(default_factory=Counter)  # standard code → reviews

    def add(self, other: _Counts) -> None:
        self.values.update(other.values)
        self.standards.update(other.standards)

    @property
    def standard(self) -> str:
        if not self.standards:
            return ""
        return max(self.standards.items(), key=lambda item: (item[1], item[0]))[0]


@dataclass(frozen=True, slots=True)
class _Unit:
    pk: int
    level: str
    parent_id: int | None
    valid_from: datetime.date
    valid_to: datetime.date | None
    is_poor_district: bool
    is_extremely_difficult: bool

    def in_force(self, on: datetime.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


@dataclass
class RecomputeResult:
    rows: int
    deleted: int
    seconds: float
    run: AggregateRun | None = None


# --- locking and bookkeeping ---------------------------------------------------------------------------------


def _lock() -> None:
    """Serialise recomputes (inside the caller's transaction). SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _record(*, scope: str, unit, year, reason: str, rows: int, started: datetime.datetime) -> AggregateRun:
    return AggregateRun.objects.create(
        scope=scope, unit=unit, year=year, reason=reason[:200], rows=rows, started_at=started,
        finished_at=timezone.now(),
    )


# --- poverty --------------------------------------------------------------------------------------------------------


def _review_counts(
    *, scope: dict[int, set[int]] | None = None, years: list[int] | None = None
) -> dict[tuple[int, int], dict[str, _Counts]]:
    """(commune pk, year) → group → counts, from one GROUP BY over the periodic reviews joined to households.

    `scope`: year → commune pks to count; `years`: every commune of those years; neither: everything."""
    from households.models import HouseholdReview

    Classification, Transition = HouseholdReview.Classification, HouseholdReview.Transition
    queryset = HouseholdReview.objects.filter(kind=HouseholdReview.Kind.PERIODIC)
    if scope is not None:
        wanted = Q(pk__in=[])
        for year, communes in scope.items():
            if communes:
                wanted |= Q(year=year, commune_id__in=sorted(communes))
        queryset = queryset.filter(wanted)
    if years is not None:
        queryset = queryset.filter(year__in=years)
    rows = (
        queryset.values("commune_id", "year", "standard__code", *HOUSEHOLD_COLUMNS.values())
        .annotate(
            reviewed=Count("id"),
            poor=Count("id", filter=Q(classification=Classification.POOR)),
            near_poor=Count("id", filter=Q(classification=Classification.NEAR_POOR)),
            middle=Count("id", filter=Q(classification=Classification.MIDDLE)),
            not_poor=Count("id", filter=Q(classification=Classification.NOT_POOR)),
            newly_poor=Count("id", filter=Q(transition=Transition.NEWLY_POOR)),
            re_poor=Count("id", filter=Q(transition=Transition.RE_POOR)),
            escaped=Count("id", filter=Q(transition=Transition.ESCAPED)),
            remained=Count("id", filter=Q(transition=Transition.REMAINED)),
            mismatches=Count("id", filter=Q(is_mismatch=True)),
        )
        .order_by()
    )
    result: dict[tuple[int, int], dict[str, _Counts]] = {}
    for row in rows:
        groups = result.setdefault((row["commune_id"], row["year"]), {group: _Counts() for group in HOUSEHOLD_GROUPS})
        values = Counter({name: row[name] for name in COUNTS})
        for group in household_groups({flag: row[column] for flag, column in HOUSEHOLD_COLUMNS.items()}):
            groups[group].values.update(values)
            groups[group].standards[row["standard__code"] or ""] += row["reviewed"]
    return result


def _stored_commune_counts(
    *, years_provinces: dict[int, set[int]], exclude: dict[int, set[int]]
) -> dict[tuple[int, int], dict[str, _Counts]]:
    """The commune rows already in the table for the provinces of each year, except the communes being recounted
    (the inputs of an incremental roll-up)."""
    result: dict[tuple[int, int], dict[str, _Counts]] = {}
    for year, provinces in years_provinces.items():
        if not provinces:
            continue
        rows = PovertyAggregate.objects.filter(
            Q(unit__parent_id__in=provinces) | Q(unit__parent__parent_id__in=provinces),
            year=year, level=COMMUNE, group__in=HOUSEHOLD_GROUPS,
        ).exclude(unit_id__in=sorted(exclude.get(year, set()))).values("unit_id", "group", "standard", *COUNTS)
        for row in rows:
            groups = result.setdefault((row["unit_id"], year), {group: _Counts() for group in HOUSEHOLD_GROUPS})
            groups[row["group"]].values.update({name: row[name] for name in COUNTS})
            if row["standard"] and row["reviewed"]:
                groups[row["group"]].standards[row["standard"]] += row["reviewed"]
    return result


def _units(*, years: Iterable[int], provinces: set[int] | None = None) -> list[_Unit]:
    """Every unit in force at the end of some year of `years` (within `provinces` when given). One query."""
    years = sorted(set(years))
    if not years:
        return []
    first, last = end_of_year(years[0]), end_of_year(years[-1])
    queryset = AdministrativeUnit.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first),
                                                 valid_from__lte=last)
    if provinces is not None:
        queryset = queryset.filter(
            Q(pk__in=provinces) | Q(parent_id__in=provinces) | Q(parent__parent_id__in=provinces)
        )
    return [
        _Unit(*row)
        for row in queryset.values_list(
            "pk", "level", "parent_id", "valid_from", "valid_to", "is_poor_district", "is_extremely_difficult"
        )
    ]


@dataclass
class _Tree:
    """The units in force at the end of one year."""

    units: dict[int, _Unit]
    children: dict[int, list[int]]
    rows: dict[int, dict] = field(default_factory=dict)  # `row` of each unit asked for, built once

    @classmethod
    def of(cls, units: list[_Unit], year: int) -> _Tree:
        on = end_of_year(year)
        in_force = {unit.pk: unit for unit in units if unit.in_force(on)}
        children: dict[int, list[int]] = defaultdict(list)
        for unit in in_force.values():
            if unit.parent_id in in_force:
                children[unit.parent_id].append(unit.pk)
        return cls(in_force, children)

    def row(self, pk: int) -> dict:
        """The unit as `programmes.groups.group_units` reads it."""
        if pk not in self.rows:
            unit = self.units[pk]
            parent = self.units.get(unit.parent_id)
            self.rows[pk] = {
                "pk": pk, "level": unit.level, "parent_id": unit.parent_id, "is_poor_district": unit.is_poor_district,
                "is_extremely_difficult": unit.is_extremely_difficult,
                "parent__is_poor_district": bool(parent and parent.is_poor_district),
            }
        return self.rows[pk]

    def ancestors(self, pk: int) -> list[int]:
        found = []
        parent = self.units[pk].parent_id
        while parent is not None and parent in self.units:
            found.append(parent)
            parent = self.units[parent].parent_id
        return found

    def province_of(self, pk: int) -> int:
        chain = [pk, *self.ancestors(pk)]
        return chain[-1]

    def communes_below(self, pk: int) -> list[int]:
        if self.units[pk].level == COMMUNE:
            return [pk]
        found = []
        for child in self.children.get(pk, ()):
            found.extend(self.communes_below(child))
        return found


def _poverty_rows(
    *,
    year: int,
    tree: _Tree,
    provinces: set[int],
    counts: dict[int, dict[str, _Counts]],
    totals: dict[int, int | None],
    group_totals: dict[tuple[int, str], int],
    stamp: datetime.datetime,
) -> list[PovertyAggregate]:
    """The rows of `year` for every unit of `provinces` with data, from the commune counts (pure but for the
    model instances)."""
    rows = []
    for province in sorted(provinces):
        if province not in tree.units:
            continue
        for pk in _subtree(tree, province):
            unit = tree.units[pk]
            communes = tree.communes_below(pk)
            with_data = [commune for commune in communes if commune in counts]
            if not with_data:
                continue
            for group in HOUSEHOLD_GROUPS:
                summed = _Counts()
                for commune in with_data:
                    summed.add(counts[commune][group])
                total = totals.get(pk) if group == ALL else None
                total = group_totals.get((pk, group), total)
                rows.append(_row(pk, unit.level, year, group, summed, total, len(communes), len(with_data), stamp))
            # The communes of poor districts (legacy years only: there are no districts after 2025).
            below = [tree.row(pk)] if unit.level == COMMUNE else [tree.row(other) for other in _subtree(tree, pk)]
            total_ids, group_communes = group_units(POOR_DISTRICT, tree.row(pk), below)
            if not total_ids:
                continue
            summed = _Counts()
            reviewed = [commune for commune in group_communes if commune in counts]
            for commune in reviewed:
                summed.add(counts[commune][ALL])
            known = [totals.get(unit_id) for unit_id in total_ids]
            total = sum(known) if all(value is not None for value in known) else None
            total = group_totals.get((pk, POOR_DISTRICT), total)
            rows.append(_row(pk, unit.level, year, POOR_DISTRICT, summed, total, len(group_communes), len(reviewed),
                             stamp))
    return rows


def _subtree(tree: _Tree, pk: int) -> list[int]:
    found = [pk]
    for child in tree.children.get(pk, ()):
        found.extend(_subtree(tree, child))
    return found


def _row(pk, level, year, group, summed: _Counts, total, communes_total, communes_reviewed, stamp) -> dict:
    return {
        "unit_id": pk, "level": level, "year": year, "group": group, "standard": summed.standard,
        "total_households": total, "communes_total": communes_total, "communes_reviewed": communes_reviewed,
        "computed_at": stamp, **{name: summed.values.get(name, 0) for name in COUNTS},
    }


POVERTY_KEY = ("unit_id", "year", "group")
POVERTY_VALUES = ("level", "standard", "total_households", "communes_total", "communes_reviewed", "computed_at",
                  *COUNTS)
DISBURSEMENT_KEY = ("unit_id", "year", "source", "project", "month")
DISBURSEMENT_VALUES = ("allocated_vnd", "disbursed_vnd", "computed_at")


def _upsert(model, rows: list[dict], key: tuple[str, ...], values: tuple[str, ...]) -> None:
    """INSERT … ON CONFLICT DO UPDATE of `rows` (dicts of column values). PostgreSQL: COPY into a temporary table
    and one INSERT … SELECT (the ORM's per-value preparation costs more than the database for tens of thousands of
    rows); elsewhere `bulk_create(update_conflicts=True)`."""
    if not rows:
        return
    columns = (*key, *values)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**row) for row in rows], batch_size=BATCH_SIZE, update_conflicts=True,
            unique_fields=[name.removesuffix("_id") for name in key], update_fields=list(values),
        )
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    updates = ", ".join(f"{connection.ops.quote_name(name)} = EXCLUDED.{connection.ops.quote_name(name)}"
                        for name in values)
    conflict = ", ".join(connection.ops.quote_name(name) for name in key)
    # Only quoted identifiers of our own models are interpolated; every value goes through COPY.
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE aggregate_rows ON COMMIT DROP AS SELECT {names} FROM {table} "  # noqa: S608
                       "WITH NO DATA")
        with cursor.cursor.copy(f"COPY aggregate_rows ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[name] for name in columns))
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM aggregate_rows "  # noqa: S608
                       f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")
        cursor.execute("DROP TABLE aggregate_rows")


def _incremental_scope(*, unit: AdministrativeUnit, year: int) -> dict[int, set[int]]:
    """year → the communes to recount after a change to `unit` in `year`: its communes in force at the end of
    `year`, and for every later year with reviews the same communes (or, past 2025, their successors) in force
    then, because the year-on-year transitions of later reviews depend on this year's."""
    from households.models import HouseholdReview

    later = sorted(set(
        HouseholdReview.objects.filter(year__gt=year).values_list("year", flat=True).distinct().order_by()
    ))
    units = AdministrativeUnit.objects.filter(
        Q(pk=unit.pk) | Q(parent_id=unit.pk) | Q(parent__parent_id=unit.pk), level=COMMUNE
    ).values_list("pk", "valid_from", "valid_to")
    on = end_of_year(year)
    communes = {pk for pk, start, end in units if start <= on and (end is None or end >= on)}
    scope = {year: communes}
    if later:
        successors = set(
            UnitSuccession.objects.filter(predecessor_id__in=communes).values_list("successor_id", flat=True)
        )
        candidates = communes | successors
        validity = dict(
            (pk, (start, end))
            for pk, start, end in AdministrativeUnit.objects.filter(pk__in=candidates).values_list(
                "pk", "valid_from", "valid_to"
            )
        )
        for other in later:
            at = end_of_year(other)
            scope[other] = {pk for pk, (start, end) in validity.items() if start <= at and (end is None or end >= at)}
    return scope


def poverty_recompute(
    *, unit: AdministrativeUnit | None = None, year: int | None = None, reason: str = ""
) -> RecomputeResult:
    """Recompute `PovertyAggregate`: everything (no arguments), one year (`year` only), or incrementally for
    `unit` and `year` (see the module docstring). Returns the rows written and deleted."""
    from programmes.models import HouseholdGroupTotal

    clock = time.monotonic()
    started = timezone.now()
    incremental = unit is not None
    if incremental and year is None:
        raise ValueError("an incremental recompute needs a year")
    with transaction.atomic():
        _lock()
        stamp = timezone.now()
        scope: dict[int, set[int]] = {}
        if incremental:
            scope = _incremental_scope(unit=unit, year=year)
            fresh = _review_counts(scope=scope)
            years = sorted(scope)
        elif year is not None:
            fresh = _review_counts(years=[year])
            years = [year]
        else:
            fresh = _review_counts()
            years = sorted({y for _c, y in fresh} | set(PovertyAggregate.objects.values_list("year", flat=True)))
        # The provinces touched each year (all units of the window for a full run: one query).
        all_units = _units(years=years, provinces=None if not incremental else _provinces_around(unit, scope))
        trees = {y: _Tree.of(all_units, y) for y in years}
        touched: dict[int, set[int]] = defaultdict(set)
        stray = 0
        for (commune, y) in fresh:
            if commune in trees[y].units:
                touched[y].add(trees[y].province_of(commune))
            else:
                stray += 1
        if incremental:
            for y, communes in scope.items():
                touched[y].update(trees[y].province_of(c) for c in communes if c in trees[y].units)
        if stray:
            logger.warning("%s review groups are in communes not in force at the end of their year", stray)

        counts_by_year: dict[int, dict[int, dict[str, _Counts]]] = defaultdict(dict)
        for (commune, y), groups in fresh.items():
            counts_by_year[y][commune] = groups
        if incremental:
            stored = _stored_commune_counts(years_provinces=touched, exclude=scope)
            for (commune, y), groups in stored.items():
                counts_by_year[y].setdefault(commune, groups)

        # Denominators: the effective totals of every unit that gets a row and of every poor district.
        needed: dict[int, set[int]] = defaultdict(set)  # province → unit pks
        for y in years:
            tree = trees[y]
            for province in touched[y]:
                for pk in _subtree(tree, province):
                    needed[province].add(pk)
        totals_by_year: dict[int, dict[int, int | None]] = defaultdict(dict)
        for pks in needed.values():
            table = household_totals_by_year(units=pks, years=years)
            for y, by_unit in table.items():
                for pk, rolled in by_unit.items():
                    totals_by_year[y][pk] = rolled.total
        group_totals: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
        touched_years = [y for y in years if touched[y]]
        if touched_years:
            for pk, y, group, total in HouseholdGroupTotal.objects.filter(
                year__in=touched_years, group__in=[*FLAGGED, POOR_DISTRICT]
            ).values_list("unit_id", "year", "group", "total_households"):
                group_totals[y][(pk, group)] = total

        rows = []
        for y in years:
            rows.extend(_poverty_rows(
                year=y, tree=trees[y], provinces=touched[y], counts=counts_by_year[y], totals=totals_by_year[y],
                group_totals=group_totals[y], stamp=stamp,
            ))
        _upsert(PovertyAggregate, rows, POVERTY_KEY, POVERTY_VALUES)
        stale = PovertyAggregate.objects.filter(computed_at__lt=stamp)
        if incremental:
            where = Q(pk__in=[])
            for y in years:
                if touched[y]:
                    provinces = sorted(touched[y])
                    where |= Q(year=y) & (
                        Q(unit_id__in=provinces) | Q(unit__parent_id__in=provinces)
                        | Q(unit__parent__parent_id__in=provinces)
                    )
                # Communes recounted that are no longer under a touched province (or not in force) lose their rows.
                where |= Q(year=y, unit_id__in=sorted(scope.get(y) or ()))
            stale = stale.filter(where)
        elif year is not None:
            stale = stale.filter(year=year)
        deleted = stale.delete()[0]
        run = _record(
            scope=AggregateRun.Scope.INCREMENTAL if incremental else AggregateRun.Scope.FULL,
            unit=unit, year=year, reason=reason or "poverty", rows=len(rows), started=started,
        )
    return RecomputeResult(rows=len(rows), deleted=deleted, seconds=time.monotonic() - clock, run=run)


def _provinces_around(unit: AdministrativeUnit, scope: dict[int, set[int]]) -> set[int]:
    """The provinces (any period) of `unit` and of the communes in `scope`: the units to load for an incremental
    run."""
    communes = {pk for pks in scope.values() for pk in pks} | {unit.pk}
    provinces = set()
    for pk, level, parent_id, grandparent_id in AdministrativeUnit.objects.filter(pk__in=communes).values_list(
        "pk", "level", "parent_id", "parent__parent_id"
    ):
        provinces.add(pk if level == PROVINCE else grandparent_id or parent_id)
    return provinces - {None}


# --- disbursement ---------------------------------------------------------------------------------------------------


def _line_code(prefix: str = ""):
    """The line's sub-project code, else its project code."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    return Coalesce(F(f"{prefix}subproject__code"), F(f"{prefix}project__code"))


def disbursement_recompute(
    *, unit: AdministrativeUnit | None = None, year: int | None = None, reason: str = ""
) -> RecomputeResult:
    """Recompute `DisbursementAggregate` from the budget lines: everything, one fiscal year, or (with `unit` and
    `year`) the whole province of `unit` for that year (budget lines are few; the province is the unit of
    consistency). Month 0 holds the funds of the lines (own and carried over: what can be disbursed); months 1–12
    the disbursements dated in that month (a payment dated before the fiscal year counts in January, after it in
    December). Every unit's rows include the lines of the units below it."""
    from budgets.models import Allocation, Disbursement

    clock = time.monotonic()
    started = timezone.now()
    with transaction.atomic():
        _lock()
        stamp = timezone.now()
        lines = Allocation.objects.all()
        payments = Disbursement.objects.all()
        province = None
        if unit is not None:
            province = _top(unit)
            where = Q(unit_id=province) | Q(unit__parent_id=province) | Q(unit__parent__parent_id=province)
            lines = lines.filter(where)
            payments = payments.filter(
                Q(allocation__unit_id=province) | Q(allocation__unit__parent_id=province)
                | Q(allocation__unit__parent__parent_id=province)
            )
        if year is not None:
            lines = lines.filter(fiscal_year=year)
            payments = payments.filter(allocation__fiscal_year=year)
        sums: dict[tuple[int, int, str, str, int], list[int]] = defaultdict(lambda: [0, 0])
        chains = {}
        for pk, parent_id, grandparent_id in AdministrativeUnit.objects.filter(
            pk__in=lines.values("unit_id")
        ).values_list("pk", "parent_id", "parent__parent_id"):
            chains[pk] = [value for value in (pk, parent_id, grandparent_id) if value is not None]
        for unit_id, fiscal_year, source, code, amount in (
            lines.annotate(code=_line_code()).values("unit_id", "fiscal_year", "source", "code")
            .annotate(amount=Sum("amount_vnd"))
            .values_list("unit_id", "fiscal_year", "source", "code", "amount").order_by()
        ):
            for target in chains.get(unit_id, [unit_id]):
                sums[(target, fiscal_year, source, code, 0)][0] += amount or 0
        for unit_id, fiscal_year, source, code, paid_year, month, amount in (
            payments.annotate(code=_line_code("allocation__"), paid_year=ExtractYear("disbursed_on"),
                              month=ExtractMonth("disbursed_on"))
            .values("allocation__unit_id", "allocation__fiscal_year", "allocation__source", "code", "paid_year",
                    "month")
            .annotate(amount=Sum("amount_vnd"))
            .values_list("allocation__unit_id", "allocation__fiscal_year", "allocation__source", "code",
                         "paid_year", "month", "amount")
            .order_by()
        ):
            if paid_year < fiscal_year:
                month = 1
            elif paid_year > fiscal_year:
                month = 12
            for target in chains.get(unit_id, [unit_id]):
                sums[(target, fiscal_year, source, code, month)][1] += amount or 0
        rows = [
            {"unit_id": pk, "year": y, "source": source, "project": code, "month": month, "allocated_vnd": allocated,
             "disbursed_vnd": disbursed, "computed_at": stamp}
            for (pk, y, source, code, month), (allocated, disbursed) in sums.items()
        ]
        _upsert(DisbursementAggregate, rows, DISBURSEMENT_KEY, DISBURSEMENT_VALUES)
        stale = DisbursementAggregate.objects.filter(computed_at__lt=stamp)
        if province is not None:
            stale = stale.filter(Q(unit_id=province) | Q(unit__parent_id=province)
                                 | Q(unit__parent__parent_id=province))
        if year is not None:
            stale = stale.filter(year=year)
        deleted = stale.delete()[0]
        run = _record(
            scope=AggregateRun.Scope.INCREMENTAL if unit is not None else AggregateRun.Scope.FULL,
            unit=unit, year=year, reason=reason or "disbursement", rows=len(rows), started=started,
        )
    return RecomputeResult(rows=len(rows), deleted=deleted, seconds=time.monotonic() - clock, run=run)


def _top(unit: AdministrativeUnit) -> int:
    row = AdministrativeUnit.objects.filter(pk=unit.pk).values_list("pk", "parent_id", "parent__parent_id").get()
    return [value for value in row if value is not None][-1]


def recompute_all(*, year: int | None = None, reason: str = "") -> dict[str, RecomputeResult]:
    """Both tables, fully (or one year of each)."""
    return {
        "poverty": poverty_recompute(year=year, reason=reason or "full"),
        "disbursement": disbursement_recompute(year=year, reason=reason or "full"),
    }
