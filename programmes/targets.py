"""Percentage-point arithmetic of poverty-rate targets, their status, cascading, and indicator progress.

Pure functions on plain data: no ORM, no Django. The services feed them counts read by the selectors.

Conventions (rules 4 and 5, docs/domain.md §2):

* A rate is a percentage of *all* households of the unit (or of the group), rounded ROUND_HALF_UP to 2 places,
  as in official reports. A rate without a known denominator is unknown (``None``), never 0.
* A target is in **percentage points**: "giảm 3%" means 3 points (8.92% → 5.92%), never 3% of 8.92.
  ``target_rate = baseline_rate − points`` and ``points = baseline_rate − target_rate``, both on the rounded
  2-decimal baseline, never below 0.
* ``households_to_exit = ceil(baseline_poor − target_rate × total / 100)``, at least 0, where ``total`` is the
  household total of the target year when it is known, else the baseline year's total. With that many
  households fewer, the poor count is at most ``target_rate × total / 100``, so the rate is at most the target.

Status (``STATUS_RULE`` below, shown on the pages word for word).
"""

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
DEFAULT_POOR_DISTRICT_FLOOR = Decimal("5.00")

ON_TRACK, AT_RISK, MISSED, MET = "on_track", "at_risk", "missed", "met"


def gettext_noop(text: str) -> str:
    """Marks a text for the translation catalogue without Django (this module is pure); the views translate it."""
    return text


# Shown on the target pages, translated there: in the labels the pages show (programmes/_status.html), never the
# status codes.
STATUS_RULE = gettext_noop(
    "“Đạt”: kết quả rà soát cuối năm đã chốt và tỷ lệ thực hiện ≤ tỷ lệ mục tiêu. "
    "“Không đạt”: kết quả rà soát cuối năm đã chốt, tỷ lệ thực hiện > tỷ lệ mục tiêu và năm đã kết thúc. "
    "Trong năm (chưa chốt rà soát, hoặc đã chốt nhưng năm chưa kết thúc mà tỷ lệ còn cao hơn mục tiêu): "
    "mức giảm theo tiến độ = mức giảm phải đạt × số tháng trọn đã qua / 12; "
    "“Đúng tiến độ” khi mức giảm đã đạt theo số liệu mới nhất (ước tính từ các xã đã chốt rà soát trong "
    "năm; chưa có thì coi là 0) ≥ mức giảm theo tiến độ, hoặc tỷ lệ hiện tại đã ≤ mục tiêu; ngược lại là "
    "“Có nguy cơ không đạt”. Năm đã qua mà chưa chốt rà soát: vẫn là “Có nguy cơ không đạt” cho đến khi có "
    "kết quả. Chưa biết tỷ lệ đầu kỳ hoặc tỷ lệ mục tiêu: “Chưa đánh giá”."
)


def quantize2(value) -> Decimal:
    """ROUND_HALF_UP to 2 places (Decimal in, Decimal out; ints and strings accepted)."""
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def rate(*, count: int | Decimal | None, total: int | Decimal | None) -> Decimal | None:
    """count / total in percent, computed exactly and rounded half-up (away from zero) to 2 places; None when
    either is unknown or the total is 0. The one percentage of the project: poverty rates, target progress,
    disbursement rates (budgets.rules.percent) and the dashboard's shares all come from here."""
    if count is None or not total:
        return None
    value = Fraction(count) * 100 / Fraction(total)
    hundredths = math.floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(-hundredths if value < 0 else hundredths) / 100).quantize(TWO_PLACES)


def target_rate_from_points(*, baseline_rate: Decimal, points: Decimal) -> Decimal:
    """8.92 − 3.00 = 5.92; never below 0."""
    return max(ZERO, quantize2(Decimal(baseline_rate) - Decimal(points)))


def points_from_target_rate(*, baseline_rate: Decimal, target_rate: Decimal) -> Decimal:
    """8.92 − 5.92 = 3.00 points; never below 0 (a target above the baseline asks for no reduction)."""
    return max(ZERO, quantize2(Decimal(baseline_rate) - Decimal(target_rate)))


def poor_from_rate(*, rate_percent: Decimal, total: int) -> int:
    """The whole number of households a published rate stands for (ROUND_HALF_UP): 8.92% of 192,700 → 17,189."""
    return int((Decimal(rate_percent) * Decimal(total) / HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def households_to_exit(
    *, baseline_poor: int | None, target_rate: Decimal | None, target_total: int | None, baseline_total: int | None
) -> int | None:
    """ceil(baseline_poor − target_rate × total / 100), at least 0; total = the target year's household total
    if known, else the baseline year's. None when the poor count, the target rate or both totals are unknown."""
    total = target_total if target_total is not None else baseline_total
    if baseline_poor is None or target_rate is None or total is None:
        return None
    allowed = Decimal(target_rate) * Decimal(total) / HUNDRED
    return max(0, math.ceil(Decimal(baseline_poor) - allowed))


def interim_poor(*, baseline_poor: int, previous_poor_in_reviewed: int, poor_in_reviewed: int) -> int:
    """An in-year estimate of the poor count: the baseline with the communes that have already committed this
    year's review replaced by their new figures (baseline − their previous poor + their current poor)."""
    return max(0, baseline_poor - previous_poor_in_reviewed + poor_in_reviewed)


def months_elapsed(*, year: int, as_of: datetime.date) -> int:
    """Whole months of `year` completed on `as_of`: 0 until 31 January, 1 from 1 February, … 12 after the year."""
    if as_of.year < year:
        return 0
    if as_of.year > year:
        return 12
    return as_of.month - 1


def expected_reduction(*, required_points: Decimal, year: int, as_of: datetime.date) -> Decimal:
    """The pro-rata reduction due by `as_of`: required × whole months elapsed / 12 (2 places)."""
    return quantize2(Decimal(required_points) * months_elapsed(year=year, as_of=as_of) / 12)


def target_status(
    *,
    year: int,
    as_of: datetime.date,
    baseline_rate: Decimal | None,
    target_rate: Decimal | None,
    current_rate: Decimal | None,
    is_final: bool,
) -> str | None:
    """The status of a poverty-rate target on `as_of` (see STATUS_RULE).

    `current_rate` is the year's committed rate when `is_final`, else the latest in-year estimate (or None).
    """
    if baseline_rate is None or target_rate is None:
        return None
    year_over = as_of > datetime.date(year, 12, 31)
    if is_final and current_rate is not None:
        if current_rate <= target_rate:
            return MET
        if year_over:
            return MISSED
    current = current_rate if current_rate is not None else baseline_rate
    if current <= target_rate:
        return ON_TRACK
    required = Decimal(baseline_rate) - Decimal(target_rate)
    achieved = Decimal(baseline_rate) - Decimal(current)
    if achieved >= expected_reduction(required_points=required, year=year, as_of=as_of):
        return ON_TRACK
    return AT_RISK


# --- one target, all computed fields --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearCounts:
    """What the registry (or a snapshot) says of one unit, group and year.

    `poor` counts the communes that have committed the year's review; `is_complete` says whether all of the
    group's communes have; `previous_poor_in_reviewed` is the previous year's poor count in those same communes.
    """

    total: int | None
    poor: int
    is_complete: bool
    communes_reviewed: int = 0
    previous_poor_in_reviewed: int = 0


@dataclass(frozen=True, slots=True)
class TargetInput:
    year: int
    entered_as: str  # "points" | "rate"
    points: Decimal | None
    rate: Decimal | None
    reported_baseline_rate: Decimal | None = None
    reported_actual_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TargetResult:
    baseline_rate: Decimal | None
    baseline_source: str  # "registry" | "reported" | ""
    baseline_poor: int | None
    baseline_total: int | None
    target_total: int | None
    target_rate: Decimal | None
    target_reduction_points: Decimal | None
    households_to_exit: int | None
    actual_rate: Decimal | None
    actual_source: str
    estimated_rate: Decimal | None
    status: str | None


def target_compute(
    *, target: TargetInput, baseline: YearCounts | None, current: YearCounts | None, as_of: datetime.date
) -> TargetResult:
    """Every computed field of a target from the counts of the baseline year (year − 1) and of the year.

    Baseline: the registry's figure when the previous year's review is complete and its total known; else the
    reported (published) baseline rate, with the poor count derived from it over the baseline year's total (the
    target year's when that is the only one known); else unknown. Actual: the registry's figure when the year's
    review is complete and the year's total known; else the reported actual rate; else unknown. While the year's
    review is partial (and the baseline comes from the registry) the estimate of `interim_poor` over the year's
    total (else the baseline total) drives the status.
    """
    baseline_total = baseline.total if baseline else None
    target_total = current.total if current else None
    baseline_rate, baseline_source, baseline_poor = None, "", None
    if baseline is not None and baseline.is_complete and baseline.total:
        baseline_rate = rate(count=baseline.poor, total=baseline.total)
        baseline_source, baseline_poor = "registry", baseline.poor
    elif target.reported_baseline_rate is not None:
        baseline_rate, baseline_source = quantize2(target.reported_baseline_rate), "reported"
        denominator = baseline_total or target_total
        if denominator:
            baseline_poor = poor_from_rate(rate_percent=baseline_rate, total=denominator)

    known = baseline_rate is not None
    if target.entered_as == "points":
        points = quantize2(target.points)
        target_rate = target_rate_from_points(baseline_rate=baseline_rate, points=points) if known else None
    else:
        target_rate = quantize2(target.rate)
        points = points_from_target_rate(baseline_rate=baseline_rate, target_rate=target_rate) if known else None

    actual_rate, actual_source, estimated = None, "", None
    if current is not None and current.is_complete and current.total:
        actual_rate, actual_source = rate(count=current.poor, total=current.total), "registry"
    elif target.reported_actual_rate is not None:
        actual_rate, actual_source = quantize2(target.reported_actual_rate), "reported"
    elif current is not None and current.communes_reviewed and baseline_source == "registry":
        estimate = interim_poor(
            baseline_poor=baseline_poor, previous_poor_in_reviewed=current.previous_poor_in_reviewed,
            poor_in_reviewed=current.poor,
        )
        estimated = rate(count=estimate, total=current.total or baseline_total)

    status = target_status(
        year=target.year, as_of=as_of, baseline_rate=baseline_rate, target_rate=target_rate,
        current_rate=actual_rate if actual_rate is not None else estimated, is_final=actual_rate is not None,
    )
    return TargetResult(
        baseline_rate=baseline_rate, baseline_source=baseline_source, baseline_poor=baseline_poor,
        baseline_total=baseline_total, target_total=target_total, target_rate=target_rate,
        target_reduction_points=points,
        households_to_exit=households_to_exit(
            baseline_poor=baseline_poor, target_rate=target_rate, target_total=target_total,
            baseline_total=baseline_total,
        ),
        actual_rate=actual_rate, actual_source=actual_source, estimated_rate=estimated, status=status,
    )


# --- cascading a target to the units below ---------------------------------------------------------------------

SAME_POINTS, PROPORTIONAL = "same", "proportional"


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """A unit below the one whose target is split: its baseline counts and its household total of the target
    year (None when unknown: the baseline total is used)."""

    key: str
    baseline_poor: int | None
    baseline_total: int | None
    target_total: int | None = None
    is_poor_district: bool = False

    @property
    def baseline_rate(self) -> Decimal | None:
        return rate(count=self.baseline_poor, total=self.baseline_total)


def cascade_propose(
    *,
    points: Decimal,
    parent_baseline_rate: Decimal | None,
    children: Sequence[UnitFigures],
    rule: str,
    poor_district_floor: Decimal = DEFAULT_POOR_DISTRICT_FLOOR,
) -> dict[str, Decimal | None]:
    """Proposed reduction points for each child.

    * ``same``: the parent's points everywhere;
    * ``proportional``: points × child baseline rate / parent baseline rate (2 places), so districts with more
      poverty reduce more; then for poor districts at least `poor_district_floor` points (Lạng Sơn's plan: at
      least 5 points). When the parent's baseline rate is unknown or 0, the parent's points.

    Never more than the child's own baseline rate (a rate cannot fall below 0). A child whose baseline rate is
    unknown gets None under ``proportional`` (staff enter it by hand) and the parent's points under ``same``.
    """
    points = quantize2(points)
    proposal: dict[str, Decimal | None] = {}
    for child in children:
        child_rate = child.baseline_rate
        if rule == SAME_POINTS:
            value = points
        elif rule == PROPORTIONAL:
            if child_rate is None:
                proposal[child.key] = None
                continue
            value = (
                quantize2(points * child_rate / Decimal(parent_baseline_rate)) if parent_baseline_rate else points
            )
            if child.is_poor_district:
                value = max(value, quantize2(poor_district_floor))
        else:
            raise ValueError(f"unknown cascade rule {rule!r}")
        proposal[child.key] = min(value, child_rate) if child_rate is not None else value
    return proposal


@dataclass(frozen=True, slots=True)
class CascadeLine:
    key: str
    points: Decimal | None
    baseline_rate: Decimal | None
    target_rate: Decimal | None
    households_to_exit: int | None


@dataclass(frozen=True, slots=True)
class CascadeCheck:
    lines: tuple[CascadeLine, ...]
    parent_households: int | None
    children_households: int | None
    difference: int | None  # children − parent: ≥ 0 means the children's targets deliver the parent's
    adds_up: bool | None  # None: cannot tell (a figure is missing)

    @property
    def shortfall(self) -> int:
        """Households the children's targets leave short of the parent's (0 when they add up)."""
        return max(0, -self.difference) if self.difference is not None else 0


def cascade_check(
    *, parent_households_to_exit: int | None, children: Sequence[UnitFigures], points: dict[str, Decimal | None]
) -> CascadeCheck:
    """Do the children's targets add up to the parent's, in households (never by averaging rates)?

    Each child's households to exit follow from its own baseline counts and its points (`households_to_exit`);
    they add up when their sum is at least the parent's households to exit.
    """
    lines = []
    for child in children:
        child_points = points.get(child.key)
        child_rate = child.baseline_rate
        target = (
            target_rate_from_points(baseline_rate=child_rate, points=child_points)
            if child_rate is not None and child_points is not None
            else None
        )
        lines.append(
            CascadeLine(
                key=child.key, points=child_points, baseline_rate=child_rate, target_rate=target,
                households_to_exit=households_to_exit(
                    baseline_poor=child.baseline_poor, target_rate=target, target_total=child.target_total,
                    baseline_total=child.baseline_total,
                ),
            )
        )
    known = [line.households_to_exit for line in lines]
    children_total = sum(known) if lines and all(value is not None for value in known) else None
    if children_total is None or parent_households_to_exit is None:
        return CascadeCheck(tuple(lines), parent_households_to_exit, children_total, None, None)
    difference = children_total - parent_households_to_exit
    return CascadeCheck(tuple(lines), parent_households_to_exit, children_total, difference, difference >= 0)


# --- indicators: achieved over a year, progress ----------------------------------------------------------------

PERIOD_MONTHS = {"year": 12, "quarter": 3, "month": 1}
SUM, LATEST, RATIO = "sum", "latest", "ratio"


@dataclass(frozen=True, slots=True)
class Report:
    period_kind: str
    period_start: datetime.date
    value: Decimal

    @property
    def months(self) -> frozenset[tuple[int, int]]:
        start = self.period_start.year * 12 + self.period_start.month - 1
        return frozenset(divmod(start + n, 12) for n in range(PERIOD_MONTHS[self.period_kind]))

    @property
    def end_key(self) -> tuple:
        return (max(self.months), self.period_start)


def indicator_achieved(*, aggregation: str, reports: Iterable[Report]) -> Decimal | None:
    """What a unit achieved over the reports of one year.

    * ``sum``: reports are added, coarsest first (year, then quarters, then months), skipping any report whose
      months are already covered, so a year report and its quarterly reports are never counted twice;
    * ``latest`` and ``ratio``: the report whose period ends last (the shorter one on a tie: December's month
      report over the fourth quarter's over the year's).

    None when there is no report.
    """
    reports = list(reports)
    if not reports:
        return None
    if aggregation == SUM:
        covered: set = set()
        total = Decimal(0)
        for report in sorted(reports, key=lambda r: (-PERIOD_MONTHS[r.period_kind], r.period_start)):
            if covered & report.months:
                continue
            covered |= report.months
            total += Decimal(report.value)
        return quantize2(total)
    return quantize2(max(reports, key=lambda r: r.end_key).value)


def progress(*, achieved: Decimal | None, target: Decimal | None) -> Decimal | None:
    """achieved / target in percent (2 places); None when either is unknown or the target is 0."""
    return rate(count=achieved, total=target)


def period_is_aligned(*, period_kind: str, period_start: datetime.date) -> bool:
    """A month starts on day 1, a quarter on 1 January/April/July/October, a year on 1 January."""
    if period_start.day != 1:
        return False
    if period_kind == "quarter":
        return period_start.month in (1, 4, 7, 10)
    if period_kind == "year":
        return period_start.month == 1
    return period_kind == "month"
