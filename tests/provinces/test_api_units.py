"""GET /api/v1/units/ and /api/v1/units/CODE/: search without diacritics, scope, 2025 links, query counts."""

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from provinces.models import AdministrativeUnit
from tests.factories import TEST_PASSWORD, CommuneFactory
from tests.provinces.conftest import add_communes

LIST = "/api/v1/units/"


def login(client, username):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def codes(response):
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


def test_anonymous_is_refused(client, reorg):
    assert client.get(LIST).status_code in (401, 403)
    assert client.get(f"{LIST}066/?year=2024").status_code in (401, 403)


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("no diacritics", "na ri", ["066"]),
        ("upper case, no diacritics", "NA RI", ["066"]),
        ("with diacritics", "Na Rì", ["066"]),
        ("province name without diacritics", "bac kan", ["06"]),
        ("type word and name", "xa kim hy", ["02146"]),
        ("by code", "02146", ["02146"]),
        ("type word only", "thi tran", ["01849", "02161"]),
    ],
)
def test_search_is_diacritic_insensitive(client, people, reorg, _case, query, expected):
    login(client, "so_bk")
    assert codes(client.get(LIST, {"q": query, "year": 2024})) == expected


def test_list_filters_by_level_parent_and_year(client, people, reorg):
    login(client, "so_bk")
    assert codes(client.get(LIST, {"level": "district", "year": 2024})) == ["061", "066"]
    assert codes(client.get(LIST, {"parent": "066", "year": 2024})) == ["02146", "02161"]
    assert codes(client.get(LIST, {"level": "province", "year": 2024})) == ["06"]
    # After 1 July 2025 the same staff see the units their province became, and no district level.
    assert codes(client.get(LIST, {"level": "province", "year": 2026})) == ["19"]
    assert codes(client.get(LIST, {"level": "district", "year": 2026})) == []
    assert codes(client.get(LIST, {"parent": "19", "year": 2026})) == ["01840", "02143", "02161"]


def test_year_defaults_to_the_current_year(client, people, reorg):
    login(client, "so_bk")
    assert timezone.localdate().year >= 2026
    assert codes(client.get(LIST, {"level": "commune"})) == ["01840", "02143", "02161"]


def test_list_items_have_the_contract_fields(client, people, reorg):
    login(client, "so_bk")
    body = client.get(LIST, {"q": "kim hy", "year": 2024}).json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == 1
    item = body["results"][0]
    assert item["parent"] == {"code": "066", "name": "Huyện Na Rì"}
    assert item["level"] == "commune"
    assert item["area"] == "rural"
    assert item["valid_to"] == "2025-06-30"
    assert item["is_poor_district"] is False


def test_district_officer_cannot_list_another_districts_communes(client, people, reorg):
    login(client, "canbo_nari")
    assert codes(client.get(LIST, {"level": "commune", "year": 2024})) == ["02146", "02161"]
    assert codes(client.get(LIST, {"parent": "061", "year": 2024})) == []
    assert codes(client.get(LIST, {"q": "cho ra", "year": 2024})) == []
    # Their province and district (ancestors) are listed; the sibling district and other provinces are not.
    assert codes(client.get(LIST, {"year": 2024})) == ["02146", "02161", "06", "066"]
    assert codes(client.get(LIST, {"level": "district", "year": 2024})) == ["066"]


def test_scope_follows_the_territory_across_2025(client, people, reorg):
    """A legacy Na Rì officer, in 2026, sees the 2025 communes that took over Na Rì's communes and their
    province; not the commune that came from Ba Bể, nor Lạng Sơn."""
    login(client, "canbo_nari")
    assert codes(client.get(LIST, {"year": 2026})) == ["02143", "02161", "19"]
    login(client, "canbo_babe")
    assert codes(client.get(LIST, {"year": 2026})) == ["01840", "19"]
    login(client, "canbo_binhgia")
    assert codes(client.get(LIST, {"year": 2026})) == ["06436", "20"]


def test_provincial_staff_and_leadership_see_their_province(client, people, reorg):
    for username in ("so_bk", "lanhdao_bk"):
        login(client, username)
        assert codes(client.get(LIST, {"level": "commune", "year": 2024})) == ["01849", "02146", "02161"]
        assert codes(client.get(LIST, {"q": "binh gia", "year": 2024})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"level": "village"}, "level"), ({"year": "abc"}, "year"), ({"parent": "6x"}, "parent"),
        ({"year": 1800}, "year"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(client, people, reorg, query, field):
    login(client, "so_bk")
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert field in response.json()


def test_token_authentication_and_pagination(client, people, reorg):
    add_communes(reorg["na_ri"], 5)
    token = Token.objects.create(user=people["staff"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    body = client.get(LIST, {"level": "commune", "year": 2024, "page_size": 3}, **auth).json()
    assert body["count"] == 8
    assert len(body["results"]) == 3
    assert "page=2" in body["next"]


def test_detail_has_parent_flags_and_successors(client, people, reorg):
    login(client, "so_bk")
    response = client.get(f"{LIST}02161/", {"year": 2024})
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "code": "02161", "name": "Thị trấn Yến Lạc", "short_name": "Yến Lạc", "level": "commune",
        "unit_type": "thị trấn", "parent": {"code": "066", "name": "Huyện Na Rì"}, "area": "urban",
        "latitude": None, "longitude": None, "valid_from": "2000-01-01", "valid_to": "2025-06-30",
        "is_poor_district": False, "is_extremely_difficult": False, "is_coastal": False,
        "is_ethnic_minority_area": False, "is_mountainous": False,
        "successors": [
            {"code": "02161", "name": "Xã Na Rì", "default": True},
            {"code": "02143", "name": "Xã Văn Lang", "default": False},
        ],
        "predecessors": [],
    }


def test_detail_means_the_unit_in_force_in_that_year(client, people, reorg):
    """02161 is Yến Lạc (a thị trấn of Na Rì) until 2025 and Xã Na Rì (Thái Nguyên) after."""
    login(client, "so_bk")
    new = client.get(f"{LIST}02161/", {"year": 2026}).json()
    assert new["name"] == "Xã Na Rì"
    assert new["parent"] == {"code": "19", "name": "Tỉnh Thái Nguyên"}
    assert new["valid_to"] is None
    assert new["predecessors"] == [{"code": "02161", "name": "Thị trấn Yến Lạc", "default": True}]
    assert new["successors"] == []
    province = client.get(f"{LIST}19/", {"year": 2026}).json()
    assert province["parent"] is None
    assert province["predecessors"] == [{"code": "06", "name": "Tỉnh Bắc Kạn", "default": True}]
    van_lang = client.get(f"{LIST}02143/", {"year": 2026}).json()
    assert van_lang["predecessors"] == [
        {"code": "02146", "name": "Xã Kim Hỷ", "default": True},
        {"code": "02161", "name": "Thị trấn Yến Lạc", "default": False},
    ]


def test_detail_is_404_when_missing_or_out_of_scope(client, people, reorg):
    login(client, "canbo_nari")
    assert client.get(f"{LIST}02146/", {"year": 2024}).status_code == 200
    assert client.get(f"{LIST}01849/", {"year": 2024}).status_code == 404  # Ba Bể's commune
    assert client.get(f"{LIST}061/", {"year": 2024}).status_code == 404  # the sibling district
    assert client.get(f"{LIST}06436/", {"year": 2024}).status_code == 404  # another province
    assert client.get(f"{LIST}066/", {"year": 2026}).status_code == 404  # no districts after 2025
    assert client.get(f"{LIST}99999/", {"year": 2024}).status_code == 404
    login(client, "so_bk")
    assert client.get(f"{LIST}01849/", {"year": 2024}).status_code == 200


def test_list_query_count_does_not_grow_with_units(client, people, reorg, django_assert_num_queries):
    login(client, "so_bk")
    add_communes(reorg["na_ri"], 3)
    # session, user with profile, the user's reach (subtree, 2025 links, ancestors), count, page
    with django_assert_num_queries(7):
        assert len(codes(client.get(LIST, {"year": 2024}))) == 9
    add_communes(reorg["na_ri"], 20, start=10)
    with django_assert_num_queries(7):
        assert len(codes(client.get(LIST, {"year": 2024}))) == 29


def test_detail_query_count_is_constant(client, people, reorg, django_assert_num_queries):
    login(client, "so_bk")
    # session, user with profile, the user's reach (3), unit + parent, successors, predecessors
    with django_assert_num_queries(8):
        assert client.get(f"{LIST}02161/", {"year": 2024}).status_code == 200
    for n in range(5):
        extra = CommuneFactory(
            code=f"{97000 + n:05d}", parent=reorg["thai_nguyen"], valid_from=reorg["thai_nguyen"].valid_from,
            valid_to=None,
        )
        reorg["yen_lac"].successor_links.create(successor=extra, is_default=False)
    with django_assert_num_queries(8):
        assert len(client.get(f"{LIST}02161/", {"year": 2024}).json()["successors"]) == 7


def test_superuser_without_profile_sees_everything(client, reorg, django_user_model):
    django_user_model.objects.create_superuser("root", password=TEST_PASSWORD)
    login(client, "root")
    assert AdministrativeUnit.objects.count() == 15
    assert len(codes(client.get(LIST, {"year": 2024}))) == 9
