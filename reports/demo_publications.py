"""The review cycle in the demo (issue 17): the years whose figures were published are published, with plausible
decision numbers, every submitting unit approved first; Hà Tĩnh 2023 stays provisional with every district open;
and the 2026 review is under way under today's units (today's Thái Nguyên, which holds the former Bắc Kạn's
communes): some communes submitted straight to the province, some approved, the others still open.

A handful of set-based writes per province-year (no per-household work). Running it again changes nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from households import cycle
from households.models import ReviewState, ReviewTransition, UnitReviewState
from provinces.models import UnitSuccession
from provinces.selectors import unit_in_force
from reports.models_publications import Publication
from reports.publications import publication_create

# (province code, review year, decision number, decision date, the demo staff account that publishes)
PUBLISHED = [
    ("06", 2021, "2187/QĐ-UBND", datetime.date(2021, 12, 24), "so_backan"),
    ("06", 2022, "2315/QĐ-UBND", datetime.date(2022, 12, 26), "so_backan"),
    ("06", 2023, "2402/QĐ-UBND", datetime.date(2023, 12, 27), "so_backan"),
    ("42", 2022, "3596/QĐ-UBND", datetime.date(2022, 12, 29), "so_hatinh"),
    ("20", 2022, "2241/QĐ-UBND", datetime.date(2022, 12, 23), "so_langson"),
]
UNDER_WAY = ("19", 2026, "so_thainguyen_2026")  # today's Thái Nguyên, 2026 standard, communes submit


def _approve_all(*, province, year: int, staff) -> None:
    """Every submitting unit of the province-year submitted and approved by `staff` (bulk: one row each)."""
    units = cycle.submitting_units(province=province, year=year)
    done = set(UnitReviewState.objects.filter(unit__in=units, year=year).values_list("unit_id", flat=True))
    when = datetime.datetime.combine(datetime.date(year, 12, 10), datetime.time(9, 0), tzinfo=datetime.UTC)
    UnitReviewState.objects.bulk_create([
        UnitReviewState(unit=unit, year=year, state=ReviewState.APPROVED, submitted_by=staff, submitted_at=when,
                        decided_by=staff, decided_at=when)
        for unit in units if unit.pk not in done
    ])
    ReviewTransition.objects.bulk_create([
        ReviewTransition(unit=unit, year=year, action=action, from_state=before, to_state=after, by=staff,
                         username=staff.get_username())
        for unit in units if unit.pk not in done
        for action, before, after in (("submit", "open", "submitted"), ("approve", "submitted", "approved"))
    ])


def publications_demo_create() -> str:
    users = {user.username: user for user in get_user_model().objects.filter(
        username__in={item[4] for item in PUBLISHED} | {UNDER_WAY[2]})}
    made = []
    for code, year, number, date, username in PUBLISHED:
        province = unit_in_force(code=code, year=year)
        staff = users.get(username)
        if province is None or staff is None:
            continue
        if Publication.objects.filter(province=province, year=year).exists():
            continue
        with transaction.atomic():
            _approve_all(province=province, year=year, staff=staff)
            publication_create(province=province, year=year, decision_number=number, decision_date=date,
                               acting_user=staff, refresh=False)
        made.append(f"{province.short_name} {year}")
    under_way = _review_under_way(users.get(UNDER_WAY[2]))
    return f"công bố {', '.join(made) or 'không có gì mới'}; {under_way}"


def _review_under_way(staff) -> str:
    """2026 in today's Thái Nguyên: of the communes that took over the former Bắc Kạn's, a third approved, a third
    submitted, the rest open (plus every other commune open)."""
    code, year, _username = UNDER_WAY
    province = unit_in_force(code=code, year=year)
    if province is None or staff is None:
        return "kỳ rà soát 2026: không có đơn vị"
    communes = cycle.submitting_units(province=province, year=year)
    from_bac_kan = set(UnitSuccession.objects.filter(
        successor__in=communes, predecessor__parent__parent__code="06",
    ).values_list("successor_id", flat=True))
    chosen = [unit for unit in communes if unit.pk in from_bac_kan]
    if UnitReviewState.objects.filter(unit__in=chosen, year=year).exists():
        return "kỳ rà soát 2026 đã có"
    third = len(chosen) // 3
    approved, submitted = chosen[:third], chosen[third:2 * third]
    when = datetime.datetime(2026, 11, 20, 8, 30, tzinfo=datetime.UTC)
    rows = [UnitReviewState(unit=unit, year=year, state=ReviewState.APPROVED, submitted_at=when, decided_by=staff,
                            decided_at=when) for unit in approved]
    rows += [UnitReviewState(unit=unit, year=year, state=ReviewState.SUBMITTED, submitted_at=when)
             for unit in submitted]
    UnitReviewState.objects.bulk_create(rows)
    ReviewTransition.objects.bulk_create(
        [ReviewTransition(unit=unit, year=year, action="submit", from_state="open", to_state="submitted")
         for unit in approved + submitted]
        + [ReviewTransition(unit=unit, year=year, action="approve", from_state="submitted", to_state="approved",
                            by=staff, username=staff.get_username()) for unit in approved]
    )
    return (f"kỳ rà soát 2026 ({province.short_name}): {len(approved)} xã đã duyệt, {len(submitted)} xã đã chốt, "
            f"{len(communes) - len(approved) - len(submitted)}/{len(communes)} xã chưa chốt")
