"""GET /api/v1/stats/disbursement/?unit=CODE&year=YYYY (docs/contracts.md): whole VND integers, rate, scope, queries."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from rest_framework.authtoken.models import Token

from budgets.demo import budgets_demo_create
from tests.budgets.conftest import M, allocate, disburse, login

URL = "/api/v1/stats/disbursement/"
D = datetime.date


def expected_rate(disbursed: int, available: int) -> float:
    return float((Decimal(disbursed) * 100 / Decimal(available)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_lang_son_2023_after_the_demo_data(client, world):
    budgets_demo_create()
    login(client, "so_ls")
    response = client.get(URL, {"unit": "20", "year": 2023})
    assert response.status_code == 200
    body = response.json()
    assert body["unit"] == "20" and body["year"] == 2023
    assert body["allocated"] == 344_961_000_000 and type(body["allocated"]) is int
    assert body["by_source"]["central"]["allocated"] == 334_913_000_000
    assert body["by_source"]["local"]["allocated"] == 10_048_000_000
    assert body["by_source"]["other"]["allocated"] == 0 and body["by_source"]["credit"]["allocated"] == 0
    for figures in [body, *body["by_source"].values(), *body["by_project"], *body["by_unit"]]:
        for key in ("allocated", "carried_over", "available", "disbursed", "carried_out", "remaining"):
            assert type(figures[key]) is int, key
    assert body["carried_over"] == 0
    assert 0 < body["disbursed"] < body["allocated"]
    assert body["rate"] == expected_rate(body["disbursed"], body["allocated"])
    assert abs(body["rate"] - body["disbursed"] / body["allocated"] * 100) <= 0.005
    assert [project["code"] for project in body["by_project"]] == [f"DA{n}" for n in range(1, 8)]
    assert sum(project["allocated"] for project in body["by_project"]) == body["allocated"]
    assert sum(unit["allocated"] for unit in body["by_unit"]) == body["allocated"]
    assert body["by_month"][-1]["cumulative"] == body["disbursed"]
    assert body["counterpart"] == {"central": 334_913_000_000, "local": 10_048_000_000, "ratio": 3.0,
                                   "required": 3.0, "is_below": False}


def test_carried_over_funds_are_in_the_denominator(client, world):
    line = allocate(world["province"], 100 * M, year=2022).allocation
    disburse(line, 60 * M, D(2022, 10, 1))
    carried = allocate(world["province"], 40 * M, year=2023, origin=2022, kind="carry_over").allocation
    disburse(carried, 40 * M, D(2023, 3, 1))
    allocate(world["province"], 200 * M, year=2023, code="DA3.1")
    login(client, "lanhdao_bk")
    body = client.get(URL, {"unit": "06", "year": 2023}).json()
    assert (body["allocated"], body["carried_over"], body["available"], body["disbursed"]) == (
        200 * M, 40 * M, 240 * M, 40 * M)
    assert body["rate"] == 16.67
    previous = client.get(URL, {"unit": "06", "year": 2022}).json()
    assert (previous["allocated"], previous["carried_out"], previous["rate"]) == (100 * M, 40 * M, 60.0)


def test_a_unit_without_allocations_has_an_unknown_rate(client, world):
    login(client, "canbo_nari")
    body = client.get(URL, {"unit": "066", "year": 2023}).json()
    assert body["allocated"] == 0 and body["rate"] is None and body["by_project"] == []


@pytest.mark.parametrize(
    ("username", "unit", "status"),
    [
        ("canbo_nari", "066", 200),
        ("canbo_nari", "02146", 200),  # a commune of Na Rì
        ("canbo_nari", "06", 404),  # the province is outside a district officer's scope
        ("canbo_nari", "061", 404),  # a sibling district
        ("canbo_binhgia", "20", 404),
        ("so_bk", "20", 404),  # another province
        ("so_bk", "06", 200),
        ("lanhdao_bk", "066", 200),
        ("so_bk", "999", 404),  # unknown: the same answer as out of scope
    ],
)
def test_scope(client, world, username, unit, status):
    allocate(world["na_ri"], 10 * M, code="DA3.1")
    login(client, username)
    assert client.get(URL, {"unit": unit, "year": 2023}).status_code == status


def test_bad_parameters_are_400_naming_the_field(client, world):
    login(client, "so_bk")
    response = client.get(URL, {"unit": "06"})
    assert response.status_code == 400 and "year" in response.json()
    response = client.get(URL, {"unit": "6x", "year": 2023})
    assert response.status_code == 400 and "unit" in response.json()


def test_anonymous_is_refused(client, db):
    assert client.get(URL, {"unit": "20", "year": 2023}).status_code in (401, 403)


def test_query_count_is_constant(client, world, django_assert_num_queries):
    for index, code in enumerate(["DA2", "DA3.1", "DA4.1", "DA6.1"]):
        allocate(world["na_ri"], (index + 1) * 10 * M, code=code)
        line = allocate(world["kim_hy"], (index + 1) * M, code=code).allocation
        disburse(line, M, D(2023, 5, 1))
    token = Token.objects.create(user=world["staff"])
    # token + user + profile + profile's unit, unit, scope check, lines, monthly sums
    with django_assert_num_queries(5):
        response = client.get(URL, {"unit": "06", "year": 2023}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and len(response.json()["by_project"]) == 4
    allocate(world["ba_be"], 5 * M, code="DA7.1")
    with django_assert_num_queries(5):
        client.get(URL, {"unit": "06", "year": 2023}, HTTP_AUTHORIZATION=f"Token {token.key}")


def test_the_endpoint_is_in_the_schema(client, world):
    login(client, "so_bk")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/stats/disbursement/" in schema["paths"]
