"""Classification engine: boundaries, standards, transitions and monotonicity. No database."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from households.classification import (
    Area,
    ClassificationInputError,
    ClassificationValue,
    StandardRules,
    Transition,
    classify,
    format_vnd,
    is_newly_escaped,
    newly_escaped_until,
    standard_for_review_year,
    standard_in_force_on,
    standards_from_data,
    transition,
)

DATA_PATH = Path(__file__).resolve().parents[2] / "households" / "data" / "standards.json"
RAW_DATA = json.loads(DATA_PATH.read_text(encoding="utf-8"))
STANDARDS = standards_from_data(RAW_DATA)
OLD = STANDARDS["2022-2025"]
NEW = STANDARDS["2026-2030"]

CONTRACT_INDICATORS = (
    "employment",
    "dependents",
    "nutrition",
    "health_insurance",
    "adult_education",
    "child_schooling",
    "housing_quality",
    "housing_area",
    "water_source",
    "sanitation",
    "telecom",
    "information_access",
)
TWO = frozenset({"employment", "nutrition"})
THREE = frozenset({"employment", "nutrition", "health_insurance"})

POOR = ClassificationValue.POOR
NEAR_POOR = ClassificationValue.NEAR_POOR
MIDDLE = ClassificationValue.MIDDLE
NOT_POOR = ClassificationValue.NOT_POOR

# Lower rank = more severe.
SEVERITY = {POOR: 0, NEAR_POOR: 1, MIDDLE: 2, NOT_POOR: 3}


def test_data_matches_contract_and_rulings():
    assert OLD.indicators == CONTRACT_INDICATORS
    assert NEW.indicators == (*CONTRACT_INDICATORS[:-1], "waste_treatment")
    assert dict(OLD.income_lines) == {Area.RURAL: 1_500_000, Area.URBAN: 2_000_000}
    assert dict(OLD.middle_ceilings) == {Area.RURAL: 2_250_000, Area.URBAN: 3_000_000}
    assert dict(NEW.income_lines) == {Area.RURAL: 2_200_000, Area.URBAN: 2_800_000}
    assert dict(NEW.middle_ceilings) == {Area.RURAL: None, Area.URBAN: None}
    assert (OLD.min_deprivations, NEW.min_deprivations) == (3, 3)
    assert (OLD.to_confirm, NEW.to_confirm) == (False, True)
    assert "07/2021/NĐ-CP" in OLD.legal_basis
    assert "351/2025/NĐ-CP" in NEW.legal_basis
    assert NEW.indicator("waste_treatment").name == "Thu gom, xử lý rác thải sinh hoạt"
    for rules in STANDARDS.values():
        for detail in rules.indicator_details:
            assert detail.name
            assert detail.deprivation_condition
            assert detail.confidence in {"C", "P", "R", "D", "P/R"}
            assert unicodedata.is_normalized("NFC", detail.deprivation_condition)


@pytest.mark.parametrize(
    ("_case", "standard", "area", "income", "deprivations", "expected"),
    [
        ("rural at line, 3 deprived", OLD, "rural", 1_500_000, THREE, POOR),
        ("rural at line, 2 deprived", OLD, "rural", 1_500_000, TWO, NEAR_POOR),
        ("rural line + 1, 3 deprived", OLD, "rural", 1_500_001, THREE, MIDDLE),
        ("rural zero income, none deprived", OLD, "rural", 0, frozenset(), NEAR_POOR),
        ("rural all 12 deprived", OLD, "rural", 1_000_000, frozenset(CONTRACT_INDICATORS), POOR),
        ("rural middle ceiling", OLD, "rural", 2_250_000, THREE, MIDDLE),
        ("rural middle ceiling + 1", OLD, "rural", 2_250_001, THREE, NOT_POOR),
        ("urban at line, 3 deprived", OLD, "urban", 2_000_000, THREE, POOR),
        ("urban at line, 2 deprived", OLD, "urban", 2_000_000, TWO, NEAR_POOR),
        ("urban line + 1, 2 deprived", OLD, "urban", 2_000_001, TWO, MIDDLE),
        ("urban middle ceiling", OLD, "urban", 3_000_000, frozenset(), MIDDLE),
        ("urban middle ceiling + 1", OLD, "urban", 3_000_001, frozenset(), NOT_POOR),
        ("urban income of rural middle band is still poor", OLD, "urban", 1_800_000, THREE, POOR),
        ("rural same income is middle", OLD, "rural", 1_800_000, THREE, MIDDLE),
        ("Area enum accepted", OLD, Area.URBAN, 2_000_000, THREE, POOR),
        ("list input with duplicates", OLD, "rural", 1_500_000, ["employment", "employment", "nutrition"], NEAR_POOR),
        ("2026-2030 rural at line, 3 deprived", NEW, "rural", 2_200_000, THREE, POOR),
        ("2026-2030 rural at line, 2 deprived", NEW, "rural", 2_200_000, TWO, NEAR_POOR),
        ("2026-2030 rural line + 1 is not_poor", NEW, "rural", 2_200_001, THREE, NOT_POOR),
        ("2026-2030 urban at line, 3 deprived", NEW, "urban", 2_800_000, THREE, POOR),
        ("2026-2030 urban line + 1 is not_poor", NEW, "urban", 2_800_001, frozenset(), NOT_POOR),
        (
            "2026-2030 waste_treatment counts",
            NEW,
            "rural",
            2_000_000,
            frozenset({"employment", "nutrition", "waste_treatment"}),
            POOR,
        ),
        ("income above the old rural line is poor under 2026-2030", NEW, "rural", 1_600_000, THREE, POOR),
    ],
)
def test_classify(_case, standard, area, income, deprivations, expected):
    result = classify(standard=standard, area=area, income_per_capita=income, deprivations=deprivations)
    assert result.classification is expected
    assert result.standard == standard.code
    assert result.deprivation_count == len(set(deprivations))
    assert result.income_line == standard.income_line(Area(area))
    assert unicodedata.is_normalized("NFC", result.reason)


@pytest.mark.parametrize(
    ("_case", "standard", "area", "income", "deprivations", "expected_reason"),
    [
        (
            "poor",
            OLD,
            "rural",
            1_400_000,
            THREE,
            "Thu nhập 1.400.000 đ ≤ chuẩn 1.500.000 đ (nông thôn) và thiếu hụt 3/12 chỉ số (≥ 3): hộ nghèo",
        ),
        (
            "near poor",
            OLD,
            "urban",
            2_000_000,
            TWO,
            "Thu nhập 2.000.000 đ ≤ chuẩn 2.000.000 đ (thành thị) và thiếu hụt 2/12 chỉ số (< 3): hộ cận nghèo",
        ),
        (
            "middle",
            OLD,
            "rural",
            1_600_000,
            THREE,
            "Thu nhập 1.600.000 đ > chuẩn 1.500.000 đ và ≤ mức sống trung bình 2.250.000 đ (nông thôn): "
            "hộ có mức sống trung bình",
        ),
    ],
)
def test_reason_text(_case, standard, area, income, deprivations, expected_reason):
    result = classify(standard=standard, area=area, income_per_capita=income, deprivations=deprivations)
    assert result.reason == expected_reason


def test_reason_without_middle_ceiling_says_so():
    result = classify(standard=NEW, area="rural", income_per_capita=2_300_000, deprivations=THREE)
    assert result.middle_ceiling is None
    assert "chưa quy định mức sống trung bình" in result.reason
    assert "2.200.000" in result.reason


def test_result_lists_deprivations_in_standard_order():
    result = classify(
        standard=OLD,
        area="rural",
        income_per_capita=1,
        deprivations=["telecom", "employment", "housing_area"],
    )
    assert result.deprivations == ("employment", "housing_area", "telecom")


@pytest.mark.parametrize(
    ("_case", "standard", "area", "income", "deprivations", "field", "named"),
    [
        ("negative income", OLD, "rural", -1, THREE, "income_per_capita", "-1"),
        ("float income", OLD, "rural", 1.5, THREE, "income_per_capita", "1.5"),
        (
            "information_access not in 2026-2030",
            NEW,
            "rural",
            1_000_000,
            frozenset({"information_access", "employment"}),
            "deprivations",
            "information_access",
        ),
        (
            "waste_treatment not in 2022-2025",
            OLD,
            "rural",
            1_000_000,
            frozenset({"waste_treatment"}),
            "deprivations",
            "waste_treatment",
        ),
        ("unknown key", OLD, "urban", 1_000_000, ["employment", "no_such_key"], "deprivations", "no_such_key"),
        ("bare string instead of list", OLD, "urban", 1_000_000, "employment", "deprivations", "danh sách"),
        ("unknown area", OLD, "suburban", 1_000_000, THREE, "area", "suburban"),
    ],
)
def test_invalid_input(_case, standard, area, income, deprivations, field, named):
    with pytest.raises(ClassificationInputError) as error:
        classify(standard=standard, area=area, income_per_capita=income, deprivations=deprivations)
    assert error.value.field == field
    assert named in str(error.value)
    assert isinstance(error.value, ValueError)
    assert unicodedata.is_normalized("NFC", error.value.message)


def test_unknown_keys_are_all_named():
    with pytest.raises(ClassificationInputError) as error:
        classify(standard=OLD, area="rural", income_per_capita=0, deprivations={"zeta", "alpha", "employment"})
    assert error.value.values == ("alpha", "zeta")
    assert "alpha, zeta" in error.value.message


@pytest.mark.parametrize(
    ("_case", "year", "expected"),
    [
        ("first review of 2022-2025", 2021, "2022-2025"),
        ("last review of 2022-2025", 2025, "2022-2025"),
        ("first review of 2026-2030", 2026, "2026-2030"),
        ("later review, open-ended", 2030, "2026-2030"),
    ],
)
def test_standard_for_review_year(_case, year, expected):
    assert standard_for_review_year(STANDARDS, year).code == expected


def test_no_standard_for_2020():
    with pytest.raises(ValueError, match="2020"):
        standard_for_review_year(STANDARDS, 2020)


def test_standard_choice_follows_data_not_code():
    shifted = [dict(item) for item in RAW_DATA]
    shifted[0]["last_review_year"] = 2026
    shifted[1]["first_review_year"] = 2027
    standards = standards_from_data(shifted)
    assert standard_for_review_year(standards, 2026).code == "2022-2025"
    assert standard_for_review_year(standards, 2027).code == "2026-2030"


@pytest.mark.parametrize(
    ("_case", "day", "expected"),
    [
        ("ad-hoc review in 2022", date(2022, 6, 1), "2022-2025"),
        ("ad-hoc review in 2026 keeps the old standard", date(2026, 12, 31), "2022-2025"),
        ("ad-hoc review in 2027", date(2027, 1, 1), "2026-2030"),
    ],
)
def test_standard_in_force_on(_case, day, expected):
    assert standard_in_force_on(STANDARDS, day).code == expected


def test_standard_in_force_in_2021_is_unknown():
    with pytest.raises(ValueError):
        standard_in_force_on(STANDARDS, date(2021, 6, 1))


@pytest.mark.parametrize(
    ("_case", "change", "message"),
    [
        ("overlapping review years", {"first_review_year": 2025}, "chồng lấn"),
        ("missing income lines", {"income_lines": None}, "income_lines"),
        ("ceiling below line", {"middle_ceilings": {"rural": 1_000, "urban": None}}, "mức sống trung bình"),
        ("min above indicator count", {"min_deprivations": 13}, "tối thiểu"),
    ],
)
def test_bad_data_is_rejected(_case, change, message):
    data = [dict(item) for item in RAW_DATA]
    data[1].update(change)
    if change.get("income_lines", True) is None:
        del data[1]["income_lines"]
    with pytest.raises(ValueError, match=message):
        standards_from_data(data)


def test_duplicate_standard_code_is_rejected():
    with pytest.raises(ValueError, match="lặp"):
        standards_from_data([RAW_DATA[0], RAW_DATA[0]])


def test_format_vnd():
    assert format_vnd(1_500_000) == "1.500.000"
    assert format_vnd(0) == "0"
    assert format_vnd(-2_000) == "-2.000"


# --------------------------------------------------------------------------- transitions


@pytest.mark.parametrize(
    ("_case", "previous", "current", "expected"),
    [
        ("no history, poor", [], POOR, Transition.NEWLY_POOR),
        ("no history, near poor", [], NEAR_POOR, None),
        (
            "never poor in three years",
            [(2022, NOT_POOR), (2023, MIDDLE), (2024, NOT_POOR)],
            POOR,
            Transition.NEWLY_POOR,
        ),
        (
            "near poor to poor, never poor before",
            [(2022, NEAR_POOR), (2023, NEAR_POOR), (2024, NEAR_POOR)],
            POOR,
            Transition.NEWLY_POOR,
        ),
        ("poor three years running", [(2022, POOR), (2023, POOR), (2024, POOR)], POOR, Transition.REMAINED),
        ("escaped then poor again", [(2022, POOR), (2023, NEAR_POOR), (2024, NOT_POOR)], POOR, Transition.RE_POOR),
        (
            "escaped to middle then poor again",
            [(2022, NOT_POOR), (2023, POOR), (2024, MIDDLE)],
            POOR,
            Transition.RE_POOR,
        ),
        ("re-poor last year, poor again", [(2022, POOR), (2023, MIDDLE), (2024, POOR)], POOR, Transition.REMAINED),
        ("escaped to near poor", [(2022, POOR), (2023, POOR), (2024, POOR)], NEAR_POOR, Transition.ESCAPED),
        ("escaped above the line", [(2022, NEAR_POOR), (2023, NEAR_POOR), (2024, POOR)], MIDDLE, Transition.ESCAPED),
        ("escaped earlier, still out", [(2022, POOR), (2023, NEAR_POOR), (2024, NEAR_POOR)], NOT_POOR, None),
        ("left near-poverty is not a contract transition", [(2022, NEAR_POOR), (2023, NEAR_POOR)], MIDDLE, None),
        ("unsorted history", [(2024, NOT_POOR), (2022, POOR), (2023, POOR)], POOR, Transition.RE_POOR),
        ("gap year: compared with the latest review", [(2021, MIDDLE), (2022, POOR)], POOR, Transition.REMAINED),
        ("plain strings accepted", [(2023, "poor"), (2024, "near_poor")], "poor", Transition.RE_POOR),
    ],
)
def test_transition(_case, previous, current, expected):
    assert transition(previous=previous, current=current) == expected


def test_transition_rejects_duplicate_years():
    with pytest.raises(ValueError):
        transition(previous=[(2023, POOR), (2023, NOT_POOR)], current=POOR)


def test_transition_rejects_unknown_classification():
    with pytest.raises(ValueError):
        transition(previous=[(2023, "rich")], current=POOR)


@pytest.mark.parametrize(
    ("_case", "escaped", "year", "expected"),
    [
        ("escaped in review 2022, first year", 2022, 2023, True),
        ("last year of the window", 2022, 2025, True),
        ("window over", 2022, 2026, False),
        ("review year itself", 2022, 2022, False),
    ],
)
def test_newly_escaped(_case, escaped, year, expected):
    months = OLD.newly_escaped_months
    assert months == 36
    assert newly_escaped_until(escaped_review_year=escaped, months=months) == escaped + 3
    assert is_newly_escaped(escaped_review_year=escaped, year=year, months=months) is expected


# --------------------------------------------------------------------------- properties


standards_strategy = st.sampled_from(list(STANDARDS.values()))
areas = st.sampled_from(list(Area))
incomes = st.integers(min_value=0, max_value=10_000_000)


def _subsets(rules: StandardRules) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(rules.indicators))


@given(data=st.data(), rules=standards_strategy, area=areas, income=incomes, extra=incomes)
def test_more_income_never_makes_a_household_poorer(data, rules, area, income, extra):
    deprivations = data.draw(_subsets(rules))
    lower = classify(standard=rules, area=area, income_per_capita=income, deprivations=deprivations)
    higher = classify(standard=rules, area=area, income_per_capita=income + extra, deprivations=deprivations)
    assert SEVERITY[higher.classification] >= SEVERITY[lower.classification]


@given(data=st.data(), rules=standards_strategy, area=areas, income=incomes)
def test_more_deprivations_never_make_a_household_richer(data, rules, area, income):
    fewer = data.draw(_subsets(rules))
    more = fewer | data.draw(_subsets(rules))
    with_fewer = classify(standard=rules, area=area, income_per_capita=income, deprivations=fewer)
    with_more = classify(standard=rules, area=area, income_per_capita=income, deprivations=more)
    assert SEVERITY[with_more.classification] <= SEVERITY[with_fewer.classification]


@given(data=st.data(), rules=standards_strategy, area=areas, income=incomes)
def test_poverty_needs_low_income_and_enough_deprivations(data, rules, area, income):
    deprivations = data.draw(_subsets(rules))
    result = classify(standard=rules, area=area, income_per_capita=income, deprivations=deprivations)
    at_or_below = income <= rules.income_line(area)
    assert (result.classification is POOR) == (at_or_below and len(deprivations) >= rules.min_deprivations)
    assert (result.classification is NEAR_POOR) == (at_or_below and len(deprivations) < rules.min_deprivations)
    if rules.middle_ceiling(area) is None:
        assert result.classification is not MIDDLE
