"""Scoped reads of the programmes app, and the poverty counts every target is computed from.

`poverty_counts` / `poverty_counts_for_units` are the only places that read the household registry: when the
aggregates move to snapshot tables (reports/), only these two functions change.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from config.audit import HistoryEntry, history_of
from programmes import targets as arithmetic
from programmes.groups import HOUSEHOLD_FLAGS, UNIT_GROUPS, HouseholdGroup, group_units
from programmes.models import (
    Achievement,
    HouseholdGroupTotal,
    Indicator,
    IndicatorTarget,
    PlanDocument,
    PovertyModel,
    PovertyTarget,
    Programme,
    Project,
    SubProject,
)
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import (
    household_totals_by_year,
    scope_filter,
    unit_if_visible,
    unit_in_force,
    units_in_force,
    units_manageable_by,
    units_visible_to,
)
from provinces.viewer import Viewer, viewer_of

COMMUNE = AdministrativeUnit.Level.COMMUNE


# --- programme structure (reference data: every signed-in user reads it) ------------------------------------------


def programmes_all() -> QuerySet[Programme]:
    """Programme periods, oldest first, each with `project_count`."""
    return Programme.objects.annotate(project_count=Count("projects")).order_by("start_year", "code")


def projects_with_subprojects(*, programme_code: str | None = None) -> QuerySet[Project]:
    """Projects (with their programme and sub-projects prefetched: two queries whatever their number)."""
    queryset = Project.objects.select_related("programme").prefetch_related(
        Prefetch("subprojects", queryset=SubProject.objects.order_by("order", "code"))
    )
    if programme_code:
        queryset = queryset.filter(programme__code=programme_code)
    return queryset.order_by("programme__start_year", "order", "code")


def project_codes() -> list[str]:
    """Every project and sub-project code in use (for a filter)."""
    codes = set(Project.objects.values_list("code", flat=True)) | set(SubProject.objects.values_list("code", flat=True))
    return sorted(codes, key=lambda code: [int(part) if part.isdigit() else part for part in code[2:].split(".")])


def indicators_all() -> QuerySet[Indicator]:
    return Indicator.objects.select_related("project").order_by("order", "code")


# --- units the caller may read or change --------------------------------------------------------------------------


def unit_visible(*, viewer: Viewer, code: str, year: int) -> AdministrativeUnit | None:
    """The unit `code` means at the end of `year`, if it lies in the user's scope; else None (a unit out of scope
    and a missing one look the same)."""
    return unit_if_visible(viewer=viewer, unit=unit_in_force(code=code, year=year))


def default_unit(*, viewer: Viewer, year: int) -> AdministrativeUnit | None:
    """The user's own unit if it is in force at the end of `year`."""
    unit = viewer_of(viewer).unit
    if unit is None or not unit.is_in_force(end_of_year(year)):
        return None
    return unit


def may_manage(*, viewer: Viewer, unit: AdministrativeUnit) -> bool:
    """Provincial staff and administrators write targets, indicators, models and plans of their subtree."""
    return units_manageable_by(viewer=viewer).filter(pk=unit.pk).exists()


def _in_scope(queryset: QuerySet, *, viewer: Viewer, field: str = "unit") -> QuerySet:
    return queryset.filter(**{f"{field}_id__in": units_visible_to(viewer=viewer).values("pk")})


# --- poverty targets ------------------------------------------------------------------------------------------------


def poverty_targets_visible_to(*, viewer: Viewer) -> QuerySet[PovertyTarget]:
    return _in_scope(PovertyTarget.objects.all(), viewer=viewer).select_related("unit")


def poverty_targets_of_unit(*, viewer: Viewer, code: str, year: int) -> QuerySet[PovertyTarget]:
    """The targets of the unit `code` means at the end of `year` (the unit itself, not the units below);
    empty when that unit is outside the user's scope."""
    on = end_of_year(year)
    unit_ids = (units_visible_to(viewer=viewer) & units_in_force(on=on)).filter(code=code).values("pk")
    return (
        PovertyTarget.objects.filter(unit_id__in=unit_ids, year=year)
        .select_related("unit")
        .order_by("unit__code", "group")
    )


def poverty_targets_list(*, viewer: Viewer, unit: AdministrativeUnit, year: int) -> QuerySet[PovertyTarget]:
    """Targets of `unit` and of the units below it for `year` (in scope), parents first: one query."""
    return (
        poverty_targets_visible_to(viewer=viewer)
        .filter(scope_filter(unit=unit, prefix="unit"), year=year)
        .select_related("unit__parent")
        .order_by("unit__level", "unit__code", "group")
    )


def poverty_target_detail(*, viewer: Viewer, pk: int) -> PovertyTarget | None:
    """The target `pk` with its unit and the unit's parent, if it lies in the viewer's scope; else None."""
    return poverty_targets_visible_to(viewer=viewer).select_related("unit__parent").filter(pk=pk).first()


def poverty_target_relatives(
    *, viewer: Viewer, target: PovertyTarget
) -> tuple[QuerySet[PovertyTarget], PovertyTarget | None]:
    """The targets cascaded from `target` (a lazy queryset, by unit code) and the target it was cascaded from
    (read now), both only where their unit lies in the viewer's scope."""
    children = (
        _in_scope(PovertyTarget.objects.filter(cascaded_from=target), viewer=viewer)
        .select_related("unit")
        .order_by("unit__code")
    )
    parent = (
        _in_scope(PovertyTarget.objects.filter(pk=target.cascaded_from_id), viewer=viewer)
        .select_related("unit").first()
        if target.cascaded_from_id
        else None
    )
    return children, parent


def poverty_target_history(*, viewer: Viewer, target: PovertyTarget) -> list[HistoryEntry]:
    """Who changed the target and when ([] for roles that may not see history: config.audit)."""
    return history_of(viewer=viewer, sources=[(target.history.all(), lambda record: str(target))])


def poverty_target_plans(*, target: PovertyTarget) -> QuerySet[PlanDocument]:
    """The plans and decisions that set `target`, newest first."""
    return target.plans.order_by("-issued_on")


def unit_has_children(*, unit: AdministrativeUnit, year: int) -> bool:
    """Whether units in force at the end of `year` lie directly below `unit` (a target can be cascaded)."""
    return units_in_force(on=end_of_year(year)).filter(parent=unit).exists()


# --- counts from the household registry -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PovertyCounts:
    """The households of a unit (and group) at the end of a year, from the periodic review.

    `poor` and `near_poor` count the communes that have committed the year's periodic review
    (`communes_reviewed` of `communes_total`); `is_complete` when all have. `total_households` is the
    denominator (None: unknown, so every rate is unknown, never 0). `previous_poor_in_reviewed` is the poor count
    of the previous year in the communes already reviewed this year (for the in-year estimate).
    """

    total_households: int | None
    poor: int
    near_poor: int
    communes_total: int
    communes_reviewed: int
    previous_poor_in_reviewed: int = 0

    @property
    def is_complete(self) -> bool:
        return self.communes_total > 0 and self.communes_reviewed >= self.communes_total

    @property
    def poverty_rate(self) -> Decimal | None:
        return arithmetic.rate(count=self.poor, total=self.total_households) if self.is_complete else None

    @property
    def near_poverty_rate(self) -> Decimal | None:
        return arithmetic.rate(count=self.near_poor, total=self.total_households) if self.is_complete else None

    def as_year_counts(self) -> arithmetic.YearCounts:
        return arithmetic.YearCounts(
            total=self.total_households, poor=self.poor, is_complete=self.is_complete,
            communes_reviewed=self.communes_reviewed, previous_poor_in_reviewed=self.previous_poor_in_reviewed,
        )


def poverty_counts(*, unit: AdministrativeUnit, year: int, group: str = HouseholdGroup.ALL) -> PovertyCounts | None:
    """Total, poor and near-poor households of `unit` (and `group`) at the end of `year`.

    * totals: `provinces.HouseholdTotal` rolled up (`household_totals_effective`); for `poor_district` the sum
      over the poor districts of the unit, for `high_poverty_commune` over its communes flagged "xã đặc biệt khó
      khăn"; for `ethnic_minority` only a total entered by staff (`HouseholdGroupTotal`), which also overrides
      the derived total of the other groups;
    * counts: the periodic reviews (`households.HouseholdReview`, kind "periodic") of the year in the unit's
      communes, with one aggregate query (Count with filter); `ethnic_minority` counts ethnic-minority
      households only, `poor_district` the communes of poor districts, `high_poverty_commune` the flagged ones.

    None when the group does not apply to the unit (no poor district, no flagged commune). 5–6 queries.
    """
    return poverty_counts_for_units(units=[unit], year=year, group=group).get(unit.pk)


def poverty_counts_for_units(
    *, units: Iterable[AdministrativeUnit], year: int, group: str = HouseholdGroup.ALL
) -> dict[int, PovertyCounts]:
    """`poverty_counts` for many units at once, in the same 5–6 queries whatever their number."""
    from households.models import HouseholdReview

    units = list(units)
    if not units:
        return {}
    pks = [unit.pk for unit in units]
    on = end_of_year(year)
    rows = list(
        units_in_force(on=on)
        .filter(Q(pk__in=pks) | Q(parent_id__in=pks) | Q(parent__parent_id__in=pks))
        .values(
            "pk", "level", "parent_id", "parent__parent_id", "is_poor_district", "is_extremely_difficult",
            "parent__is_poor_district",
        )
    )
    by_pk = {row["pk"]: row for row in rows}
    subtree: dict[int, list[dict]] = defaultdict(list)  # unit pk → its own row and the rows below it
    for row in rows:
        for ancestor in {row["pk"], row["parent_id"], row["parent__parent_id"]} - {None}:
            subtree[ancestor].append(row)
    plan = {}
    for unit in units:
        unit_row = by_pk.get(unit.pk) or {
            "pk": unit.pk, "level": unit.level, "parent_id": unit.parent_id, "parent__parent_id": None,
            "is_poor_district": unit.is_poor_district, "is_extremely_difficult": unit.is_extremely_difficult,
            "parent__is_poor_district": False,
        }
        total_ids, commune_ids = group_units(group, unit_row, subtree[unit.pk])
        if group in UNIT_GROUPS and not total_ids:
            continue  # the group does not apply here
        plan[unit.pk] = (total_ids, commune_ids)

    all_total_ids = {pk for total_ids, _communes in plan.values() for pk in total_ids}
    totals = household_totals_by_year(units=all_total_ids, years=[year])[year] if all_total_ids else {}
    entered = {}
    if group != HouseholdGroup.ALL:
        entered = dict(
            HouseholdGroupTotal.objects.filter(unit_id__in=list(plan), year=year, group=group).values_list(
                "unit_id", "total_households"
            )
        )

    all_communes = {pk for _totals, commune_ids in plan.values() for pk in commune_ids}
    in_group = Q(**{f"household__{HOUSEHOLD_FLAGS[group]}": True}) if group in HOUSEHOLD_FLAGS else Q()
    per_commune: dict[tuple[int, int], dict] = {}
    if all_communes:
        counted = (
            HouseholdReview.objects.filter(
                kind=HouseholdReview.Kind.PERIODIC, year__in=[year - 1, year], commune_id__in=sorted(all_communes)
            )
            .values("commune_id", "year")
            .annotate(
                reviews=Count("id"),
                poor=Count("id", filter=Q(classification=HouseholdReview.Classification.POOR) & in_group),
                near_poor=Count("id", filter=Q(classification=HouseholdReview.Classification.NEAR_POOR) & in_group),
            )
            .order_by()
        )
        per_commune = {(row["commune_id"], row["year"]): row for row in counted}

    result = {}
    for pk, (total_ids, commune_ids) in plan.items():
        if pk in entered:
            total = entered[pk]
        elif group in HOUSEHOLD_FLAGS:
            total = None
        else:
            known = [totals[unit_id].total if unit_id in totals else None for unit_id in total_ids]
            total = sum(known) if known and all(value is not None for value in known) else None
        reviewed = [c for c in commune_ids if (c, year) in per_commune]
        result[pk] = PovertyCounts(
            total_households=total,
            poor=sum(per_commune[(c, year)]["poor"] for c in reviewed),
            near_poor=sum(per_commune[(c, year)]["near_poor"] for c in reviewed),
            communes_total=len(commune_ids),
            communes_reviewed=len(reviewed),
            previous_poor_in_reviewed=sum(
                per_commune[(c, year - 1)]["poor"] for c in reviewed if (c, year - 1) in per_commune
            ),
        )
    return result


# --- cascading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CascadeRow:
    unit: AdministrativeUnit
    figures: arithmetic.UnitFigures
    proposed: Decimal | None
    points: Decimal | None
    line: arithmetic.CascadeLine
    existing: PovertyTarget | None


@dataclass(frozen=True)
class CascadeView:
    target: PovertyTarget
    rule: str
    floor: Decimal
    rows: list[CascadeRow]
    check: arithmetic.CascadeCheck


def poverty_target_children(*, target: PovertyTarget) -> list[AdministrativeUnit]:
    """The units directly below the target's unit, in force at the end of its year (districts before 1/7/2025,
    communes after)."""
    return list(
        units_in_force(on=end_of_year(target.year)).filter(parent=target.unit).order_by("code")
    )


def poverty_target_cascade(
    *,
    target: PovertyTarget,
    rule: str = arithmetic.SAME_POINTS,
    floor: Decimal = arithmetic.DEFAULT_POOR_DISTRICT_FLOOR,
    points: dict[str, Decimal | None] | None = None,
) -> CascadeView:
    """The proposal for splitting `target` over the units below its unit, and whether it adds up in households.

    `points` (unit code → points) are staff's adjustments; missing codes take the proposal of `rule`. Counts come
    from `poverty_counts_for_units` (baseline year and target year: about 12 queries whatever the number of
    children), existing child targets from one more query.
    """
    children = poverty_target_children(target=target)
    baseline = poverty_counts_for_units(units=children, year=target.year - 1, group=target.group)
    current = poverty_counts_for_units(units=children, year=target.year, group=target.group)
    # A group that does not apply to a child (a district that is not poor, for `poor_district`) leaves it out.
    children = [child for child in children if child.pk in baseline or child.pk in current]
    existing = {
        row.unit_id: row
        for row in PovertyTarget.objects.filter(unit__in=children, year=target.year, group=target.group)
    }
    figures = []
    for child in children:
        counts = baseline.get(child.pk)
        usable = counts is not None and counts.is_complete
        figures.append(
            arithmetic.UnitFigures(
                key=child.code,
                baseline_poor=counts.poor if usable else None,
                baseline_total=counts.total_households if usable else None,
                target_total=current[child.pk].total_households if child.pk in current else None,
                is_poor_district=child.is_poor_district,
            )
        )
    proposed = arithmetic.cascade_propose(
        points=target.target_reduction_points or arithmetic.ZERO,
        parent_baseline_rate=target.baseline_rate,
        children=figures,
        rule=rule,
        poor_district_floor=floor,
    )
    chosen = {key: (points or {}).get(key, value) for key, value in proposed.items()}
    check = arithmetic.cascade_check(
        parent_households_to_exit=target.households_to_exit, children=figures, points=chosen
    )
    rows = [
        CascadeRow(
            unit=child, figures=fig, proposed=proposed[child.code], points=chosen[child.code], line=line,
            existing=existing.get(child.pk),
        )
        for child, fig, line in zip(children, figures, check.lines, strict=True)
    ]
    return CascadeView(target=target, rule=rule, floor=floor, rows=rows, check=check)


# --- indicators -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    target: IndicatorTarget | None
    achieved: Decimal | None
    progress: Decimal | None
    reports: int


def indicator_progress(*, unit: AdministrativeUnit, year: int) -> list[IndicatorProgress]:
    """Every indicator of the catalogue for `unit` and `year`: its target, what was achieved (by the indicator's
    aggregation over the year's reports) and progress = achieved / target. Three queries."""
    indicators = list(indicators_all())
    targets = {row.indicator_id: row for row in IndicatorTarget.objects.filter(unit=unit, year=year)}
    reports: dict[int, list[arithmetic.Report]] = defaultdict(list)
    for indicator_id, kind, start, value in Achievement.objects.filter(
        unit=unit, period_start__gte=datetime.date(year, 1, 1), period_start__lte=datetime.date(year, 12, 31)
    ).values_list("indicator_id", "period_kind", "period_start", "value"):
        reports[indicator_id].append(arithmetic.Report(kind, start, value))
    result = []
    for indicator in indicators:
        achieved = arithmetic.indicator_achieved(aggregation=indicator.aggregation, reports=reports[indicator.pk])
        target = targets.get(indicator.pk)
        result.append(
            IndicatorProgress(
                indicator=indicator, target=target, achieved=achieved,
                progress=arithmetic.progress(achieved=achieved, target=target.value if target else None),
                reports=len(reports[indicator.pk]),
            )
        )
    return result


def achievements_list(*, viewer: Viewer, unit: AdministrativeUnit, year: int) -> QuerySet[Achievement]:
    return (
        _in_scope(Achievement.objects.all(), viewer=viewer)
        .filter(unit=unit, period_start__year=year)
        .select_related("indicator", "unit")
        .order_by("indicator__order", "period_start", "period_kind")
    )


# --- poverty-reduction models and plans -----------------------------------------------------------------------------


def poverty_models_visible_to(*, viewer: Viewer) -> QuerySet[PovertyModel]:
    return _in_scope(PovertyModel.objects.all(), viewer=viewer)


def list_filtered(queryset: QuerySet, *, project_code: str = "", **fields) -> QuerySet:
    """`queryset` narrowed by what a list page's filters chose: each field of `fields` given a value (blank: no
    filter), and `project_code` naming the project or the subproject (a row with a `project` and a `subproject`)."""
    queryset = queryset.filter(**{name: value for name, value in fields.items() if value})
    if project_code:
        queryset = queryset.filter(Q(project__code=project_code) | Q(subproject__code=project_code))
    return queryset


def poverty_models_list(
    *, viewer: Viewer, unit: AdministrativeUnit | None = None, kind: str = "", status: str = "", project_code: str = ""
) -> QuerySet[PovertyModel]:
    """Models in scope (of `unit`'s subtree when given), with what a list row shows: constant query count."""
    queryset = poverty_models_visible_to(viewer=viewer)
    if unit is not None:
        queryset = queryset.filter(scope_filter(unit=unit, prefix="unit"))
    queryset = list_filtered(queryset, project_code=project_code, kind=kind, status=status)
    return (
        queryset.select_related("unit", "project", "subproject")
        .annotate(commune_count=Count("communes", distinct=True))
        .order_by("unit__code", "name", "pk")
    )


def poverty_model_detail(*, viewer: Viewer, pk: int) -> PovertyModel | None:
    return (
        poverty_models_visible_to(viewer=viewer)
        .select_related("unit", "project__programme", "subproject", "updated_by")
        .prefetch_related(Prefetch("communes", queryset=AdministrativeUnit.objects.order_by("code")))
        .filter(pk=pk)
        .first()
    )


def model_communes(*, unit: AdministrativeUnit, on: datetime.date) -> QuerySet[AdministrativeUnit]:
    """The communes a model of `unit` may run in: the unit itself if it is a commune, else its communes."""
    return (
        units_in_force(on=on)
        .filter(scope_filter(unit=unit))
        .filter(level=COMMUNE)
        .order_by("code")
    )


def plan_target_choices(*, unit: AdministrativeUnit) -> tuple[QuerySet[PovertyTarget], QuerySet[IndicatorTarget]]:
    """The poverty and indicator targets of `unit`'s subtree a plan may name (newest year first)."""
    subtree = scope_filter(unit=unit, prefix="unit")
    return (
        PovertyTarget.objects.filter(subtree).select_related("unit").order_by("-year", "unit__code", "group"),
        IndicatorTarget.objects.filter(subtree).select_related("unit", "indicator").order_by("-year", "unit__code"),
    )


def plan_documents_visible_to(*, viewer: Viewer) -> QuerySet[PlanDocument]:
    return _in_scope(PlanDocument.objects.all(), viewer=viewer)


def plan_documents_list(*, viewer: Viewer, unit: AdministrativeUnit | None = None, year: int | None = None):
    queryset = plan_documents_visible_to(viewer=viewer)
    if unit is not None:
        queryset = queryset.filter(scope_filter(unit=unit, prefix="unit"))
    if year:
        queryset = queryset.filter(issued_on__year=year)
    return (
        queryset.select_related("unit")
        .annotate(target_count=Count("poverty_targets", distinct=True) + Count("indicator_targets", distinct=True))
        .order_by("-issued_on", "number", "pk")
    )


def plan_document_detail(*, viewer: Viewer, pk: int) -> PlanDocument | None:
    return (
        plan_documents_visible_to(viewer=viewer)
        .select_related("unit")
        .prefetch_related(
            Prefetch(
                "poverty_targets", queryset=PovertyTarget.objects.select_related("unit").order_by("year", "group")
            ),
            Prefetch(
                "indicator_targets",
                queryset=IndicatorTarget.objects.select_related("unit", "indicator").order_by("year", "indicator"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
