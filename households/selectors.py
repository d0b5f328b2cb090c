"""Scoped reads of households and reviews, the standards as rules, and personal-data masking.

Views and API views reach `Household` and `HouseholdReview` rows only through here: every queryset starts from
the caller's unit subtree (`provinces.selectors`), so another district's household looks exactly like a missing
one (a 404, or an empty list).
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from config.audit import HistoryEntry, history_of
from config.errors import ApplicationError
from config.text import fold
from households.classification import (
    StandardRules,
    standard_for_review_year,
    standard_in_force_on,
    standards_from_data,
)
from households.models import Household, HouseholdReview, PovertyStandard
from provinces.collation import vi_name
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import units_in_force, units_visible_to
from provinces.viewer import Viewer, viewer_of

# --- standards as rules --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standards:
    """The standards in the database, as engine rules (`rules`) and row ids (`ids`), both keyed by code."""

    rules: Mapping[str, StandardRules]
    ids: Mapping[str, int] = field(default_factory=dict)

    def for_review(self, *, year: int, kind: str, review_date: datetime.date | None = None) -> StandardRules:
        """Ruling 1: a periodic review of `year` uses the standard of that review year; an ad-hoc review uses the
        standard in force on its date. ApplicationError (naming `year` or `review_date`) when none applies."""
        try:
            if kind == HouseholdReview.Kind.ADHOC and review_date is not None:
                return standard_in_force_on(self.rules, review_date)
            return standard_for_review_year(self.rules, year)
        except ValueError:
            if kind == HouseholdReview.Kind.ADHOC and review_date is not None:
                message = _("Không có chuẩn nghèo nào có hiệu lực vào ngày %(date)s.") % {
                    "date": f"{review_date:%d/%m/%Y}"
                }
                raise ApplicationError(message, field="review_date") from None
            message = _("Không có chuẩn nghèo nào áp dụng cho năm rà soát %(year)s.") % {"year": year}
            raise ApplicationError(message, field="year") from None


def standards_all() -> Standards:
    """Every standard in the database as engine rules (one query; a handful of rows, so no cache is needed).

    Raises ValueError if the stored data is malformed (the loader and the admin validate it before saving).
    """
    rows = list(PovertyStandard.objects.order_by("code").values_list("pk", "code", "data"))
    rules = standards_from_data(data for _pk, _code, data in rows)
    return Standards(rules=MappingProxyType(rules), ids=MappingProxyType({code: pk for pk, code, _data in rows}))


# --- scope ---------------------------------------------------------------------------------------------------------


def _scope_ids(*, viewer: Viewer) -> QuerySet:
    """The pks of the units the viewer may see (`provinces.selectors.units_visible_to`), as a subquery."""
    return units_visible_to(viewer=viewer).values("pk")


def households_visible_to(*, viewer: Viewer) -> QuerySet[Household]:
    """Households whose commune lies in the viewer's unit subtree; none for a user without a profile.

    (A superuser without a profile, the Django admin's own account, sees every household, as in
    `provinces.selectors.units_visible_to`.)
    """
    return Household.objects.filter(commune_id__in=_scope_ids(viewer=viewer))


def household_reviews_visible_to(*, viewer: Viewer, year: int | None = None) -> QuerySet[HouseholdReview]:
    """Reviews held in a commune of the viewer's unit subtree (the review's own commune), optionally of one year.

    The scope is a subquery on the review's denormalised `commune_id`: no join is needed to filter.
    """
    queryset = HouseholdReview.objects.filter(commune_id__in=_scope_ids(viewer=viewer))
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset


# --- personal data -------------------------------------------------------------------------------------------------


def may_see_personal_data(*, viewer: Viewer) -> bool:
    """Names and ID numbers: everyone scoped except leadership (aggregates only); superusers without a profile."""
    return viewer_of(viewer).may_see_personal_data


MASK = "*"


def mask_name(name: str) -> str:
    """Initials only, each followed by at most three stars: "Nguyễn Văn An" → "N*** V** A*"."""
    return " ".join(word[0] + MASK * max(1, min(len(word) - 1, 3)) for word in name.split())


def mask_id_number(value: str, *, keep_last: int = 0) -> str:
    """Stars for every digit but the last `keep_last`: ("012345671234", keep_last=4) → "********1234"."""
    if not value:
        return ""
    keep = max(0, min(keep_last, len(value) - 1))
    return MASK * (len(value) - keep) + (value[len(value) - keep:] if keep else "")


# --- filtering lists -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFilters:
    """Filters shared by the household list page and `GET /api/v1/reviews/`. None: no filter."""

    unit_code: str | None = None  # any level; the unit in force at the end of the year
    classification: str | None = None
    transition: str | None = None
    kind: str | None = None
    is_ethnic_minority: bool | None = None
    is_female_head: bool | None = None
    is_mismatch: bool | None = None
    search: str = ""
    search_names: bool = True  # False for users who may not see names: searching by name would reveal them


def _unit_subtree_ids(*, code: str, year: int | None) -> QuerySet:
    """The pks of the unit `code` means at the end of `year` (or, without a year, the most recent unit with that
    code) and of the units below it, as a subquery."""
    if year is not None:
        units = units_in_force(on=end_of_year(year)).filter(code=code)
    else:
        units = AdministrativeUnit.objects.filter(code=code).order_by("-valid_from")[:1]
    unit_ids = units.values("pk")
    return AdministrativeUnit.objects.filter(
        Q(pk__in=unit_ids) | Q(parent_id__in=unit_ids) | Q(parent__parent_id__in=unit_ids)
    ).values("pk")


def household_reviews_filter(
    *, queryset: QuerySet[HouseholdReview], year: int | None, filters: ReviewFilters
) -> QuerySet[HouseholdReview]:
    """Apply `filters` to a scoped review queryset. A unit outside the scope gives an empty list, as an unknown
    one does: the caller learns nothing about units it may not see."""
    if filters.unit_code:
        queryset = queryset.filter(commune_id__in=_unit_subtree_ids(code=filters.unit_code, year=year))
    exact = {
        "classification": filters.classification,
        "transition": filters.transition,
        "kind": filters.kind,
        "household__is_ethnic_minority": filters.is_ethnic_minority,
        "household__is_female_head": filters.is_female_head,
        "is_mismatch": filters.is_mismatch,
    }
    queryset = queryset.filter(**{name: value for name, value in exact.items() if value not in (None, "")})
    text = filters.search.strip()
    if text:
        by_code = Q(household__code__icontains=text)
        folded = fold(text)
        if filters.search_names and folded:
            by_code |= Q(household__head_name_search__contains=folded)
        queryset = queryset.filter(by_code)
    return queryset


LIST_ORDER = ("year", "kind", "commune_id", "household_id", "id")


def household_review_list(*, queryset: QuerySet[HouseholdReview]) -> QuerySet[HouseholdReview]:
    """What a list row shows, in one query: the review, its household, commune and standard's code; the list's
    stable order (the order of the `review_list_idx` index)."""
    return (
        queryset.select_related("household", "commune", "standard")
        .defer("reason", "standard__data", "standard__legal_basis", "commune__search_text")
        .order_by(*LIST_ORDER)
    )


class ReviewPaginator(Paginator):
    """Pages of reviews by "deferred join": the page's ids come from the filtered, ordered queryset alone (an index
    walk, without the household and commune joins), then only those rows are fetched with their joins, in the
    same single statement (`id IN (SELECT id ... LIMIT n OFFSET m)`). Deep pages stay cheap."""

    def __init__(self, object_list: QuerySet[HouseholdReview], per_page, orphans=0, allow_empty_first_page=True):
        super().__init__(object_list.order_by(*LIST_ORDER), per_page, orphans, allow_empty_first_page)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")[bottom:top]
        rows = household_review_list(queryset=HouseholdReview.objects.filter(pk__in=ids))
        return self._get_page(rows, number, self)


def review_years_visible_to(*, viewer: Viewer) -> list[int]:
    """The review years of the viewer's scope, newest first: every year from the first to the last year with a
    review. Two `ORDER BY year LIMIT 1` queries, each stopping at the first row in the year index; a DISTINCT (or
    MIN and MAX in one statement) reads every review in the scope instead."""
    years = household_reviews_visible_to(viewer=viewer).values_list("year", flat=True)
    last = years.order_by("-year").first()
    if last is None:
        return []
    first = years.order_by("year").first()
    return list(range(last, first - 1, -1))


def communes_visible_to(*, viewer: Viewer, year: int) -> QuerySet[AdministrativeUnit]:
    """The communes of the viewer's scope in force at the end of `year`, for a filter select."""
    return (
        (units_visible_to(viewer=viewer) & units_in_force(on=end_of_year(year)))
        .filter(level=AdministrativeUnit.Level.COMMUNE)
        .order_by(vi_name(), "code")
    )


# --- one household -------------------------------------------------------------------------------------------------


def household_reviews_of(*, viewer: Viewer, household: Household) -> list[HouseholdReview]:
    """The household's reviews the viewer may see, oldest first (ad-hoc reviews in date order within their year)."""
    reviews = household_reviews_visible_to(viewer=viewer).filter(household=household).select_related("standard")
    return sorted(reviews, key=review_order_key)


def household_history(*, viewer: Viewer, household: Household) -> list[HistoryEntry]:
    """Who changed the household and its reviews (in the viewer's scope) and when; [] for roles that may not see
    history (config.audit)."""
    return history_of(viewer=viewer, sources=[
        (household.history.all(), lambda record: str(_("Hộ %(code)s") % {"code": record.code})),
        (HouseholdReview.history.filter(household_id=household.pk,
                                        commune_id__in=units_visible_to(viewer=viewer)),
         lambda record: str(_("Kết quả rà soát năm %(year)s") % {"year": record.year})),
    ])


def review_order_key(review) -> tuple:
    """Chronological order of a household's reviews: by year, then date (a periodic review without a date counts
    as held at the end of the periodic review window, 14 December), then periodic after ad-hoc, then id."""
    return (review.year, review_effective_date(review), review.kind == HouseholdReview.Kind.PERIODIC, review.pk or 0)


def review_effective_date(review) -> datetime.date:
    if review.review_date is not None:
        return review.review_date
    return datetime.date(review.year, 12, 14)


def deprivation_chart(*, reviews: Iterable[HouseholdReview], standards: Standards) -> dict:
    """Data for the household page's chart: indicators (rows) by review (columns), 1 deprived, 0 not, None when the
    review's standard has no such indicator. Indicator names come from the standards' data, in their order."""
    reviews = list(reviews)
    indicators: dict[str, str] = {}
    for review in reviews:
        rules = standards.rules.get(review.standard.code)
        for detail in rules.indicator_details if rules else ():
            indicators.setdefault(detail.key, detail.name)
    columns = []
    cells = []
    for column, review in enumerate(reviews):
        rules = standards.rules.get(review.standard.code)
        keys = set(rules.indicators) if rules else set()
        deprived = set(review.deprivations or ())
        label = str(review.year)
        if review.kind == HouseholdReview.Kind.ADHOC and review.review_date:
            label = f"{review.review_date:%d/%m/%Y}"
        columns.append(label)
        for row, key in enumerate(indicators):
            cells.append([column, row, (1 if key in deprived else 0) if key in keys else None])
    return {
        "columns": columns,
        "indicators": [{"key": key, "name": name} for key, name in indicators.items()],
        "cells": cells,
        "labels": {"deprived": _("Thiếu hụt"), "not_deprived": _("Không thiếu hụt"), "absent": _("Không áp dụng")},
    }


@dataclass(frozen=True)
class TimelineEntry:
    """One review on the household page, with what the page needs from its standard."""

    review: HouseholdReview
    deprived: tuple[str, ...]  # indicator names, in the standard's order
    indicator_count: int
    to_confirm: bool


def review_timeline(*, reviews: Iterable[HouseholdReview], standards: Standards) -> list[TimelineEntry]:
    entries = []
    for review in reviews:
        rules = standards.rules.get(review.standard.code)
        names = {detail.key: detail.name for detail in rules.indicator_details} if rules else {}
        deprived = set(review.deprivations or ())
        ordered = [key for key in (rules.indicators if rules else ()) if key in deprived]
        ordered += sorted(deprived - set(ordered))
        entries.append(
            TimelineEntry(
                review=review,
                deprived=tuple(names.get(key, key) for key in ordered),
                indicator_count=len(rules.indicators) if rules else 0,
                to_confirm=review.standard.to_confirm,
            )
        )
    return entries
