"""The disbursement rules as pure functions over plain data: deadlines, the planned disbursement curve, the
behind-schedule and counterpart flags, and exact percentages. No ORM, no Django.

The numbers live in budgets/data/rules.json (edited by staff when a new resolution moves a deadline), never here.

Rules (tested at their boundaries in tests/budgets/test_rules.py):

* **Deadline** of a line: own funds of fiscal year Y → the date given for their capital type (31/12/Y for both
  investment and recurrent capital, docs/domain.md §7); funds carried into Y from origin year O → the date given
  for O under ``carry_over.by_origin_year`` (2022 → 31/12/2023, 2023 → 31/12/2024), else the carry-over default
  (31/12/Y). Dates are ``years_after`` years after the line's fiscal year, on ``month``/``day``.
* **Overdue** (quá hạn): after the deadline, funds remain neither disbursed nor carried over.
* **Behind schedule** (chậm tiến độ): on or before the deadline, the line's disbursement rate is *strictly* lower
  than the planned rate at that date minus ``behind_schedule.threshold_points``. The planned rate follows
  ``plan_curve.percent_by_month_end`` (cumulative % at month ends, 0 on 1 January, linear by day in between).
  The base of a line's rate is its amount less what was carried out of it.
* **Counterpart below the required ratio**: the year's own local funds are *strictly* less than the minimum
  percentage of the year's own central funds (the province's own minimum if ``counterpart.by_province`` has one).
  A unit without central funds is never flagged. Carried-over funds are left out on both sides.
* **Rates** are exact fractions rounded half-up to 2 decimals; a rate over nothing is ``None`` (unknown), never 0.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

from programmes.targets import rate

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.json"

ON_TRACK = "on_track"
BEHIND = "behind"
OVERDUE = "overdue"
COMPLETE = "complete"
EMPTY = "empty"


@dataclass(frozen=True)
class Deadline:
    years_after: int
    month: int
    day: int
    confidence: str = ""
    basis: str = ""

    def on(self, fiscal_year: int) -> datetime.date:
        return datetime.date(fiscal_year + self.years_after, self.month, self.day)


@dataclass(frozen=True)
class Rules:
    investment_deadline: Deadline
    recurrent_deadline: Deadline
    carry_over_default: Deadline
    carry_over_by_origin: Mapping[int, Deadline] = field(default_factory=dict)
    plan_knots: tuple[tuple[int, Fraction], ...] = ((12, Fraction(100)),)
    behind_threshold_points: Decimal = Decimal(10)
    counterpart_min_percent: Decimal = Decimal(3)
    counterpart_by_province: Mapping[str, Decimal] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def deadline(self, *, fiscal_year: int, origin_year: int, capital_type: str) -> datetime.date:
        if origin_year < fiscal_year:
            return self.carry_over_by_origin.get(origin_year, self.carry_over_default).on(fiscal_year)
        if capital_type == "investment":
            return self.investment_deadline.on(fiscal_year)
        return self.recurrent_deadline.on(fiscal_year)

    def plan_percent(self, *, fiscal_year: int, on: datetime.date) -> Fraction:
        """The cumulative planned disbursement (% of the line) at the end of day `on` of `fiscal_year`."""
        previous_date, previous = datetime.date(fiscal_year - 1, 12, 31), Fraction(0)
        if on <= previous_date:
            return Fraction(0)
        for month, percent in self.plan_knots:
            knot = _month_end(fiscal_year, month)
            if on <= knot:
                span = (knot - previous_date).days
                return previous + (percent - previous) * Fraction((on - previous_date).days, span)
            previous_date, previous = knot, percent
        return previous

    def counterpart_minimum(self, province_code: str | None) -> Decimal:
        if province_code and province_code in self.counterpart_by_province:
            return self.counterpart_by_province[province_code]
        return self.counterpart_min_percent


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _deadline(item: Mapping) -> Deadline:
    return Deadline(int(item.get("years_after", 0)), int(item["month"]), int(item["day"]),
                    item.get("confidence", ""), item.get("basis", ""))


def rules_from_data(data: Mapping) -> Rules:
    """Build `Rules` from the JSON structure of rules.json (raises ValueError on a malformed file)."""
    try:
        deadlines = data["deadlines"]
        knots = sorted((int(month), Fraction(str(percent)))
                       for month, percent in data["plan_curve"]["percent_by_month_end"].items())
        if not knots or any(not 1 <= month <= 12 or not 0 <= pct <= 100 for month, pct in knots):
            raise ValueError("plan_curve months must be 1–12 and percentages 0–100")
        if any(later < earlier for (_m1, earlier), (_m2, later) in itertools.pairwise(knots)):
            raise ValueError("plan_curve must not decrease")
        counterpart = data["counterpart"]
        return Rules(
            investment_deadline=_deadline(deadlines["own_funds"]["investment"]),
            recurrent_deadline=_deadline(deadlines["own_funds"]["recurrent"]),
            carry_over_default=_deadline(deadlines["carry_over"]["default"]),
            carry_over_by_origin={
                int(year): _deadline(item) for year, item in deadlines["carry_over"].get("by_origin_year", {}).items()
            },
            plan_knots=tuple(knots),
            behind_threshold_points=Decimal(str(data["behind_schedule"]["threshold_points"])),
            counterpart_min_percent=Decimal(str(counterpart["min_local_percent_of_central"])),
            counterpart_by_province={code: Decimal(str(value))
                                     for code, value in counterpart.get("by_province", {}).items()},
            notes={
                "plan_curve": data["plan_curve"].get("basis", ""),
                "behind_schedule": data["behind_schedule"].get("basis", ""),
                "counterpart": counterpart.get("basis", ""),
            },
        )
    except (KeyError, TypeError, ArithmeticError) as error:
        raise ValueError(f"malformed budget rules: {error!r}") from error


@cache
def _load_default() -> Rules:
    return rules_from_data(json.loads(RULES_FILE.read_text(encoding="utf-8")))


def load_rules(path: Path | str | None = None) -> Rules:
    """The rules from `path` (default budgets/data/rules.json, read once per process)."""
    if path is None:
        return _load_default()
    return rules_from_data(json.loads(Path(path).read_text(encoding="utf-8")))


# --- arithmetic ---------------------------------------------------------------------------------------------------


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator × 100, exact, rounded half-up to 2 decimals; None when the denominator is 0 (the
    project's one percentage, `programmes.targets.rate`)."""
    return rate(count=numerator, total=denominator)


@dataclass(frozen=True)
class LineStatus:
    status: str  # on_track | behind | overdue | complete | empty
    deadline: datetime.date
    expected_percent: Fraction | None = None
    actual_percent: Fraction | None = None

    @property
    def is_flagged(self) -> bool:
        return self.status in (BEHIND, OVERDUE)


def line_status(
    *, rules: Rules, fiscal_year: int, origin_year: int, capital_type: str, amount: int, disbursed: int,
    carried_out: int, on: datetime.date,
) -> LineStatus:
    """Where one budget line stands on day `on` (see the module docstring for the rules)."""
    deadline = rules.deadline(fiscal_year=fiscal_year, origin_year=origin_year, capital_type=capital_type)
    if amount <= 0:
        return LineStatus(EMPTY, deadline)
    if amount - disbursed - carried_out <= 0:
        return LineStatus(COMPLETE, deadline)
    if on > deadline:
        return LineStatus(OVERDUE, deadline)
    base = amount - carried_out
    actual = Fraction(disbursed * 100, base)
    expected = rules.plan_percent(fiscal_year=fiscal_year, on=on)
    threshold = Fraction(str(rules.behind_threshold_points))
    status = BEHIND if actual < expected - threshold else ON_TRACK
    return LineStatus(status, deadline, expected, actual)


@dataclass(frozen=True)
class CounterpartStatus:
    central: int
    local: int
    ratio: Decimal | None  # local / central × 100, 2 decimals; None without central funds
    required: Decimal
    is_below: bool


def counterpart_status(*, central: int, local: int, required: Decimal) -> CounterpartStatus:
    """Local counterpart funds against the required percentage of central funds (exact comparison)."""
    is_below = central > 0 and Fraction(local * 100) < Fraction(str(required)) * central
    return CounterpartStatus(central, local, percent(local, central), required, is_below)


# --- what a write may do to a line (the services and the spreadsheet import ask the same questions) ---------------
#
# Each check returns None when the write is fine, else a short code naming the rule broken; the caller words the
# message for its channel (a form field's error, or "Dòng N: …" in an import's problem list). Written once here.

MAX_VND = 10**14  # 100,000 billion VND on one entry: far above any line (the 2021–2025 national envelope is 75,000)

ORIGINAL, ADJUSTMENT, CARRY_OVER = "original", "adjustment", "carry_over"  # AllocationEntry.Kind values


@dataclass
class LineState:
    """A budget line's counters in whole VND (the line as stored, plus what earlier rows of a file did to it)."""

    amount: int = 0
    disbursed: int = 0
    carried_out: int = 0
    has_original: bool = False

    @property
    def remaining(self) -> int:
        """Neither disbursed nor carried over to the next year."""
        return self.amount - self.disbursed - self.carried_out

    @property
    def used(self) -> int:
        return self.disbursed + self.carried_out


def amount_problem(amount: int, *, allow_negative: bool) -> str | None:
    """"zero", "negative" (where only a positive amount is allowed) or "too_large" (over MAX_VND either way)."""
    if amount == 0:
        return "zero"
    if amount < 0 and not allow_negative:
        return "negative"
    if abs(amount) > MAX_VND:
        return "too_large"
    return None


def in_programme(year: int, *, start_year: int, end_year: int) -> bool:
    return start_year <= year <= end_year


def fiscal_year_too_late(fiscal_year: int, *, today: datetime.date) -> bool:
    """Budget lines are planned at most one year ahead."""
    return fiscal_year > today.year + 1


def unit_in_force_during(year: int, *, valid_from: datetime.date, valid_to: datetime.date | None) -> bool:
    """Whether a unit valid from `valid_from` to `valid_to` (None: still in force) existed at some time in `year`."""
    return valid_from <= datetime.date(year, 12, 31) and (valid_to is None or valid_to >= datetime.date(year, 1, 1))


def entry_years_problem(*, kind: str, fiscal_year: int, origin_year: int) -> str | None:
    """"origin_after_fiscal_year"; "carry_over_not_earlier" (carried funds come from an earlier year);
    "original_not_own_year" (an original assignment is the year's own funds)."""
    if origin_year > fiscal_year:
        return "origin_after_fiscal_year"
    if kind == CARRY_OVER and origin_year >= fiscal_year:
        return "carry_over_not_earlier"
    if kind == ORIGINAL and origin_year != fiscal_year:
        return "original_not_own_year"
    return None


def legal_date_problem(date: datetime.date, *, fiscal_year: int, today: datetime.date) -> str | None:
    """The legal basis is dated: "future", or "out_of_range" (outside the year before to the year after)."""
    if date > today:
        return "future"
    if not datetime.date(fiscal_year - 1, 1, 1) <= date <= datetime.date(fiscal_year + 1, 12, 31):
        return "out_of_range"
    return None


def entry_problem(*, kind: str, amount: int, line: LineState | None, source: LineState | None = None) -> str | None:
    """An entry of `kind` and signed `amount` on `line` (None: no such line yet); `source` is the line of the
    year before that a carry-over draws from (None: none).

    "no_line_to_adjust"; "original_exists" (at most one original per line); "adjustment_below_used" (a line may
    not fall below what was disbursed or carried on); "no_source_line"; "carry_over_exceeds_remaining"."""
    if kind == ADJUSTMENT:
        if line is None:
            return "no_line_to_adjust"
        if line.amount + amount < line.used:
            return "adjustment_below_used"
    elif kind == ORIGINAL:
        if line is not None and line.has_original:
            return "original_exists"
    elif kind == CARRY_OVER:
        if source is None:
            return "no_source_line"
        if amount > source.remaining:
            return "carry_over_exceeds_remaining"
    return None


def entry_apply(*, kind: str, amount: int, line: LineState, source: LineState | None = None) -> None:
    """Move the counters as recording the entry does (after `entry_problem` said it is fine)."""
    line.amount += amount
    line.has_original = line.has_original or kind == ORIGINAL
    if kind == CARRY_OVER and source is not None:
        source.carried_out += amount


def disbursement_date_problem(
    on: datetime.date, *, fiscal_year: int, deadline: datetime.date, today: datetime.date
) -> str | None:
    """A payment is dated "future"; "before_year" (before 1 January of the fiscal year); "after_deadline" (the
    line's deadline: unspent funds must be carried over first)."""
    if on > today:
        return "future"
    if on < datetime.date(fiscal_year, 1, 1):
        return "before_year"
    if on > deadline:
        return "after_deadline"
    return None


def disbursement_problem(*, amount: int, line: LineState) -> str | None:
    """The line's total disbursed stays between 0 ("below_zero": a recovery larger than what was paid) and its
    amount less what was carried on ("over_plan")."""
    after = line.disbursed + amount
    if after < 0:
        return "below_zero"
    if after > line.amount - line.carried_out:
        return "over_plan"
    return None
