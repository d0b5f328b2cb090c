"""The percentage-point arithmetic, the status rule at its boundaries, cascading and indicator progress:
pure functions, no database."""

import datetime
from decimal import Decimal as D

import pytest

from programmes import targets as t


def test_rates_round_half_up_to_two_places():
    assert t.rate(count=17189, total=192700) == D("8.92")
    assert t.rate(count=1, total=800) == D("0.13")  # 0.125: half up, not to even
    assert t.rate(count=1, total=3) == D("33.33")
    assert t.rate(count=2, total=3) == D("66.67")
    assert t.rate(count=0, total=10) == D("0.00")


@pytest.mark.parametrize(("count", "total"), [(5, None), (5, 0), (None, 10)])
def test_a_rate_without_a_denominator_is_unknown_never_zero(count, total):
    assert t.rate(count=count, total=total) is None


def test_reduction_is_in_percentage_points_never_relative():
    # "giảm 3%" in Lạng Sơn's plan: 8.92% → 5.92%, not 8.92 × 0.97 = 8.65%.
    assert t.target_rate_from_points(baseline_rate=D("8.92"), points=D("3")) == D("5.92")
    assert t.points_from_target_rate(baseline_rate=D("8.92"), target_rate=D("5.92")) == D("3.00")
    assert t.target_rate_from_points(baseline_rate=D("3.79"), points=D("0.65")) == D("3.14")


def test_rates_never_go_below_zero():
    assert t.target_rate_from_points(baseline_rate=D("2.00"), points=D("3.00")) == D("0.00")
    assert t.points_from_target_rate(baseline_rate=D("5.00"), target_rate=D("6.00")) == D("0.00")


def test_households_to_exit_lang_son():
    # 17,189 poor of 192,700 households = 8.92%; target 5.92% allows 11,407.84 poor: 5,782 must leave.
    exit_count = t.households_to_exit(
        baseline_poor=17189, target_rate=D("5.92"), target_total=None, baseline_total=192700
    )
    assert exit_count == 5782
    # That many is enough, and one fewer is not (on the exact, unrounded share).
    assert (17189 - exit_count) * 100 <= D("5.92") * 192700
    assert (17189 - exit_count + 1) * 100 > D("5.92") * 192700


@pytest.mark.parametrize(
    ("_case", "poor", "rate", "target_total", "baseline_total", "expected"),
    [
        ("exact: no rounding up", 100, "5.00", None, 1000, 50),
        ("a fraction of a household rounds up", 100, "5.01", None, 1000, 50),  # ceil(100 − 50.1) = ceil(49.9)
        ("just over a whole household", 100, "4.99", None, 1000, 51),  # ceil(100 − 49.9) = ceil(50.1)
        ("the target year's total when known", 100, "5.00", 1100, 1000, 45),
        ("target above the baseline: nobody", 10, "5.00", None, 1000, 0),
        ("unknown totals", 100, "5.00", None, None, None),
        ("unknown poor count", None, "5.00", None, 1000, None),
        ("unknown target rate", 100, None, None, 1000, None),
    ],
)
def test_households_to_exit_boundaries(_case, poor, rate, target_total, baseline_total, expected):
    assert (
        t.households_to_exit(
            baseline_poor=poor, target_rate=D(rate) if rate else None, target_total=target_total,
            baseline_total=baseline_total,
        )
        == expected
    )


def test_poor_count_from_a_published_rate():
    assert t.poor_from_rate(rate_percent=D("8.92"), total=192700) == 17189
    assert t.poor_from_rate(rate_percent=D("0.50"), total=100) == 1  # 0.5 rounds half up


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (datetime.date(2022, 12, 31), 0),
        (datetime.date(2023, 1, 1), 0),
        (datetime.date(2023, 1, 31), 0),
        (datetime.date(2023, 2, 1), 1),
        (datetime.date(2023, 7, 1), 6),
        (datetime.date(2023, 12, 31), 11),
        (datetime.date(2024, 1, 1), 12),
    ],
)
def test_months_elapsed(on, expected):
    assert t.months_elapsed(year=2023, as_of=on) == expected


B, T = D("8.92"), D("5.92")  # required 3.00 points: 0.25 a month


@pytest.mark.parametrize(
    ("_case", "baseline", "target", "current", "final", "on", "expected"),
    [
        ("no baseline: not assessed", None, T, None, False, datetime.date(2023, 6, 1), None),
        ("no target rate: not assessed", B, None, None, False, datetime.date(2023, 6, 1), None),
        ("final, exactly the target, year over: met", B, T, D("5.92"), True, datetime.date(2024, 1, 1), "met"),
        ("final, exactly the target, in December: met", B, T, D("5.92"), True, datetime.date(2023, 12, 20), "met"),
        ("final, 0.01 above, year over: missed", B, T, D("5.93"), True, datetime.date(2024, 1, 1), "missed"),
        ("final, 0.01 above, last day of the year: pro-rata", B, T, D("5.93"), True, datetime.date(2023, 12, 31),
         "on_track"),  # achieved 2.99 ≥ 11/12 × 3 = 2.75
        ("final, far above, last day of the year", B, T, D("6.20"), True, datetime.date(2023, 12, 31), "at_risk"),
        ("no in-year figure, January", B, T, None, False, datetime.date(2023, 1, 31), "on_track"),
        ("no in-year figure, 1 February", B, T, None, False, datetime.date(2023, 2, 1), "at_risk"),
        ("estimate exactly pro-rata (6 months: 1.50)", B, T, D("7.42"), False, datetime.date(2023, 7, 1),
         "on_track"),
        ("estimate 0.01 short of pro-rata", B, T, D("7.43"), False, datetime.date(2023, 7, 1), "at_risk"),
        ("estimate already at the target", B, T, D("5.92"), False, datetime.date(2023, 3, 1), "on_track"),
        ("year over, review not committed: still at risk, never missed", B, T, None, False,
         datetime.date(2024, 3, 1), "at_risk"),
        ("year over, estimate at the target, awaiting the review", B, T, D("5.90"), False,
         datetime.date(2024, 3, 1), "on_track"),
        ("target not below the baseline", D("5.00"), D("5.00"), None, False, datetime.date(2023, 9, 1), "on_track"),
        ("future year", B, T, None, False, datetime.date(2022, 11, 1), "on_track"),
    ],
)
def test_status_rule_boundaries(_case, baseline, target, current, final, on, expected):
    assert (
        t.target_status(
            year=2023, as_of=on, baseline_rate=baseline, target_rate=target, current_rate=current, is_final=final
        )
        == expected
    )


def test_the_status_rule_is_written_down_in_the_pages_labels():
    for word in ("“Đạt”", "“Không đạt”", "“Đúng tiến độ”", "“Có nguy cơ không đạt”", "“Chưa đánh giá”", "12"):
        assert word in t.STATUS_RULE
    for code in (t.MET, t.MISSED, t.ON_TRACK, t.AT_RISK):
        assert code not in t.STATUS_RULE


# --- one target -----------------------------------------------------------------------------------------------------

ON = datetime.date(2024, 2, 1)


def points_target(points="3.00", **extra):
    return t.TargetInput(year=2023, entered_as="points", points=D(points), rate=None, **extra)


def test_target_from_complete_registry_counts():
    result = t.target_compute(
        target=points_target(),
        baseline=t.YearCounts(total=10000, poor=892, is_complete=True, communes_reviewed=3),
        current=t.YearCounts(total=10000, poor=590, is_complete=True, communes_reviewed=3),
        as_of=ON,
    )
    assert (result.baseline_rate, result.target_rate, result.target_reduction_points) == (D("8.92"), D("5.92"),
                                                                                         D("3.00"))
    assert result.baseline_source == "registry"
    assert result.households_to_exit == 300
    assert (result.actual_rate, result.actual_source, result.status) == (D("5.90"), "registry", "met")


def test_target_entered_as_a_rate_computes_the_points():
    result = t.target_compute(
        target=t.TargetInput(year=2023, entered_as="rate", points=None, rate=D("5.92")),
        baseline=t.YearCounts(total=10000, poor=892, is_complete=True), current=None, as_of=ON,
    )
    assert (result.target_rate, result.target_reduction_points) == (D("5.92"), D("3.00"))


def test_incomplete_registry_falls_back_to_the_reported_baseline():
    result = t.target_compute(
        target=points_target(reported_baseline_rate=D("8.92")),
        baseline=t.YearCounts(total=192700, poor=40, is_complete=False, communes_reviewed=1),
        current=None, as_of=ON,
    )
    assert (result.baseline_rate, result.baseline_source, result.baseline_poor) == (D("8.92"), "reported", 17189)
    assert result.households_to_exit == 5782
    assert result.status == "at_risk"  # the year is over and no review is committed


def test_unknown_baseline_leaves_everything_unknown():
    result = t.target_compute(target=points_target(), baseline=None, current=None, as_of=ON)
    assert result.baseline_rate is None and result.target_rate is None and result.status is None
    assert result.target_reduction_points == D("3.00")


def test_in_year_estimate_replaces_the_reviewed_communes():
    # Baseline 892 poor of 10,000. Two communes have reviewed: they had 500 poor last year, now 300.
    result = t.target_compute(
        target=points_target(),
        baseline=t.YearCounts(total=10000, poor=892, is_complete=True),
        current=t.YearCounts(total=None, poor=300, is_complete=False, communes_reviewed=2,
                             previous_poor_in_reviewed=500),
        as_of=datetime.date(2023, 11, 1),
    )
    assert result.actual_rate is None
    assert result.estimated_rate == D("6.92")  # (892 − 500 + 300) / 10,000
    assert result.status == "at_risk"  # 2.00 achieved < 10/12 × 3 = 2.50


def test_reported_actual_rate_counts_as_final():
    result = t.target_compute(
        target=points_target("2.00", reported_baseline_rate=D("24.71"), reported_actual_rate=D("22.25")),
        baseline=None, current=None, as_of=ON,
    )
    assert (result.actual_rate, result.actual_source, result.status) == (D("22.25"), "reported", "met")


# --- cascading ------------------------------------------------------------------------------------------------------

NA_RI = t.UnitFigures("066", baseline_poor=3000, baseline_total=10000, is_poor_district=False)  # 30%
PAC_NAM = t.UnitFigures("060", baseline_poor=1500, baseline_total=5000, is_poor_district=True)  # 30%
CITY = t.UnitFigures("058", baseline_poor=100, baseline_total=10000)  # 1%
CHILDREN = [NA_RI, PAC_NAM, CITY]
# The province: 4,600 poor of 25,000 = 18.40%.
PROVINCE_RATE = t.rate(count=4600, total=25000)


def test_same_points_everywhere_except_below_zero():
    proposal = t.cascade_propose(points=D("2.00"), parent_baseline_rate=PROVINCE_RATE, children=CHILDREN,
                                 rule=t.SAME_POINTS)
    assert proposal == {"066": D("2.00"), "060": D("2.00"), "058": D("1.00")}  # the city cannot go below 0


def test_proportional_to_the_baseline_rate_with_a_floor_for_poor_districts():
    proposal = t.cascade_propose(points=D("2.00"), parent_baseline_rate=PROVINCE_RATE, children=CHILDREN,
                                 rule=t.PROPORTIONAL)
    assert proposal["066"] == D("3.26")  # 2 × 30 / 18.40 = 3.2609
    assert proposal["060"] == D("5.00")  # 3.26, raised to the poor-district floor
    assert proposal["058"] == D("0.11")  # 2 × 1 / 18.40 = 0.1087
    lower_floor = t.cascade_propose(points=D("2.00"), parent_baseline_rate=PROVINCE_RATE, children=CHILDREN,
                                    rule=t.PROPORTIONAL, poor_district_floor=D("3.00"))
    assert lower_floor["060"] == D("3.26")


def test_proportional_without_a_baseline():
    unknown = t.UnitFigures("999", baseline_poor=None, baseline_total=None)
    proposal = t.cascade_propose(points=D("2.00"), parent_baseline_rate=None, children=[NA_RI, unknown],
                                 rule=t.PROPORTIONAL)
    assert proposal == {"066": D("2.00"), "999": None}
    with pytest.raises(ValueError, match="unknown cascade rule"):
        t.cascade_propose(points=D("1"), parent_baseline_rate=None, children=[NA_RI], rule="average")


def test_same_points_add_up_in_households():
    parent_exit = t.households_to_exit(baseline_poor=4600, target_rate=t.target_rate_from_points(
        baseline_rate=PROVINCE_RATE, points=D("2.00")), target_total=None, baseline_total=25000)
    assert parent_exit == 500  # 4,600 − 16.40% × 25,000
    two_districts = [NA_RI, PAC_NAM]  # without the city, whose 1% cannot fall by 2 points
    check = t.cascade_check(parent_households_to_exit=parent_exit, children=CHILDREN,
                            points={"066": D("2.00"), "060": D("2.00"), "058": D("1.00")})
    assert [line.households_to_exit for line in check.lines] == [200, 100, 100]
    assert (check.children_households, check.difference, check.adds_up, check.shortfall) == (400, -100, False, 100)
    check = t.cascade_check(parent_households_to_exit=parent_exit, children=two_districts,
                            points={"066": D("4.00"), "060": D("2.00")})
    assert (check.children_households, check.adds_up, check.shortfall) == (500, True, 0)


def test_adding_up_is_in_households_not_by_averaging_rates():
    # A small poor district and a large better-off one: reductions of 5 and 1 points average to the province's
    # 3 points, but they move 140 households where the province must move 300.
    small = t.UnitFigures("A", baseline_poor=300, baseline_total=1000)  # 30%
    large = t.UnitFigures("B", baseline_poor=450, baseline_total=9000)  # 5%
    province_rate = t.rate(count=750, total=10000)  # 7.50%
    parent_exit = t.households_to_exit(
        baseline_poor=750, target_rate=t.target_rate_from_points(baseline_rate=province_rate, points=D("3")),
        target_total=None, baseline_total=10000,
    )
    points = {"A": D("5.00"), "B": D("1.00")}
    assert (points["A"] + points["B"]) / 2 == D("3")
    check = t.cascade_check(parent_households_to_exit=parent_exit, children=[small, large], points=points)
    assert (parent_exit, check.children_households, check.adds_up) == (300, 140, False)


def test_cannot_tell_when_a_figure_is_missing():
    unknown = t.UnitFigures("999", baseline_poor=None, baseline_total=None)
    check = t.cascade_check(parent_households_to_exit=10, children=[NA_RI, unknown],
                            points={"066": D("1"), "999": D("1")})
    assert check.adds_up is None and check.children_households is None and check.shortfall == 0
    assert t.cascade_check(parent_households_to_exit=None, children=[NA_RI], points={"066": D("1")}).adds_up is None


# --- indicators -----------------------------------------------------------------------------------------------------


def r(kind, month, value, year=2023):
    return t.Report(kind, datetime.date(year, month, 1), D(value))


def test_sum_never_counts_a_period_twice():
    quarters = [r("quarter", 1, 10), r("quarter", 4, 20), r("quarter", 7, 30), r("quarter", 10, 40)]
    assert t.indicator_achieved(aggregation="sum", reports=quarters) == D("100")
    # A year report covers the quarters and months of that year.
    assert t.indicator_achieved(aggregation="sum", reports=[*quarters, r("year", 1, 95)]) == D("95")
    # Quarters, then months of a quarter not reported as a quarter; months inside a reported quarter are skipped.
    mixed = [r("quarter", 1, 10), r("month", 2, 99), r("month", 4, 5), r("month", 5, 6)]
    assert t.indicator_achieved(aggregation="sum", reports=mixed) == D("21")


def test_latest_and_ratio_take_the_report_that_ends_last():
    reports = [r("year", 1, 60), r("quarter", 10, 65), r("month", 12, 70), r("month", 11, 50)]
    assert t.indicator_achieved(aggregation="latest", reports=reports) == D("70")
    assert t.indicator_achieved(aggregation="ratio", reports=reports[:2]) == D("65")
    assert t.indicator_achieved(aggregation="sum", reports=[]) is None


def test_progress_is_achieved_over_target():
    assert t.progress(achieved=D("21500"), target=D("20000")) == D("107.50")
    assert t.progress(achieved=D("70"), target=D("100")) == D("70.00")
    assert t.progress(achieved=D("1"), target=D("3")) == D("33.33")
    assert t.progress(achieved=None, target=D("3")) is None
    assert t.progress(achieved=D("3"), target=D("0")) is None


@pytest.mark.parametrize(
    ("kind", "start", "aligned"),
    [
        ("month", datetime.date(2023, 5, 1), True), ("month", datetime.date(2023, 5, 2), False),
        ("quarter", datetime.date(2023, 4, 1), True), ("quarter", datetime.date(2023, 5, 1), False),
        ("year", datetime.date(2023, 1, 1), True), ("year", datetime.date(2023, 4, 1), False),
    ],
)
def test_period_alignment(kind, start, aligned):
    assert t.period_is_aligned(period_kind=kind, period_start=start) is aligned
