"""Writes for households: the standards (reference data), the registry, reviews and their year-on-year status.

Every classification comes from `households.classification.classify`; nothing here trusts a declared one.
No signals: each write says what it changes, and `transitions_recompute` is called explicitly.
"""

import datetime
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.text import fold, nfc
from households import cycle
from households.classification import (
    ClassificationInputError,
    ClassificationValue,
    classify,
    is_newly_escaped,
    standards_from_data,
    transition,
)
from households.models import Household, HouseholdReview, PovertyStandard
from households.selectors import review_order_key, standards_all
from provinces.models import AdministrativeUnit
from provinces.selectors import units_visible_to
from provinces.viewer import viewer_of

logger = logging.getLogger(__name__)
STANDARDS_PATH = Path(__file__).resolve().parent / "data" / "standards.json"


# --- standards -----------------------------------------------------------------------------------------------------


@transaction.atomic
def standards_load(*, path: Path | str | None = None) -> int:
    """Create or update the poverty standards from `standards.json` (or `path`); returns how many rows changed.

    Idempotent: a second run with the same file changes nothing and returns 0. The file is validated whole
    (with any other standard already in the database) before anything is written. A standard that staff have
    confirmed against the decree text (`to_confirm` switched off) stays confirmed. Standards missing from the
    file are left alone: reviews point at them.
    """
    items = json.loads(Path(path or STANDARDS_PATH).read_text(encoding="utf-8"))
    by_code = {str(item["code"]): item for item in items}
    existing = {row.code: row for row in PovertyStandard.objects.select_for_update().order_by("code")}
    for code, row in existing.items():
        if code in by_code and not row.to_confirm:
            by_code[code] = {**by_code[code], "to_confirm": False}
    others = [row.data for code, row in existing.items() if code not in by_code]
    rules = standards_from_data([*by_code.values(), *others])  # raises ValueError on bad or overlapping data

    changed = 0
    for code, item in by_code.items():
        values = {
            "name": rules[code].name,
            "legal_basis": rules[code].legal_basis,
            "data": item,
            "to_confirm": rules[code].to_confirm,
        }
        row = existing.get(code)
        if row is None:
            PovertyStandard.objects.create(code=code, **values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
        else:
            continue
        changed += 1
    return changed


# --- the registry --------------------------------------------------------------------------------------------------


def _check_may_write(*, acting_user, commune: AdministrativeUnit) -> None:
    """System writes (no user) pass; a user needs a writing role and the commune in their scope.

    Out of scope is a PermissionDenied, the same as a missing right: a write never reveals what exists."""
    if acting_user is None:
        return
    viewer = viewer_of(acting_user)
    if viewer.profile is None:
        if viewer.sees_everything:
            return
        raise PermissionDenied
    # Households and reviews change only through an import (the access matrix): the roles that may upload write.
    if not viewer.may("imports", "create") or not units_visible_to(viewer=viewer).filter(pk=commune.pk).exists():
        raise PermissionDenied


@transaction.atomic
def household_upsert(
    *,
    commune: AdministrativeUnit,
    code: str,
    head_name: str,
    id_number: str = "",
    village: str = "",
    ethnicity: str = "",
    is_ethnic_minority: bool = False,
    members: int = 1,
    is_female_head: bool = False,
    has_disabled_member: bool = False,
    has_person_with_merit: bool = False,
    is_social_protection_beneficiary: bool = False,
    acting_user=None,
) -> tuple[Household, bool]:
    """Create the household `code` of `commune`, or update it; returns (household, created).

    Keeps `head_name_search` (the folded name used by diacritic-insensitive search) in step with the name.
    """
    _check_may_write(acting_user=acting_user, commune=commune)
    code = nfc(code)
    head_name = nfc(head_name)
    if not code:
        raise ApplicationError(_("Mã hộ không được để trống."), field="code")
    if not head_name:
        raise ApplicationError(_("Họ và tên chủ hộ không được để trống."), field="head_name")
    if commune.level != AdministrativeUnit.Level.COMMUNE:
        raise ApplicationError(_("Hộ gia đình phải thuộc một xã/phường/thị trấn."), field="commune")
    if members < 1:
        raise ApplicationError(_("Số nhân khẩu phải lớn hơn 0."), field="members")
    # The review cycle: no change to a household while the year of its newest periodic review is submitted,
    # approved or published (households.cycle; Conflict, a 409 in the API).
    newest = (HouseholdReview.objects.filter(household__commune=commune, household__code=code,
                                             kind=HouseholdReview.Kind.PERIODIC)
              .order_by("-year").values_list("year", flat=True).first())
    cycle.household_lock_check(commune_id=commune.pk, year=newest)
    return Household.objects.update_or_create(
        commune=commune,
        code=code,
        defaults={
            "head_name": head_name,
            "head_name_search": fold(head_name),
            "id_number": nfc(id_number),
            "village": nfc(village),
            "ethnicity": nfc(ethnicity),
            "is_ethnic_minority": is_ethnic_minority,
            "members": members,
            "is_female_head": is_female_head,
            "has_disabled_member": has_disabled_member,
            "has_person_with_merit": has_person_with_merit,
            "is_social_protection_beneficiary": is_social_protection_beneficiary,
        },
    )


# --- reviews -------------------------------------------------------------------------------------------------------


@transaction.atomic
def review_record(
    *,
    household: Household,
    year: int,
    area: str | None,
    income_per_capita: int,
    deprivations: Iterable[str],
    declared_classification: str = "",
    kind: str = HouseholdReview.Kind.PERIODIC,
    review_date: datetime.date | None = None,
    members: int | None = None,
    acting_user=None,
) -> HouseholdReview:
    """Score a household with the engine and record the review; returns it with its transition.

    * The standard follows ruling 1: a periodic review of `year` uses that review year's standard; an ad-hoc
      review (which needs `review_date`, within `year`) uses the standard in force on its date.
    * `area` None means the area of the household's commune.
    * A periodic review replaces the household's periodic review of the same year; ad-hoc reviews accumulate.
    * `is_mismatch` is set when the commune declared a classification and it differs from the engine's.
    * The transition and newly-escaped status of this review and of the household's later reviews are
      recomputed (`transitions_recompute`).

    Bad inputs raise ApplicationError naming the field; a user without the right raises PermissionDenied.
    """
    _check_may_write(acting_user=acting_user, commune=household.commune)
    if kind not in HouseholdReview.Kind.values:
        raise ApplicationError(_("Loại rà soát không hợp lệ: %(kind)s.") % {"kind": kind}, field="kind")
    if kind == HouseholdReview.Kind.ADHOC and review_date is None:
        raise ApplicationError(_("Rà soát đột xuất cần có ngày rà soát."), field="review_date")
    if review_date is not None and review_date.year != year:
        raise ApplicationError(
            _("Ngày rà soát %(date)s không thuộc năm rà soát %(year)s.")
            % {"date": f"{review_date:%d/%m/%Y}", "year": year},
            field="review_date",
        )
    if declared_classification and declared_classification not in HouseholdReview.Classification.values:
        raise ApplicationError(
            _("Phân loại không hợp lệ: %(value)s.") % {"value": declared_classification},
            field="declared_classification",
        )
    members = household.members if members is None else members
    if members < 1:
        raise ApplicationError(_("Số nhân khẩu phải lớn hơn 0."), field="members")
    if kind == HouseholdReview.Kind.PERIODIC:
        # A periodic review belongs to its year's figures: refused while that year is submitted, approved or
        # published. An ad-hoc (monthly) review is recorded whatever the state: it counts in the next periodic
        # review, never in published figures (docs/domain.md §10.1).
        cycle.lock_check(unit_id=household.commune_id, year=year)

    standards = standards_all()
    rules = standards.for_review(year=year, kind=kind, review_date=review_date)
    try:
        result = classify(
            standard=rules,
            area=area or household.commune.area,
            income_per_capita=income_per_capita,
            deprivations=frozenset(deprivations),
        )
    except ClassificationInputError as error:
        raise ApplicationError(error.message, field=error.field) from None

    values = {
        "commune_id": household.commune_id,
        "review_date": review_date,
        "standard_id": standards.ids[rules.code],
        "area": result.area.value,
        "income_per_capita": result.income_per_capita,
        "members": members,
        "deprivations": list(result.deprivations),
        "deprivation_count": result.deprivation_count,
        "classification": result.classification.value,
        "declared_classification": declared_classification,
        "is_mismatch": bool(declared_classification) and declared_classification != result.classification.value,
        "reason": result.reason,
    }
    if kind == HouseholdReview.Kind.PERIODIC:
        review, _created = HouseholdReview.objects.update_or_create(
            household=household, year=year, kind=kind, defaults=values
        )
    else:
        review = HouseholdReview.objects.create(household=household, year=year, kind=kind, **values)
    transitions_recompute(household_ids=[household.pk], year=year)
    review.refresh_from_db(fields=["transition", "is_newly_escaped"])
    return review


# --- year-on-year status -------------------------------------------------------------------------------------------

# Poor, near-poor, then above the near-poor line (middle and not poor alike).
_LEVEL = {
    ClassificationValue.POOR: 0,
    ClassificationValue.NEAR_POOR: 1,
    ClassificationValue.MIDDLE: 2,
    ClassificationValue.NOT_POOR: 2,
}


@dataclass(frozen=True, slots=True)
class _ReviewRow:
    pk: int
    household_id: int
    year: int
    kind: str
    review_date: datetime.date | None
    classification: str
    standard_id: int
    transition: str | None
    is_newly_escaped: bool


def household_statuses(
    *, reviews: Iterable, newly_escaped_months: dict[int, int | None]
) -> dict[int, tuple[str | None, bool]]:
    """Pure: review pk → (transition, is_newly_escaped) for the reviews of ONE household.

    Each review is compared with the household's previous review in time (`selectors.review_order_key`: by year,
    ad-hoc reviews by date, the periodic review at the end of its window), through `classification.transition`,
    so every movement is counted once, at the review where it happened.

    "Newly escaped" (hộ mới thoát nghèo, docs/domain.md §5): the household escaped poverty or near-poverty
    (moved from poor, or from near-poor, to a better class) at a review of year E, is still out of that class,
    and the list fixed by this review (for the year after it) lies within the window that starts after E
    (`classification.is_newly_escaped`, with the months of the review's standard; none when the standard has no
    window). With 36 months, the reviews of E, E+1 and E+2 carry it.
    """
    ordered = sorted(reviews, key=review_order_key)
    seen: list[ClassificationValue] = []
    escapes: list[tuple[int, int]] = []  # (review year, level escaped from)
    statuses: dict[int, tuple[str | None, bool]] = {}
    for review in ordered:
        current = ClassificationValue(review.classification)
        moved = transition(previous=list(enumerate(seen)), current=current)
        previous = seen[-1] if seen else None
        if previous in (ClassificationValue.POOR, ClassificationValue.NEAR_POOR) and _LEVEL[current] > _LEVEL[previous]:
            escapes.append((review.year, _LEVEL[previous]))
        months = newly_escaped_months.get(review.standard_id)
        newly = bool(months) and any(
            _LEVEL[current] > level
            and is_newly_escaped(escaped_review_year=escaped_year, year=review.year + 1, months=months)
            for escaped_year, level in escapes
        )
        statuses[review.pk] = (moved.value if moved else None, newly)
        seen.append(current)
    return statuses


def _history():
    """The reviews that make up a household's history (the import pipeline narrows this to current reviews when
    it keeps replaced ones)."""
    return HouseholdReview.objects.all()


def _chunk_size() -> int:
    """Ids per statement: under SQLite's bound-parameter limit, generous elsewhere."""
    limit = connection.features.max_query_params
    if connection.vendor == "postgresql":
        return 50_000  # one array parameter per statement
    return min(limit - 10, 10_000) if limit else 10_000


def transitions_recompute(*, household_ids: Iterable[int], year: int) -> int:
    """Recompute `transition` and `is_newly_escaped` of the reviews of `household_ids` from review year `year`
    on (earlier reviews do not depend on later ones); returns how many reviews changed.

    Set-based, for the importer: one query for the standards' windows, one read of the households' reviews per
    chunk of ids, then one UPDATE per (new transition, newly escaped) pair and chunk: a few statements for
    any number of households, never one per review.
    """
    ids = sorted(set(household_ids))
    if not ids:
        return 0
    if connection.vendor == "postgresql":
        return _transitions_recompute_sql(ids, year=year)
    months = {
        pk: (data or {}).get("newly_escaped_months")
        for pk, data in PovertyStandard.objects.values_list("pk", "data")
    }
    changes: dict[tuple[str | None, bool], list[int]] = defaultdict(list)
    size = _chunk_size()
    for start in range(0, len(ids), size):
        by_household: dict[int, list[_ReviewRow]] = defaultdict(list)
        for row in _history_rows(ids[start:start + size]):
            review = _ReviewRow(*row)
            by_household[review.household_id].append(review)
        for reviews in by_household.values():
            statuses = household_statuses(reviews=reviews, newly_escaped_months=months)
            for review in reviews:
                status = statuses[review.pk]
                if review.year >= year and status != (review.transition, review.is_newly_escaped):
                    changes[status].append(review.pk)
    if not changes:
        return 0
    changed = 0
    with transaction.atomic():
        for (moved, newly), pks in changes.items():
            for start in range(0, len(pks), size):
                changed += _statuses_update(pks[start:start + size], transition=moved, is_newly_escaped=newly)
    return changed


# household_statuses as one statement. Each review with the previous review's level (poor 0, near-poor 1, above 2)
# and whether any earlier one was poor, in review_order_key order (year, date with a periodic review at 14
# December, ad-hoc before periodic, id; a review not inserted yet has no id and sorts last in its tie): the
# transition. Then the latest escape from each level so far, with the review's own standard's window
# (ceil(months / 12) years after the escape year): "newly escaped" (the latest escape is the one whose window
# reaches furthest). The standards' windows are read once (MATERIALIZED): `data` is one large JSON value each.
_STATUSES_SELECT = """
WITH windows AS MATERIALIZED (
    SELECT id, ceil((data ->> 'newly_escaped_months')::numeric / 12) AS years FROM {standard}
), steps AS (
    SELECT r.id, r.household_id, r.year, r.review_date, r.kind, r.level, w.years AS window_years,
           lag(r.level) OVER h AS previous_level,
           bool_or(r.level = 0) OVER (h ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS was_poor
    FROM (SELECT id, household_id, year, review_date, kind, standard_id,
                 CASE classification WHEN 'poor' THEN 0 WHEN 'near_poor' THEN 1 ELSE 2 END AS level
          FROM ({source}) source) r
    JOIN windows w ON w.id = r.standard_id
    WINDOW h AS (PARTITION BY r.household_id
                 ORDER BY r.year, coalesce(r.review_date, make_date(r.year, 12, 14)), r.kind = 'periodic', r.id)
), escapes AS (
    SELECT t.*,
           max(CASE WHEN previous_level = 0 AND level > 0 THEN year END) OVER h AS escaped_poor,
           max(CASE WHEN previous_level = 1 AND level > 1 THEN year END) OVER h AS escaped_near_poor
    FROM steps t
    WINDOW h AS (PARTITION BY household_id
                 ORDER BY year, coalesce(review_date, make_date(year, 12, 14)), kind = 'periodic', id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT id, household_id,
       CASE WHEN level = 0 THEN
                CASE WHEN previous_level = 0 THEN 'remained' WHEN was_poor THEN 're_poor' ELSE 'newly_poor' END
            WHEN previous_level = 0 THEN 'escaped' END AS transition,
       coalesce(window_years > 0 AND (
           (level > 0 AND escaped_poor + window_years >= year + 1)
           OR (level > 1 AND escaped_near_poor + window_years >= year + 1)
       ), false) AS is_newly_escaped
FROM escapes WHERE year >= %(year)s
"""


def review_statuses_sql(*, source: str) -> str:
    """A SELECT of (id, household_id, transition, is_newly_escaped) for the reviews of review year %(year)s on,
    by the rules of household_statuses, over `source`: a query giving id, household_id, year, review_date, kind,
    standard_id and classification of every review of the households concerned (id NULL for one not inserted
    yet: the importer computes its new reviews' statuses before inserting them)."""
    return _STATUSES_SELECT.format(
        source=source, standard=connection.ops.quote_name(PovertyStandard._meta.db_table)
    )


def _transitions_recompute_sql(household_ids: list[int], *, year: int) -> int:
    """transitions_recompute on PostgreSQL: one UPDATE with window functions over the households' reviews (the
    same rules as household_statuses, which stays the reference; a test compares the two). Only the reviews whose
    status differs are written."""
    review = connection.ops.quote_name(HouseholdReview._meta.db_table)
    statuses = review_statuses_sql(
        source=f"SELECT * FROM {review} WHERE household_id = ANY(%(ids)s)"  # noqa: S608 - the model's table
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH statuses AS ({statuses}) "  # noqa: S608 - the model's table
            f"UPDATE {review} r SET transition = s.transition, is_newly_escaped = s.is_newly_escaped "
            "FROM statuses s WHERE r.id = s.id "
            "AND (r.transition, r.is_newly_escaped) IS DISTINCT FROM (s.transition, s.is_newly_escaped)",
            {"ids": household_ids, "year": year},
        )
        return cursor.rowcount


_HISTORY_COLUMNS = (
    "id", "household_id", "year", "kind", "review_date", "classification", "standard_id", "transition",
    "is_newly_escaped",
)


def _history_rows(household_ids: list[int]):
    """(pk, household_id, year, kind, review_date, classification, standard_id, transition, is_newly_escaped)
    of the households' reviews. On PostgreSQL one array parameter (`= ANY`) instead of thousands of literals."""
    if connection.vendor != "postgresql":
        return _history().filter(household_id__in=household_ids).values_list("pk", *_HISTORY_COLUMNS[1:])
    table = connection.ops.quote_name(HouseholdReview._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_HISTORY_COLUMNS)} FROM {table} WHERE household_id = ANY(%s)",  # noqa: S608
            [household_ids],
        )
        return cursor.fetchall()


def _statuses_update(pks: list[int], *, transition: str | None, is_newly_escaped: bool) -> int:
    if connection.vendor != "postgresql":
        return HouseholdReview.objects.filter(pk__in=pks).update(
            transition=transition, is_newly_escaped=is_newly_escaped
        )
    table = connection.ops.quote_name(HouseholdReview._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET transition = %s, is_newly_escaped = %s WHERE id = ANY(%s)",  # noqa: S608
            [transition, is_newly_escaped, pks],
        )
        return cursor.rowcount


# --- search indexes ------------------------------------------------------------------------------------------------

# The trigram indexes of households (migrations 0001 and 0007): an import's new entries wait in their GIN pending
# list, which every search reads too, until this merges them.
SEARCH_INDEXES = ("household_name_trgm_idx", "household_code_trgm_idx")


def search_index_flush() -> int:
    """Merge the pending lists of the household search indexes into the indexes; returns the pages merged.
    PostgreSQL only (0 elsewhere, or where the indexes do not exist). Needs the index owner (the user that ran the
    migrations) or a superuser; another user gets a warning in the log and autovacuum merges them later."""
    if connection.vendor != "postgresql":
        return 0
    merged = 0
    with connection.cursor() as cursor:
        for name in SEARCH_INDEXES:
            try:
                with transaction.atomic():
                    cursor.execute("SELECT gin_clean_pending_list(to_regclass(%s))", [name])
                    merged += cursor.fetchone()[0] or 0
            except DatabaseError as error:
                logger.warning("search index %s not flushed: %s", name, error)
    return merged
