"""The pure disbursement rules (budgets/rules.py): deadlines, the plan curve, the behind-schedule, overdue and
counterpart flags at their boundaries, exact percentages. No database."""

import datetime
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from budgets import rules
from budgets.rules import RULES_FILE, counterpart_status, line_status, load_rules, percent, rules_from_data

D = datetime.date


def make_rules(**changes) -> rules.Rules:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    for path, value in changes.items():
        node = data
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return rules_from_data(data)


def test_the_shipped_rules_file_loads_with_its_documented_values():
    loaded = load_rules()
    assert loaded.behind_threshold_points == Decimal(10)
    assert loaded.counterpart_min_percent == Decimal(3)
    assert loaded.plan_knots[-1] == (12, Fraction(100))
    assert "02/2022" in loaded.notes["counterpart"]


@pytest.mark.parametrize(
    ("_case", "fiscal_year", "origin_year", "capital_type", "deadline"),
    [
        ("own investment funds", 2023, 2023, "investment", D(2023, 12, 31)),
        ("own recurrent funds", 2023, 2023, "recurrent", D(2023, 12, 31)),
        ("2022 funds extended into 2023", 2023, 2022, "investment", D(2023, 12, 31)),
        ("2023 funds moved to 2024 (Resolutions 104/108)", 2024, 2023, "recurrent", D(2024, 12, 31)),
        ("other carry-over: the default", 2025, 2024, "recurrent", D(2025, 12, 31)),
    ],
)
def test_deadlines(_case, fiscal_year, origin_year, capital_type, deadline):
    assert load_rules().deadline(fiscal_year=fiscal_year, origin_year=origin_year,
                                 capital_type=capital_type) == deadline


def test_deadlines_are_data():
    extended = make_rules(deadlines__own_funds__investment__years_after=1,
                          deadlines__carry_over__by_origin_year={"2023": {"years_after": 0, "month": 6, "day": 30}})
    assert extended.deadline(fiscal_year=2023, origin_year=2023, capital_type="investment") == D(2024, 12, 31)
    assert extended.deadline(fiscal_year=2023, origin_year=2023, capital_type="recurrent") == D(2023, 12, 31)
    assert extended.deadline(fiscal_year=2024, origin_year=2023, capital_type="recurrent") == D(2024, 6, 30)


@pytest.mark.parametrize(
    ("_case", "on", "expected"),
    [
        ("before the year", D(2022, 12, 31), Fraction(0)),
        ("end of March: first knot", D(2023, 3, 31), Fraction(10)),
        ("end of June", D(2023, 6, 30), Fraction(35)),
        ("mid-way between knots, by day", D(2023, 5, 15), Fraction(10) + Fraction(25) * Fraction(45, 91)),
        ("end of the year", D(2023, 12, 31), Fraction(100)),
        ("after the year", D(2024, 3, 1), Fraction(100)),
    ],
)
def test_plan_curve(_case, on, expected):
    assert load_rules().plan_percent(fiscal_year=2023, on=on) == expected


def test_a_decreasing_plan_curve_is_refused():
    with pytest.raises(ValueError, match="decrease"):
        make_rules(plan_curve__percent_by_month_end={"6": "50", "12": "40"})


AMOUNT = 100_000_000  # VND


@pytest.mark.parametrize(
    ("_case", "on", "disbursed", "carried_out", "status"),
    [
        # 30/6: the plan is at 35%; the threshold is 10 points → behind below 25%.
        ("exactly at plan − threshold: not behind", D(2023, 6, 30), 25_000_000, 0, rules.ON_TRACK),
        ("one đồng under plan − threshold: behind", D(2023, 6, 30), 24_999_999, 0, rules.BEHIND),
        ("ahead of plan", D(2023, 6, 30), 60_000_000, 0, rules.ON_TRACK),
        # On the deadline itself the plan is 100%: behind below 90%, never overdue yet.
        ("deadline day at 90%", D(2023, 12, 31), 90_000_000, 0, rules.ON_TRACK),
        ("deadline day just under 90%", D(2023, 12, 31), 89_999_999, 0, rules.BEHIND),
        ("the day after the deadline with funds left: overdue", D(2024, 1, 1), 99_999_999, 0, rules.OVERDUE),
        ("after the deadline, the rest carried over: complete", D(2024, 1, 1), 70_000_000, 30_000_000,
         rules.COMPLETE),
        ("the base is the amount less what was carried out", D(2023, 6, 30), 12_500_000, 50_000_000,
         rules.ON_TRACK),
        ("…and one đồng less is behind", D(2023, 6, 30), 12_499_999, 50_000_000, rules.BEHIND),
        ("fully disbursed", D(2023, 3, 1), AMOUNT, 0, rules.COMPLETE),
    ],
)
def test_line_status_boundaries(_case, on, disbursed, carried_out, status):
    result = line_status(rules=load_rules(), fiscal_year=2023, origin_year=2023, capital_type="recurrent",
                         amount=AMOUNT, disbursed=disbursed, carried_out=carried_out, on=on)
    assert result.status == status
    assert result.is_flagged == (status in (rules.BEHIND, rules.OVERDUE))


def test_a_line_without_funds_is_never_flagged():
    result = line_status(rules=load_rules(), fiscal_year=2023, origin_year=2023, capital_type="recurrent",
                         amount=0, disbursed=0, carried_out=0, on=D(2024, 6, 1))
    assert result.status == rules.EMPTY and not result.is_flagged


def test_carried_over_funds_follow_their_own_deadline():
    # 2023 funds carried into 2024 are not overdue on 1/1/2024 (their deadline is 31/12/2024).
    result = line_status(rules=load_rules(), fiscal_year=2024, origin_year=2023, capital_type="investment",
                         amount=AMOUNT, disbursed=0, carried_out=0, on=D(2024, 1, 1))
    assert result.status == rules.ON_TRACK
    assert result.deadline == D(2024, 12, 31)


def test_the_threshold_is_configurable():
    strict = make_rules(behind_schedule__threshold_points="0")
    result = line_status(rules=strict, fiscal_year=2023, origin_year=2023, capital_type="recurrent",
                         amount=AMOUNT, disbursed=34_999_999, carried_out=0, on=D(2023, 6, 30))
    assert result.status == rules.BEHIND


@pytest.mark.parametrize(
    ("_case", "central", "local", "required", "ratio", "is_below"),
    [
        ("exactly the required 3%", 100_000, 3_000, Decimal(3), Decimal("3.00"), False),
        ("one đồng short", 100_000, 2_999, Decimal(3), Decimal("3.00"), True),
        ("Lạng Sơn 2023: 10,048 / 334,913", 334_913, 10_048, Decimal(3), Decimal("3.00"), False),
        ("Thái Nguyên 2021–2023 against a 10% minimum", 108_779, 8_546, Decimal(10), Decimal("7.86"), True),
        ("no central funds: nothing to match", 0, 0, Decimal(3), None, False),
        ("no local funds at all", 1_000, 0, Decimal(3), Decimal("0.00"), True),
    ],
)
def test_counterpart_boundaries(_case, central, local, required, ratio, is_below):
    status = counterpart_status(central=central * 1_000_000, local=local * 1_000_000, required=required)
    assert status.ratio == ratio
    assert status.is_below is is_below


def test_a_province_may_have_its_own_counterpart_minimum():
    custom = make_rules(counterpart__by_province={"20": "5"})
    assert custom.counterpart_minimum("20") == Decimal(5)
    assert custom.counterpart_minimum("06") == Decimal(3)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 3, Decimal("33.33")), (2, 3, Decimal("66.67")), (1, 800, Decimal("0.13")), (1, 8, Decimal("12.50")),
     (0, 5, Decimal("0.00")), (5, 0, None), (299_231_780_000, 344_961_000_000, Decimal("86.74"))],
)
def test_percent_is_exact_and_rounds_half_up(numerator, denominator, expected):
    assert percent(numerator, denominator) == expected
