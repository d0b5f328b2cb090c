"""ImportClassifier, the review import's classify(): the same (value, deprivation count, reason) as classify() for
every standard in the reference data and a few made-up ones, at the lines, around them and at random. No database."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import pytest

from households.classification import (
    Area,
    ClassificationInputError,
    ImportClassifier,
    StandardRules,
    classify,
    standards_from_data,
)

DATA_PATH = Path(__file__).resolve().parents[2] / "households" / "data" / "standards.json"
RAW_DATA = json.loads(DATA_PATH.read_text(encoding="utf-8"))

# Shapes the reference data does not have (yet): a ceiling for one area only, one deprivation enough, every
# indicator needed, a code written decomposed (NFD) where the reason names it (no ceiling for rural).
MADE_UP = [
    {
        "code": unicodedata.normalize("NFD", "thử-một-khu-vực"),
        "income_lines": {"rural": 1_000_000, "urban": 1_200_000},
        "middle_ceilings": {"urban": 1_800_000},
        "indicators": ["a", "b", "c"],
        "min_deprivations": 1,
        "first_review_year": 2000,
        "last_review_year": 2000,
    },
    {
        "code": "chuẩn-thử",
        "income_lines": {"rural": 1, "urban": 999_999_999},
        "middle_ceilings": {"rural": 2, "urban": 1_000_000_000},
        "indicators": ["x", "y"],
        "min_deprivations": 2,
        "first_review_year": 2001,
        "last_review_year": 2001,
    },
]

STANDARDS = [*standards_from_data(RAW_DATA).values(), *standards_from_data(MADE_UP).values()]
IDS = [rules.code for rules in STANDARDS]


def expected(rules: StandardRules, area: str, income: int, deprivations: frozenset[str]) -> tuple[str, int, str]:
    result = classify(standard=rules, area=area, income_per_capita=income, deprivations=deprivations)
    return str(result.classification), result.deprivation_count, result.reason


def incomes_around_lines(rules: StandardRules, area: Area, rnd: random.Random) -> list[int]:
    """0, 1, every line and ceiling and their neighbours, large values and random ones."""
    marks = [rules.income_line(area)]
    if rules.middle_ceiling(area) is not None:
        marks.append(rules.middle_ceiling(area))
    incomes = {0, 1, 999, 1_000, 10**9, 10**12 + 7, 2**63}
    for mark in marks:
        incomes.update(value for value in (mark - 1, mark, mark + 1) if value >= 0)
    top = 3 * max(marks)
    incomes.update(rnd.randrange(0, top) for _ in range(40))
    return sorted(incomes)


def deprivation_sets(rules: StandardRules, rnd: random.Random) -> list[frozenset[str]]:
    """Every count from none to all (several subsets each), plus random subsets."""
    keys = rules.indicators
    sets = {frozenset(), frozenset(keys)}
    for count in range(len(keys) + 1):
        sets.update(frozenset(rnd.sample(keys, count)) for _ in range(3))
        sets.update((frozenset(keys[:count]), frozenset(keys[len(keys) - count :])))
    sets.update(frozenset(key for key in keys if rnd.random() < 0.4) for _ in range(20))
    return list(sets)


@pytest.mark.parametrize("rules", STANDARDS, ids=IDS)
def test_same_as_classify_around_the_lines(rules):
    rnd = random.Random(rules.code)
    fast = ImportClassifier(rules)
    checked = 0
    for area in Area:
        for deprivations in deprivation_sets(rules, rnd):
            for income in incomes_around_lines(rules, area, rnd):
                # The importer passes the area as read (a plain str); an Area member must work the same.
                for area_given in (area.value, area):
                    assert fast(area_given, income, deprivations) == expected(rules, area, income, deprivations)
                    checked += 1
    assert checked > 400


@pytest.mark.parametrize("rules", STANDARDS, ids=IDS)
def test_same_as_classify_on_random_rows(rules):
    """Rows as an import sees them: random areas, incomes and deprivations, keys recurring in any order."""
    rnd = random.Random(7)
    fast = ImportClassifier(rules)
    top = 3 * max(rules.income_lines.values())
    for _ in range(5000):
        area = rnd.choice(("urban", "rural"))
        income = rnd.randrange(0, top)
        deprivations = frozenset(rnd.sample(rules.indicators, rnd.randrange(len(rules.indicators) + 1)))
        result = fast(area, income, deprivations)
        assert result == expected(rules, area, income, deprivations)
        assert unicodedata.is_normalized("NFC", result[2])


def test_values_are_plain_strings():
    rules = STANDARDS[0]
    value, count, reason = ImportClassifier(rules)("rural", 0, frozenset(rules.indicators))
    assert type(value) is str and type(count) is int and type(reason) is str


def test_refuses_what_classify_refuses():
    """The area and deprivations go through classify's own checks (once per distinct pair)."""
    rules = STANDARDS[0]
    fast = ImportClassifier(rules)
    with pytest.raises(ClassificationInputError) as error:
        fast("suburb", 1, frozenset())
    assert error.value.field == "area"
    with pytest.raises(ClassificationInputError) as error:
        fast("rural", 1, frozenset({"not-an-indicator"}))
    assert error.value.field == "deprivations"
