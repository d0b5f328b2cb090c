"""POST /api/v1/classify/: the contract, the engine's boundaries through the API, and 400s naming the field."""

import pytest

from households.classification import classify
from households.selectors import standards_all
from tests.factories import TEST_PASSWORD

URL = "/api/v1/classify/"
THREE = ["health_insurance", "housing_quality", "sanitation"]
TWO = THREE[:2]


@pytest.fixture
def api(client, people, standards):
    assert client.login(username="lanhdao_bk", password=TEST_PASSWORD)  # any role may classify
    return client


def post(client, **body):
    return client.post(URL, body, content_type="application/json")


@pytest.mark.django_db
def test_anonymous_is_refused(client, standards):
    response = post(client, standard="2022-2025", area="rural", income_per_capita=1, deprivations=[])
    assert response.status_code in (401, 403)


def test_contract_example(api):
    response = post(
        api, standard="2022-2025", area="rural", income_per_capita=1_400_000,
        deprivations=["health_insurance", "sanitation", "telecom"],
    )
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("classification", "deprivation_count", "standard")} == {
        "classification": "poor", "deprivation_count": 3, "standard": "2022-2025",
    }
    assert body["income_line"] == 1_500_000
    assert body["middle_ceiling"] == 2_250_000
    assert body["to_confirm"] is False
    assert body["label"] == "Hộ nghèo"
    assert "1.400.000" in body["reason"]


@pytest.mark.parametrize(
    ("_case", "standard", "area", "income", "deprivations", "expected"),
    [
        ("rural at the line, 3 deprived", "2022-2025", "rural", 1_500_000, THREE, "poor"),
        ("rural at the line, 2 deprived", "2022-2025", "rural", 1_500_000, TWO, "near_poor"),
        ("rural one dong above the line", "2022-2025", "rural", 1_500_001, THREE, "middle"),
        ("rural at the middle ceiling", "2022-2025", "rural", 2_250_000, [], "middle"),
        ("rural one dong above the ceiling", "2022-2025", "rural", 2_250_001, [], "not_poor"),
        ("urban at the line, 3 deprived", "2022-2025", "urban", 2_000_000, THREE, "poor"),
        ("urban one dong above the line", "2022-2025", "urban", 2_000_001, THREE, "middle"),
        ("urban at the middle ceiling", "2022-2025", "urban", 3_000_000, [], "middle"),
        ("urban above the ceiling", "2022-2025", "urban", 3_000_001, [], "not_poor"),
        ("zero income, nothing deprived", "2022-2025", "rural", 0, [], "near_poor"),
        ("2026 rural at the line", "2026-2030", "rural", 2_200_000, [*TWO, "waste_treatment"], "poor"),
        ("2026 rural above: no middle class", "2026-2030", "rural", 2_200_001, THREE, "not_poor"),
        ("2026 urban at the line, 2 deprived", "2026-2030", "urban", 2_800_000, TWO, "near_poor"),
        ("2026 urban one dong above", "2026-2030", "urban", 2_800_001, [], "not_poor"),
    ],
)
def test_api_agrees_with_the_engine_at_every_boundary(api, _case, standard, area, income, deprivations, expected):
    response = post(api, standard=standard, area=area, income_per_capita=income, deprivations=deprivations)
    assert response.status_code == 200, response.content
    body = response.json()
    engine = classify(
        standard=standards_all().rules[standard], area=area, income_per_capita=income, deprivations=deprivations
    )
    assert body["classification"] == engine.classification.value == expected
    assert body["deprivation_count"] == engine.deprivation_count == len(set(deprivations))
    assert body["reason"] == engine.reason
    assert body["income_line"] == engine.income_line
    assert body["middle_ceiling"] == engine.middle_ceiling
    assert body["to_confirm"] is (standard == "2026-2030")


def test_duplicate_keys_count_once_and_come_back_in_standard_order(api):
    body = post(
        api, standard="2022-2025", area="rural", income_per_capita=1, deprivations=["telecom", "employment", "telecom"]
    ).json()
    assert body["deprivations"] == ["employment", "telecom"]
    assert body["deprivation_count"] == 2


@pytest.mark.parametrize(
    ("_case", "changes", "field", "named"),
    [
        ("unknown indicator", {"deprivations": ["health_insurance", "internet"]}, "deprivations", "internet"),
        ("indicator of the other standard", {"deprivations": ["waste_treatment"]}, "deprivations", "waste_treatment"),
        ("2026 has no information access",
         {"standard": "2026-2030", "deprivations": ["information_access"]}, "deprivations", "information_access"),
        ("negative income", {"income_per_capita": -1}, "income_per_capita", "âm"),
        ("fractional income", {"income_per_capita": 1500.5}, "income_per_capita", "số nguyên"),
        ("text income", {"income_per_capita": "nhiều"}, "income_per_capita", "số nguyên"),
        ("unknown standard", {"standard": "2016-2020"}, "standard", "2016-2020"),
        ("unknown area", {"area": "mountain"}, "area", "mountain"),
        ("missing area", {"area": None}, "area", ""),
        ("deprivations not a list", {"deprivations": "telecom"}, "deprivations", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, _case, changes, field, named):
    body = {"standard": "2022-2025", "area": "rural", "income_per_capita": 1_000_000, "deprivations": []}
    body.update(changes)
    body = {key: value for key, value in body.items() if value is not None}
    response = api.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert named in " ".join(errors[field])


def test_classify_costs_a_fixed_number_of_queries(api, django_assert_num_queries):
    # session, user, standards
    with django_assert_num_queries(3):
        response = post(api, standard="2022-2025", area="rural", income_per_capita=1, deprivations=THREE)
    assert response.status_code == 200
