"""Scoped reads of administrative units. Every other app reaches units through here.

The scoped reads take the caller as `viewer=` (`provinces.viewer.Viewer`, built once per request; a user is
accepted too and turned into a viewer with `viewer_of`). `scope_filter` is the one Q for "this unit or below".
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.text import fold
from provinces.models import AdministrativeUnit, HouseholdTotal, UnitSuccession, end_of_year
from provinces.viewer import Viewer, viewer_of


def units_in_force(*, on: datetime.date) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on
    )


def unit_in_force(*, code: str, year: int) -> AdministrativeUnit | None:
    """The unit a code means at the end of `year`, or None."""
    return units_in_force(on=end_of_year(year)).filter(code=code).select_related("parent").first()


def scope_filter(*, unit: AdministrativeUnit, prefix: str = "") -> Q:
    """A Q that keeps rows whose unit (reached through `prefix`) is `unit` or lies below it."""
    field = f"{prefix}__" if prefix else ""
    return (
        Q(**{f"{field}pk": unit.pk})
        | Q(**{f"{field}parent_id": unit.pk})
        | Q(**{f"{field}parent__parent_id": unit.pk})
    )


def units_visible_to(*, viewer: Viewer) -> QuerySet[AdministrativeUnit]:
    """The viewer's unit and everything below it; nothing for a viewer without a profile.

    Superusers without a profile see everything (the Django admin's own account).
    """
    viewer = viewer_of(viewer)
    if viewer.unit is None:
        if viewer.sees_everything:
            return AdministrativeUnit.objects.all()
        return AdministrativeUnit.objects.none()
    return AdministrativeUnit.objects.filter(scope_filter(unit=viewer.unit))


def unit_if_visible(*, viewer: Viewer, unit: AdministrativeUnit | None) -> AdministrativeUnit | None:
    """`unit` if it lies in the viewer's scope, else None (a unit out of scope and a missing one look the same)."""
    if unit is None or not units_visible_to(viewer=viewer).filter(pk=unit.pk).exists():
        return None
    return unit


# --- units a user may list and open (reference data) ------------------------------------------------------------


def _subtree_ids(unit_id: int) -> QuerySet:
    """The pks of a unit and everything below it (written so that each branch can use an index)."""
    children = AdministrativeUnit.objects.filter(parent_id=unit_id).values("pk")
    return AdministrativeUnit.objects.filter(
        Q(pk=unit_id) | Q(parent_id=unit_id) | Q(parent_id__in=children)
    ).values_list("pk", flat=True)


def listable_unit_ids(*, viewer: Viewer) -> frozenset[int] | None:
    """The pks behind `units_listable_by` (None: every unit). Three small indexed queries, remembered on the
    viewer for the rest of the request (pages ask several times)."""
    viewer = viewer_of(viewer)
    cached = viewer.memo.get("listable_unit_ids", False)
    if cached is not False:
        return cached
    profile = viewer.profile
    if profile is None:
        ids = None if viewer.sees_everything else frozenset()
    else:
        own = set(_subtree_ids(profile.unit_id))
        linked = set()
        for predecessor_id, successor_id in UnitSuccession.objects.filter(
            Q(predecessor_id__in=own) | Q(successor_id__in=own)
        ).values_list("predecessor_id", "successor_id"):
            linked.update({predecessor_id, successor_id})
        ancestors = set()
        for parent_id, grandparent_id in AdministrativeUnit.objects.filter(
            pk__in=linked | {profile.unit_id}
        ).values_list("parent_id", "parent__parent_id"):
            ancestors.update({parent_id, grandparent_id})
        ids = frozenset((own | linked | ancestors) - {None})
    viewer.memo["listable_unit_ids"] = ids
    return ids


def units_listable_by(*, viewer: Viewer) -> QuerySet[AdministrativeUnit]:
    """Units a user may list and open in the unit browser and the units API.

    Units are reference data, not personal data, but a district officer must not browse another district's
    communes. A user sees:

    * their scope (``units_visible_to``): their unit and everything below it;
    * the ancestors of their unit (an officer of Na Rì sees Bắc Kạn, but not Bắc Kạn's other districts);
    * across the 2025 reorganisation, the units linked to their scope by ``UnitSuccession`` and the ancestors of
      those: a legacy Na Rì officer, looking at 2026, sees the 2025 communes that took over Na Rì's communes and
      their province (Thái Nguyên), not the other Thái Nguyên communes. Someone scoped to a 2025 province sees,
      for 2024, the legacy provinces, districts and communes it came from.

    Superusers without a profile see everything. The set is worked out once per request
    (`listable_unit_ids`), so a list costs the same number of queries whatever the user and the data.
    """
    ids = listable_unit_ids(viewer=viewer)
    if ids is None:
        return AdministrativeUnit.objects.all()
    return AdministrativeUnit.objects.filter(pk__in=ids)


def units_manageable_by(*, viewer: Viewer) -> QuerySet[AdministrativeUnit]:
    """Units whose programme flags and household totals the user may change.

    Provincial staff and administrators, within their own unit's subtree (their province, in the period their
    profile names: staff scoped to legacy Bắc Kạn manage legacy units; 2025 units need a profile on a 2025
    province). Superusers without a profile: every unit. Everyone else: none.
    """
    viewer = viewer_of(viewer)
    if viewer.unit is not None and not viewer.may("units", "update"):  # config/access.py: staff and administrators
        return AdministrativeUnit.objects.none()
    return units_visible_to(viewer=viewer)


def unit_with_links(queryset: QuerySet[AdministrativeUnit]) -> QuerySet[AdministrativeUnit]:
    """Prefetch successors and predecessors (two queries, whatever their number), default link first."""
    return queryset.select_related("parent").prefetch_related(
        Prefetch(
            "successor_links",
            queryset=UnitSuccession.objects.select_related("successor").order_by("-is_default", "successor__code"),
        ),
        Prefetch(
            "predecessor_links",
            queryset=UnitSuccession.objects.select_related("predecessor").order_by(
                "-is_default", "predecessor__code"
            ),
        ),
    )


def units_search(*, queryset: QuerySet[AdministrativeUnit], text: str) -> QuerySet[AdministrativeUnit]:
    """Diacritic-insensitive search on name and code: "na ri" finds "Na Rì", "bac kan" finds "Bắc Kạn"."""
    folded = fold(text)
    if not folded:
        return queryset
    return queryset.filter(search_text__contains=folded)


# --- household totals: the denominator ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RolledUpTotal:
    """A unit's household total for a year, and where it came from.

    `basis` is "children" (the sum of its children's effective totals), "own" (its own figure) or "none".
    """

    total: int | None
    basis: str
    own: int | None
    children_count: int
    children_with_total: int
    children_sum: int


def household_totals_effective(*, units, year: int) -> dict[int, RolledUpTotal]:
    """Effective household totals at the end of `year` for `units` (units or pks), in three queries.

    The rule, applied bottom-up (commune → district → province; commune → province from 2025):

    * a unit without children in force at the end of `year` (a commune, an island district) uses its own figure;
    * a unit whose children in force *all* have an effective total uses the sum of those totals; its own
      figure, if any, is shown beside it, never added;
    * otherwise (no child has a total, or only some do) it uses its own figure; without one, the total is
      unknown (``None``), never a partial sum, because a partial sum as a denominator would inflate every rate.

    So a district with figures for its communes sums them; a district without commune figures uses its own; a
    province sums its districts' effective totals, falling back to its own figure when they are missing. No
    household is ever counted twice: each unit takes either its children's totals or its own, never both.
    """
    return household_totals_by_year(units=units, years=[year])[year]


def household_totals_by_year(*, units, years) -> dict[int, dict[int, RolledUpTotal]]:
    """`household_totals_effective` for several years at once: year → unit pk → total. Three queries."""
    pks = {unit if isinstance(unit, int) else unit.pk for unit in units}
    years = sorted(set(years))
    if not pks or not years:
        return {year: {} for year in years}
    first, last = end_of_year(years[0]), end_of_year(years[-1])
    roots = list(AdministrativeUnit.objects.filter(pk__in=pks).values_list("pk", flat=True))
    below = list(
        AdministrativeUnit.objects.filter(
            Q(parent_id__in=pks) | Q(parent_id__in=AdministrativeUnit.objects.filter(parent_id__in=pks).values("pk"))
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first), valid_from__lte=last)
        .values_list("pk", "parent_id", "valid_from", "valid_to")
    )
    own: dict[tuple[int, int], int] = {
        (unit_id, year): total
        for unit_id, year, total in HouseholdTotal.objects.filter(
            unit_id__in=[*roots, *(row[0] for row in below)], year__in=years
        ).values_list("unit_id", "year", "total_households")
    }
    table = {}
    for year in years:
        on = end_of_year(year)
        children: dict[int, list[int]] = {}
        for pk, parent_id, valid_from, valid_to in below:
            if valid_from <= on and (valid_to is None or valid_to >= on):
                children.setdefault(parent_id, []).append(pk)
        table[year] = _roll_up(roots, children, {pk: t for (pk, y), t in own.items() if y == year})
    return table


def _roll_up(roots, children: dict[int, list[int]], own: dict[int, int]) -> dict[int, RolledUpTotal]:
    """Pure: the rule of `household_totals_effective` over a tree given as parent → children pks."""
    result: dict[int, RolledUpTotal] = {}

    def effective(pk: int) -> RolledUpTotal:
        if pk not in result:
            kids = [effective(child) for child in children.get(pk, [])]
            known = [kid.total for kid in kids if kid.total is not None]
            own_total = own.get(pk)
            if kids and len(known) == len(kids):
                total, basis = sum(known), "children"
            elif own_total is not None:
                total, basis = own_total, "own"
            else:
                total, basis = None, "none"
            result[pk] = RolledUpTotal(total, basis, own_total, len(kids), len(known), sum(known))
        return result[pk]

    return {pk: effective(pk) for pk in roots}


def household_totals_rollup(*, unit: AdministrativeUnit, year: int) -> int | None:
    """The household total of `unit` at the end of `year` under the rule of `household_totals_effective`."""
    return household_totals_effective(units=[unit], year=year)[unit.pk].total


# --- mapping figures across the 2025 reorganisation -------------------------------------------------------------


def default_successors(*, unit_ids) -> dict[int, int]:
    """Legacy unit pk → the pk of its default 2025 successor (one query)."""
    mapping: dict[int, int] = {}
    links = (
        UnitSuccession.objects.filter(predecessor_id__in=list(unit_ids), is_default=True)
        .order_by("predecessor_id", "successor__code")
        .values_list("predecessor_id", "successor_id")
    )
    for predecessor_id, successor_id in links:
        mapping.setdefault(predecessor_id, successor_id)
    return mapping


def primary_predecessors(*, unit_ids) -> dict[int, int]:
    """2025 unit pk → the pk of its primary predecessor (one query).

    The primary predecessor is the predecessor whose default successor is this unit, preferring the one whose
    code the unit kept (a merged commune keeps the code of the commune whose seat it keeps); then the lowest
    code. A predecessor that only gave part of its territory comes last.
    """
    candidates: dict[int, list[tuple]] = {}
    links = UnitSuccession.objects.filter(successor_id__in=list(unit_ids)).values_list(
        "successor_id", "predecessor_id", "is_default", "predecessor__code", "successor__code"
    )
    for successor_id, predecessor_id, is_default, predecessor_code, successor_code in links:
        rank = (not is_default, predecessor_code != successor_code, predecessor_code, predecessor_id)
        candidates.setdefault(successor_id, []).append(rank)
    return {successor_id: min(ranks)[-1] for successor_id, ranks in candidates.items()}


def remap_figures(*, figures: Mapping[int, int], target_of: Mapping[int, int]) -> dict[int, int]:
    """Pure: add each figure to the unit `target_of` names for its key. Raises KeyError for an unmapped key,
    so nothing is ever dropped: the sum of the result is the sum of the input."""
    remapped: dict[int, int] = {}
    for pk, value in figures.items():
        target = target_of[pk]
        remapped[target] = remapped.get(target, 0) + value
    return remapped


def _unmapped_error(missing) -> ApplicationError:
    codes = ", ".join(
        AdministrativeUnit.objects.filter(pk__in=missing).order_by("code").values_list("code", flat=True)
    )
    return ApplicationError(
        _("Không chuyển được số liệu của các đơn vị không có liên kết sáp nhập: %(codes)s.")
        % {"codes": codes or ", ".join(map(str, sorted(missing)))},
        field="figures",
    )


def figures_to_current(*, figures: Mapping[int, int]) -> dict[int, int]:
    """Re-express figures keyed by legacy unit pk (communes, or any legacy unit with a default successor) under
    the 2025 units: each legacy unit's whole figure goes to its *default successor* (the 2025 commune that took
    the largest part of it when it was split; its only successor otherwise).

    Counts are conserved: the sum of the result equals the sum of the input. A split commune's households are
    not divided between its successors (we have no household addresses at this level), so a 2025 commune that
    received only a small part of a split commune gets none of its figure. Pass figures of one level only
    (communes, say): a commune and its district together would be counted twice, as in any sum.
    One query. Raises ApplicationError, naming the codes, for a unit without a default successor.
    """
    target_of = default_successors(unit_ids=figures.keys())
    missing = set(figures) - set(target_of)
    if missing:
        raise _unmapped_error(missing)
    return remap_figures(figures=figures, target_of=target_of)


def figures_to_legacy(*, figures: Mapping[int, int]) -> dict[int, int]:
    """Re-express figures keyed by 2025 unit pk under the legacy units: each 2025 unit's whole figure goes to
    its *primary predecessor* (see `primary_predecessors`).

    Counts are conserved (sum in = sum out). A merged commune's figure is not spread over its predecessors:
    the units it came from are known but not their shares, so the figure is shown under the predecessor whose
    seat and code it kept. Summed up to legacy districts and provinces, merges inside one district come out
    right. One query. Raises ApplicationError for a 2025 unit without predecessors.
    """
    target_of = primary_predecessors(unit_ids=figures.keys())
    missing = set(figures) - set(target_of)
    if missing:
        raise _unmapped_error(missing)
    return remap_figures(figures=figures, target_of=target_of)
