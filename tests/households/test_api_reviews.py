"""GET /api/v1/reviews/: the contract fields, the scope matrix, masking, filters and a pinned query count."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import TEST_PASSWORD
from tests.households.factories import HouseholdFactory, record

URL = "/api/v1/reviews/"
CONTRACT_FIELDS = {
    "household_code", "head_name", "commune", "year", "income_per_capita", "deprivations", "deprivation_count",
    "classification", "declared_classification", "transition",
}


def login(client, username):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def codes(response) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return sorted((item["household_code"], item["year"]) for item in response.json()["results"])


@pytest.mark.django_db
def test_anonymous_is_refused(client):
    assert client.get(URL).status_code in (401, 403)


def test_items_carry_the_contract_fields(client, registry):
    body = login(client, "canbo_nari").get(URL, {"year": 2024, "unit": "02161"}).json()
    assert body["count"] == 1
    item = body["results"][0]
    assert set(item) >= CONTRACT_FIELDS
    assert {key: item[key] for key in CONTRACT_FIELDS} == {
        "household_code": "YL-001",
        "head_name": "Hoàng Thị Bích",
        "commune": "02161",
        "year": 2024,
        "income_per_capita": 1_000_000,
        "deprivations": ["health_insurance", "housing_quality", "sanitation"],
        "deprivation_count": 3,
        "classification": "poor",
        "declared_classification": "near_poor",
        "transition": "newly_poor",
    }
    assert item["is_mismatch"] is True
    assert item["standard"] == "2022-2025"
    assert item["kind"] == "periodic"


@pytest.mark.parametrize(
    ("username", "expected", "masked"),
    [
        ("canbo_nari", [("KH-001", 2023), ("KH-001", 2024), ("YL-001", 2024)], False),
        ("canbo_babe", [("CR-001", 2024)], False),
        ("canbo_binhgia", [("BG-001", 2024)], False),
        ("so_bk", [("CR-001", 2024), ("KH-001", 2023), ("KH-001", 2024), ("YL-001", 2024)], False),
        ("lanhdao_bk", [("CR-001", 2024), ("KH-001", 2023), ("KH-001", 2024), ("YL-001", 2024)], True),
    ],
)
def test_scope_matrix(client, registry, username, expected, masked):
    response = login(client, username).get(URL)
    assert codes(response) == expected
    names = {item["head_name"] for item in response.json()["results"]}
    if masked:
        assert names <= {"N*** V** A*", "H*** T** B***", "T*** V** C***"}
        assert "N*** V** A*" in names
    else:
        assert not any("*" in name for name in names)


@pytest.mark.django_db
def test_a_user_without_a_profile_sees_nothing(client, registry, django_user_model):
    django_user_model.objects.create_user("khach", password=TEST_PASSWORD)
    response = login(client, "khach").get(URL)
    assert response.status_code == 403  # no role, no cell of the access matrix (config/access.py)
    assert "household_code" not in response.content.decode()


def test_token_authentication_is_scoped_too(client, registry, people):
    token = Token.objects.create(user=people["officer_sibling"])
    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert codes(response) == [("CR-001", 2024)]


@pytest.mark.parametrize(
    ("username", "params", "expected"),
    [
        ("so_bk", {"year": 2024, "unit": "066"}, [("KH-001", 2024), ("YL-001", 2024)]),
        ("so_bk", {"year": 2024, "unit": "06"}, [("CR-001", 2024), ("KH-001", 2024), ("YL-001", 2024)]),
        ("so_bk", {"year": 2024, "unit": "02146"}, [("KH-001", 2024)]),
        ("so_bk", {"unit": "02146"}, [("KH-001", 2023), ("KH-001", 2024)]),
        ("so_bk", {"year": 2024, "unit": "184"}, []),  # another province: empty, as if it did not exist
        ("canbo_nari", {"year": 2024, "unit": "061"}, []),  # the sibling district
        ("canbo_nari", {"year": 2024, "unit": "01849"}, []),  # a commune of the sibling district
        ("canbo_nari", {"year": 2024, "unit": "99999"}, []),  # unknown
        ("canbo_nari", {"year": 2024, "unit": "06"}, [("KH-001", 2024), ("YL-001", 2024)]),  # own province
        ("so_bk", {"year": 2024, "classification": "near_poor"}, [("KH-001", 2024)]),
        ("so_bk", {"transition": "escaped"}, [("KH-001", 2024)]),
        ("so_bk", {"transition": "newly_poor", "year": 2024}, [("CR-001", 2024), ("YL-001", 2024)]),
        ("so_bk", {"is_mismatch": "true"}, [("YL-001", 2024)]),
        ("so_bk", {"kind": "adhoc"}, []),
        ("so_bk", {"year": 2023}, [("KH-001", 2023)]),
    ],
)
def test_filters(client, registry, username, params, expected):
    assert codes(login(client, username).get(URL, params)) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"classification": "rich"}, "classification"),
        ({"transition": "moved"}, "transition"),
        ({"year": "hai nghìn"}, "year"),
        ({"unit": "06x"}, "unit"),
        ({"kind": "monthly"}, "kind"),
    ],
)
def test_bad_filters_are_400s_naming_the_field(client, registry, params, field):
    response = login(client, "so_bk").get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_pagination(client, registry, units):
    for n in range(3):
        record(HouseholdFactory(commune=units["kim_hy"], code=f"P{n}"), 2024, "poor")
    body = login(client, "canbo_nari").get(URL, {"year": 2024, "page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"] and body["previous"] is None


@pytest.mark.parametrize("username", ["canbo_nari", "lanhdao_bk"])
def test_query_count_does_not_grow_with_the_rows(client, registry, units, username, django_assert_num_queries):
    login(client, username)
    # session, user with profile and unit (scope), count, page
    with django_assert_num_queries(4):
        first = client.get(URL, {"year": 2024, "unit": "066"})
    for n in range(25):
        commune = units["kim_hy"] if n % 2 else units["yen_lac"]
        record(HouseholdFactory(commune=commune, code=f"Q{n}"), 2024, "near_poor")
    with django_assert_num_queries(4):
        second = client.get(URL, {"year": 2024, "unit": "066"})
    assert (first.json()["count"], second.json()["count"]) == (2, 27)
