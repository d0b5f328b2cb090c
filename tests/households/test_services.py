"""Standards loading, recording reviews through the engine, transitions and newly-escaped status."""

import datetime
import json
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from config.errors import ApplicationError
from households.classification import ClassificationValue, Transition
from households.models import Household, HouseholdReview, PovertyStandard
from households.selectors import standards_all
from households.services import (
    STANDARDS_PATH,
    household_statuses,
    household_upsert,
    review_record,
    standards_load,
    transitions_recompute,
)
from tests.conftest import require_postgres
from tests.households.factories import POOR_DEPRIVATIONS, HouseholdFactory, record

pytestmark = pytest.mark.django_db


# --- standards -----------------------------------------------------------------------------------------------------


def test_standards_load_is_idempotent():
    assert standards_load() == 2
    rows = {row.code: (row.updated_at, row.data) for row in PovertyStandard.objects.all()}
    assert standards_load() == 0
    assert {row.code: (row.updated_at, row.data) for row in PovertyStandard.objects.all()} == rows
    assert PovertyStandard.objects.count() == 2
    file_data = {item["code"]: item for item in json.loads(STANDARDS_PATH.read_text(encoding="utf-8"))}
    assert {code: data for code, (_at, data) in rows.items()} == file_data
    assert dict(PovertyStandard.objects.values_list("code", "to_confirm")) == {"2022-2025": False, "2026-2030": True}


def test_standards_load_updates_changed_data_and_keeps_a_staff_confirmation(tmp_path):
    standards_load()
    PovertyStandard.objects.filter(code="2026-2030").update(to_confirm=False)
    items = json.loads(STANDARDS_PATH.read_text(encoding="utf-8"))
    items[0]["legal_basis"] = "Nghị định 07/2021/NĐ-CP (sửa)"
    path = tmp_path / "standards.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    assert standards_load(path=path) == 2  # 2022-2025 changed; 2026-2030 records its confirmation in its data
    assert PovertyStandard.objects.get(code="2022-2025").legal_basis == "Nghị định 07/2021/NĐ-CP (sửa)"
    confirmed = PovertyStandard.objects.get(code="2026-2030")
    assert confirmed.to_confirm is False and confirmed.data["to_confirm"] is False
    assert standards_all().rules["2026-2030"].to_confirm is False
    assert standards_load(path=path) == 0


def test_standards_load_refuses_bad_data_and_writes_nothing(tmp_path):
    items = json.loads(STANDARDS_PATH.read_text(encoding="utf-8"))
    items[1]["first_review_year"] = 2025  # overlaps 2022-2025
    path = tmp_path / "standards.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="chồng lấn"):
        standards_load(path=path)
    assert PovertyStandard.objects.count() == 0


def test_rules_from_the_database_match_the_file(standards):
    standards = standards_all()
    assert list(standards.rules) == ["2022-2025", "2026-2030"]
    assert standards.rules["2022-2025"].income_lines["rural"] == 1_500_000
    assert standards.rules["2026-2030"].middle_ceiling("urban") is None
    assert set(standards.ids) == {"2022-2025", "2026-2030"}


def test_model_choices_are_the_engine_values():
    assert set(HouseholdReview.Classification.values) == {value.value for value in ClassificationValue}
    assert set(HouseholdReview.Transition.values) == {value.value for value in Transition}


# --- recording a review --------------------------------------------------------------------------------------------


def test_review_record_classifies_with_the_engine_and_flags_a_mismatch(units, standards):
    household = HouseholdFactory(commune=units["yen_lac"])  # urban commune: line 2,000,000
    review = review_record(
        household=household, year=2024, area=None, income_per_capita=2_000_000,
        deprivations=["sanitation", "health_insurance", "telecom"], declared_classification="near_poor",
    )
    review.refresh_from_db()
    assert review.area == "urban"
    assert review.classification == "poor"  # income equal to the line counts as at or below it
    assert review.deprivations == ["health_insurance", "sanitation", "telecom"]  # the standard's order
    assert review.deprivation_count == 3
    assert review.standard.code == "2022-2025"
    assert review.is_mismatch is True
    assert review.commune_id == units["yen_lac"].pk
    assert review.members == household.members
    assert review.transition == "newly_poor"
    assert "2.000.000" in review.reason


def test_review_record_replaces_the_periodic_review_of_the_year(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    first = record(household, 2024, "poor")
    second = record(household, 2024, "middle", declared_classification="middle")
    assert first.pk == second.pk
    review = HouseholdReview.objects.get()
    assert (review.classification, review.is_mismatch, review.transition) == ("middle", False, None)


def test_periodic_review_is_unique_per_household_and_year(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    review = record(household, 2024, "poor")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdReview.objects.create(
            household=household, commune=household.commune, year=2024, standard=review.standard, area="rural",
            income_per_capita=1, members=1, deprivation_count=0, classification="near_poor",
        )


@pytest.mark.parametrize(
    ("_case", "kwargs", "field"),
    [
        ("unknown indicator", {"deprivations": ["internet"]}, "deprivations"),
        ("negative income", {"income_per_capita": -1}, "income_per_capita"),
        ("unknown area", {"area": "mountain"}, "area"),
        ("no standard for 2019", {"year": 2019}, "year"),
        ("unknown declared class", {"declared_classification": "rich"}, "declared_classification"),
        ("adhoc without a date", {"kind": "adhoc"}, "review_date"),
        ("date outside the year", {"review_date": datetime.date(2023, 5, 1)}, "review_date"),
        ("2026-2030 has no information_access", {"year": 2026, "deprivations": ["information_access"]}, "deprivations"),
    ],
)
def test_review_record_rejects_bad_input_naming_the_field(units, standards, _case, kwargs, field):
    household = HouseholdFactory(commune=units["kim_hy"])
    values = {"year": 2024, "area": "rural", "income_per_capita": 1_000_000, "deprivations": [], **kwargs}
    with pytest.raises(ApplicationError) as raised:
        review_record(household=household, **values)
    assert raised.value.field == field
    assert HouseholdReview.objects.count() == 0


def test_standard_follows_the_review_year_and_adhoc_reviews_use_the_standard_in_force(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    periodic_2025 = record(household, 2025, "poor")
    adhoc_2026 = review_record(
        household=household, year=2026, kind="adhoc", review_date=datetime.date(2026, 3, 10), area="rural",
        income_per_capita=1_600_000, deprivations=[],
    )
    periodic_2026 = review_record(
        household=household, year=2026, area="rural", income_per_capita=1_600_000,
        deprivations=["waste_treatment", "telecom", "sanitation"],
    )
    assert periodic_2025.standard.code == "2022-2025"
    assert adhoc_2026.standard.code == "2022-2025"  # in force during 2026 (review year 2025's standard)
    assert adhoc_2026.classification == "middle"
    assert periodic_2026.standard.code == "2026-2030"
    assert periodic_2026.classification == "poor"  # 1,600,000 ≤ 2,200,000 and 3 deprivations
    # Each review is compared with the one before it in time: 2025 poor → ad-hoc middle → 2026 poor.
    assert [r.transition for r in sorted(HouseholdReview.objects.all(), key=lambda r: (r.year, r.kind))] == [
        "newly_poor", "escaped", "re_poor",
    ]


def test_only_writers_in_scope_may_record(units, people, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    for user in (people["leader"], people["officer_sibling"], people["officer_other"]):
        with pytest.raises(PermissionDenied):
            record(household, 2024, "poor", acting_user=user)
    assert HouseholdReview.objects.count() == 0
    record(household, 2024, "poor", acting_user=people["officer"])
    record(household, 2024, "poor", acting_user=people["staff"])
    assert HouseholdReview.objects.count() == 1


def test_household_upsert_keeps_the_search_text_and_is_scoped(units, people):
    household, created = household_upsert(
        commune=units["kim_hy"], code=" KH-9 ", head_name="Đặng  Thị Ngọc", acting_user=people["officer"]
    )
    assert created and (household.code, household.head_name, household.head_name_search) == (
        "KH-9", "Đặng Thị Ngọc", "dang thi ngoc",
    )
    household, created = household_upsert(commune=units["kim_hy"], code="KH-9", head_name="Đặng Thị Ngà")
    assert not created and household.head_name_search == "dang thi nga"
    with pytest.raises(PermissionDenied):
        household_upsert(commune=units["kim_hy"], code="KH-10", head_name="X", acting_user=people["officer_sibling"])
    assert Household.objects.count() == 1


# --- transitions ---------------------------------------------------------------------------------------------------


def _history(household) -> list[tuple[int, str, str | None, bool]]:
    return list(
        HouseholdReview.objects.filter(household=household).order_by("year").values_list(
            "year", "classification", "transition", "is_newly_escaped"
        )
    )


def test_transitions_over_three_years_with_re_poor(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    record(household, 2022, "poor")
    record(household, 2023, "near_poor")
    record(household, 2024, "poor")
    assert _history(household) == [
        (2022, "poor", "newly_poor", False),
        (2023, "near_poor", "escaped", True),
        (2024, "poor", "re_poor", False),
    ]


def test_remained_newly_poor_after_near_poor_and_no_status_for_the_never_poor(units, standards):
    stays = HouseholdFactory(commune=units["kim_hy"])
    record(stays, 2022, "poor")
    record(stays, 2023, "poor")
    record(stays, 2024, "poor")
    assert [row[2] for row in _history(stays)] == ["newly_poor", "remained", "remained"]
    slides = HouseholdFactory(commune=units["kim_hy"])
    record(slides, 2022, "not_poor")
    record(slides, 2023, "near_poor")
    record(slides, 2024, "poor")
    assert [row[2] for row in _history(slides)] == [None, None, "newly_poor"]


def test_recording_an_earlier_year_recomputes_the_later_ones(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    record(household, 2022, "poor")
    record(household, 2024, "poor")
    assert [row[2] for row in _history(household)] == ["newly_poor", "remained"]
    record(household, 2023, "middle")  # filled in later: 2024 is now a return to poverty
    assert [row[2] for row in _history(household)] == ["newly_poor", "escaped", "re_poor"]
    record(household, 2022, "near_poor")  # corrected: never poor before 2024
    assert [row[2] for row in _history(household)] == [None, None, "newly_poor"]


def test_newly_escaped_lasts_for_the_lists_of_the_three_following_years(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    record(household, 2021, "poor")
    for year in (2022, 2023, 2024, 2025):
        record(household, year, "middle")
    assert [(row[0], row[2], row[3]) for row in _history(household)] == [
        (2021, "newly_poor", False),
        (2022, "escaped", True),  # fixes the 2023 list: within 36 months of the end of 2022
        (2023, None, True),
        (2024, None, True),
        (2025, None, False),  # fixes the 2026 list: past the window
    ]


def test_escaping_near_poverty_also_counts_as_newly_escaped(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    record(household, 2022, "near_poor")
    record(household, 2023, "not_poor")
    record(household, 2024, "near_poor")  # back in near-poverty: no longer escaped from it
    assert [(row[2], row[3]) for row in _history(household)] == [(None, False), (None, True), (None, False)]


def test_household_statuses_is_pure_and_orders_adhoc_reviews_by_date():
    class Row:
        def __init__(self, pk, year, classification, kind="periodic", review_date=None):
            self.pk, self.year, self.classification, self.kind = pk, year, classification, kind
            self.review_date, self.standard_id = review_date, 1

    reviews = [
        Row(3, 2023, "poor"),
        Row(2, 2023, "near_poor", kind="adhoc", review_date=datetime.date(2023, 4, 2)),
        Row(1, 2022, "poor"),
    ]
    assert household_statuses(reviews=reviews, newly_escaped_months={1: 36}) == {
        1: ("newly_poor", False), 2: ("escaped", True), 3: ("re_poor", False),
    }


def test_transitions_recompute_is_set_based(units, standards, django_assert_num_queries):
    def world(count: int, start: int) -> list[int]:
        ids = []
        for n in range(count):
            household = HouseholdFactory(commune=units["kim_hy"], code=f"T{start + n}")
            record(household, 2022, "poor")
            record(household, 2023, "poor")
            ids.append(household.pk)
        return ids

    small, large = world(2, 0), world(12, 100)
    HouseholdReview.objects.update(transition=None)
    # PostgreSQL: one UPDATE with window functions. Elsewhere: standards, reviews, savepoint, one UPDATE per
    # distinct (transition, newly escaped) pair (2 here), release; nothing to change: standards and reviews.
    changing, unchanged = (1, 1) if connection.vendor == "postgresql" else (6, 2)
    with django_assert_num_queries(changing):
        assert transitions_recompute(household_ids=small, year=2022) == 4
    with django_assert_num_queries(changing):
        assert transitions_recompute(household_ids=large, year=2022) == 24
    assert set(HouseholdReview.objects.values_list("year", "transition")) == {(2022, "newly_poor"), (2023, "remained")}
    with django_assert_num_queries(unchanged):
        assert transitions_recompute(household_ids=large, year=2022) == 0


def test_transitions_in_sql_agree_with_household_statuses(units, standards):
    """PostgreSQL computes the statuses in one statement; household_statuses (Python) is the reference. Random
    histories: periodic and ad-hoc reviews (dates on both sides of 14 December), gaps, every classification, and
    a standard without a newly-escaped window."""
    require_postgres()
    rng = random.Random(5)
    windowless = PovertyStandard.objects.create(code="NO-WINDOW", name="x", data={"code": "NO-WINDOW"})
    standard_ids = [*PovertyStandard.objects.exclude(pk=windowless.pk).values_list("pk", flat=True), windowless.pk]
    classes = [value.value for value in ClassificationValue]
    reviews = []
    for n in range(300):
        household = Household.objects.create(commune=units["kim_hy"], code=f"R{n}", head_name="X")
        for year in sorted(rng.sample(range(2019, 2027), rng.randint(1, 6))):
            kinds = rng.choice([["periodic"], ["periodic"], ["adhoc", "periodic"], ["periodic", "adhoc"], ["adhoc"]])
            for kind in kinds:
                reviews.append(HouseholdReview(
                    household=household, commune=units["kim_hy"], year=year, kind=kind,
                    review_date=datetime.date(year, rng.choice([3, 12]), rng.choice([1, 14, 20])) if kind == "adhoc"
                    else None,
                    standard_id=rng.choice(standard_ids), area="rural", income_per_capita=0, members=1,
                    deprivation_count=0, classification=rng.choice(classes),
                    transition=rng.choice([None, "escaped", "remained"]), is_newly_escaped=rng.random() < 0.3,
                ))
    HouseholdReview.objects.bulk_create(reviews)
    months = {pk: (data or {}).get("newly_escaped_months") for pk, data in PovertyStandard.objects.values_list(
        "pk", "data")}
    before = {review.pk: (review.transition, review.is_newly_escaped) for review in HouseholdReview.objects.all()}
    expected = {}
    by_household = {}
    for review in HouseholdReview.objects.all():
        by_household.setdefault(review.household_id, []).append(review)
    for rows in by_household.values():
        statuses = household_statuses(reviews=rows, newly_escaped_months=months)
        expected.update({review.pk: statuses[review.pk] if review.year >= 2022 else before[review.pk]
                         for review in rows})
    changed = sum(1 for pk, status in expected.items() if status != before[pk])
    assert transitions_recompute(household_ids=list(by_household), year=2022) == changed > 100
    assert dict(
        (pk, (transition, newly))
        for pk, transition, newly in HouseholdReview.objects.values_list("pk", "transition", "is_newly_escaped")
    ) == expected


def test_transitions_recompute_leaves_earlier_years_alone(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    record(household, 2022, "poor")
    record(household, 2023, "poor")
    HouseholdReview.objects.update(transition=None)
    assert transitions_recompute(household_ids=[household.pk], year=2023) == 1
    assert [row[2] for row in _history(household)] == [None, "remained"]
    assert transitions_recompute(household_ids=[], year=2023) == 0


def test_poor_deprivations_are_enough_for_poverty(units, standards):
    household = HouseholdFactory(commune=units["kim_hy"])
    review = review_record(
        household=household, year=2024, area="rural", income_per_capita=1_500_000, deprivations=POOR_DEPRIVATIONS[:2]
    )
    assert review.classification == "near_poor"
