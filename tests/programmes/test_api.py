"""The contract endpoints: GET /api/v1/projects/ and GET /api/v1/targets/ (docs/contracts.md)."""

import pytest
from rest_framework.authtoken.models import Token

from programmes.groups import HouseholdGroup
from programmes.services import poverty_target_set
from provinces.models import Role
from tests.factories import DistrictFactory, ProfileFactory
from tests.programmes.conftest import add_reviews, login, set_total

PROJECTS = "/api/v1/projects/"
TARGETS = "/api/v1/targets/"


def test_anonymous_is_refused(client, db):
    assert client.get(PROJECTS).status_code in (401, 403)
    assert client.get(TARGETS, {"unit": "20", "year": 2023}).status_code in (401, 403)


def test_projects_of_the_2021_2025_programme(client, people, structure):
    login(client, "canbo_nari")
    response = client.get(PROJECTS, {"programme": "2021-2025"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    projects = body["results"]
    assert [p["code"] for p in projects] == ["DA1", "DA2", "DA3", "DA4", "DA5", "DA6", "DA7"]
    by_code = {p["code"]: p for p in projects}
    assert by_code["DA3"]["name"] == "Hỗ trợ phát triển sản xuất, cải thiện dinh dưỡng"
    assert [(s["code"], s["name"], s["is_confirmed"]) for s in by_code["DA3"]["subprojects"]] == [
        ("DA3.1", "Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp", True),
        ("DA3.2", "Cải thiện dinh dưỡng", True),
    ]
    # The structure is settled (rule 11): every project and sub-project is shown as fact.
    assert [(s["code"], s["is_confirmed"]) for s in by_code["DA4"]["subprojects"]] == [
        ("DA4.1", True), ("DA4.2", True), ("DA4.3", True),
    ]
    assert all(s["is_confirmed"] for p in projects for s in p["subprojects"])
    assert by_code["DA2"]["subprojects"] == [] and by_code["DA5"]["subprojects"] == []
    assert all(p["is_confirmed"] and p["programme"] == "2021-2025" for p in projects)


def test_the_2026_programme_has_no_projects_yet(client, people, structure):
    login(client, "so_bk")
    response = client.get(PROJECTS, {"programme": "2026-2030"})
    assert response.json()["results"] == []
    assert client.get(PROJECTS).json()["count"] == 7


def test_projects_query_count_is_constant(client, people, structure, django_assert_num_queries):
    token = Token.objects.create(user=people["leader"])
    # token + user, count, projects, sub-projects (prefetched)
    with django_assert_num_queries(4):
        response = client.get(PROJECTS, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and len(response.json()["results"]) == 7


@pytest.fixture
def lang_son(units, standard, lang_son_staff):
    """Lạng Sơn at the end of 2022: 892 poor households of 10,000 = 8.92% (its only commune in this world)."""
    set_total(units["binh_gia"], 2022, 10_000)
    add_reviews(units["binh_gia"], 2022, poor=892, near_poor=300, other=10)
    return units


def test_lang_son_2023_target_acceptance(client, lang_son, lang_son_staff):
    poverty_target_set(unit=lang_son["other_province"], year=2023, group="all", entered_as="points", value="3",
                       acting_user=lang_son_staff)
    login(client, "so_ls")
    response = client.get(TARGETS, {"unit": "20", "year": 2023})
    assert response.status_code == 200, response.content
    [target] = response.json()["results"]
    assert target["unit"] == "20" and target["year"] == 2023 and target["group"] == "all"
    assert target["baseline_rate"] == 8.92
    assert target["target_rate"] == 5.92
    assert target["target_reduction_points"] == 3.00
    assert target["households_to_exit"] == 300  # 892 − 5.92% × 10,000
    assert target["actual_rate"] is None
    assert target["status"] in ("on_track", "at_risk")
    assert target["entered_as"] == "points" and target["baseline_source"] == "registry"
    raw = response.content.decode()
    assert '"baseline_rate":8.92' in raw and '"target_rate":5.92' in raw  # JSON numbers, not strings


def test_targets_of_a_unit_are_scoped(client, lang_son, lang_son_staff, people):
    poverty_target_set(unit=lang_son["other_province"], year=2023, group="all", entered_as="points", value="3",
                       acting_user=lang_son_staff)
    for username in ("canbo_nari", "so_bk", "canbo_binhgia"):  # another province; a district below 20
        login(client, username)
        response = client.get(TARGETS, {"unit": "20", "year": 2023})
        assert response.status_code == 200 and response.json()["results"] == [], username
    login(client, "so_ls")
    assert client.get(TARGETS, {"unit": "20", "year": 2030}).json()["results"] == []  # no target that year
    assert len(client.get(TARGETS, {"year": 2023}).json()["results"]) == 1


def test_targets_list_validates_its_parameters(client, people):
    login(client, "so_bk")
    response = client.get(TARGETS, {"unit": "abc", "year": 1900, "group": "rich"})
    assert response.status_code == 400
    assert set(response.json()) == {"unit", "year", "group"}


def test_targets_query_count_is_constant(client, units, people, standard, django_assert_num_queries):
    staff = people["staff"]
    poverty_target_set(unit=units["province"], year=2023, group="all", entered_as="points", value="2",
                       acting_user=staff)
    login(client, "so_bk")
    with django_assert_num_queries(4) as one:  # session, user with profile and unit (scope), count, page
        client.get(TARGETS, {"year": 2023})
    for group in (HouseholdGroup.ETHNIC_MINORITY, HouseholdGroup.HIGH_POVERTY_COMMUNE):
        poverty_target_set(unit=units["province"], year=2023, group=group, entered_as="points", value="3",
                           acting_user=staff)
    for code in ("067", "068"):
        district = DistrictFactory(code=code, parent=units["province"])
        poverty_target_set(unit=district, year=2023, group="all", entered_as="points", value="2", acting_user=staff)
    with django_assert_num_queries(len(one)):
        response = client.get(TARGETS, {"year": 2023})
    assert len(response.json()["results"]) == 5
    with django_assert_num_queries(4):
        response = client.get(TARGETS, {"unit": "06", "year": 2023})
    assert len(response.json()["results"]) == 3


def test_leadership_reads_targets_of_its_province(client, units, people):
    ProfileFactory(user__username="lanhdao_ls", role=Role.LEADERSHIP, unit=units["other_province"])
    login(client, "lanhdao_ls")
    assert client.get(TARGETS, {"unit": "20", "year": 2023}).status_code == 200
