"""The household list and household pages: scope, masking, search, filters, pagination, pinned query counts."""

import json
import re
from pathlib import Path

import pytest

from tests.factories import TEST_PASSWORD
from tests.households.factories import HouseholdFactory, record

LIST = "/households/"
ROOT = Path(__file__).resolve().parents[2]


def login(client, username):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def row_codes(html: str) -> list[str]:
    return re.findall(r'<a href="/households/\d+/">([^<]+)</a>', html)


def detail_url(household) -> str:
    return f"/households/{household.pk}/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LIST, "/households/1/"])
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_empty_scope_says_so(client, people):
    html = login(client, "canbo_nari").get(LIST).content.decode()
    assert 'data-testid="no-reviews"' in html
    assert "Hộ gia đình" in html


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("canbo_nari", ["KH-001", "YL-001"]),
        ("canbo_babe", ["CR-001"]),
        ("canbo_binhgia", ["BG-001"]),
        ("so_bk", ["KH-001", "YL-001", "CR-001"]),
        ("lanhdao_bk", ["KH-001", "YL-001", "CR-001"]),
    ],
)
def test_list_is_scoped(client, registry, username, expected):
    response = login(client, username).get(LIST)
    assert response.status_code == 200
    assert sorted(row_codes(response.content.decode())) == sorted(expected)


def test_list_defaults_to_the_latest_year_and_switches_years(client, registry):
    login(client, "canbo_nari")
    html = client.get(LIST).content.decode()
    assert "rà soát năm 2024" in html
    assert '<option value="2024" selected>2024</option>' in html
    assert row_codes(client.get(LIST, {"year": 2023}).content.decode()) == ["KH-001"]
    assert "rà soát năm 2024" in client.get(LIST, {"year": 1999}).content.decode()  # no such year: the latest


def test_officer_sees_names_and_leadership_sees_them_masked(client, registry):
    html = login(client, "canbo_nari").get(LIST).content.decode()
    assert "Nguyễn Văn An" in html and "Hoàng Thị Bích" in html
    assert 'data-testid="masked-note"' not in html
    html = login(client, "lanhdao_bk").get(LIST).content.decode()
    assert "Nguyễn Văn An" not in html and "Hoàng Thị Bích" not in html and "Trần Văn Cường" not in html
    assert "N*** V** A*" in html and "H*** T** B***" in html
    assert 'data-testid="masked-note"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen van an", ["KH-001"]),
        ("NGUYỄN VĂN AN", ["KH-001"]),
        ("  văn   an ", ["KH-001"]),
        ("hoang thi bich", ["YL-001"]),
        ("bich", ["YL-001"]),
        ("yl-001", ["YL-001"]),
        ("KH-0", ["KH-001"]),
        ("cuong", []),  # Ba Bể: out of scope
        ("khong co ai", []),
    ],
)
def test_search_ignores_diacritics_and_case(client, registry, query, expected):
    html = login(client, "canbo_nari").get(LIST, {"q": query}).content.decode()
    assert row_codes(html) == expected


def test_leadership_searches_by_code_only(client, registry):
    login(client, "lanhdao_bk")
    assert row_codes(client.get(LIST, {"q": "nguyen van an"}).content.decode()) == []
    assert row_codes(client.get(LIST, {"q": "KH-001"}).content.decode()) == ["KH-001"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"commune": "02146"}, ["KH-001"]),
        ({"commune": "02161"}, ["YL-001"]),
        ({"classification": "poor"}, ["YL-001", "CR-001"]),
        ({"classification": "near_poor"}, ["KH-001"]),
        ({"transition": "escaped"}, ["KH-001"]),
        ({"transition": "newly_poor"}, ["YL-001", "CR-001"]),
        ({"ethnic_minority": "1"}, ["YL-001", "CR-001"]),
        ({"ethnic_minority": "0"}, ["KH-001"]),
        ({"female_head": "1"}, ["YL-001"]),
        ({"female_head": "0"}, ["KH-001", "CR-001"]),
        ({"mismatch": "1"}, ["YL-001"]),
        ({"mismatch": "0"}, ["KH-001", "CR-001"]),
        ({"kind": "adhoc"}, []),
        ({"classification": "poor", "commune": "02161", "female_head": "1"}, ["YL-001"]),
        ({"classification": "rich"}, ["KH-001", "YL-001", "CR-001"]),  # invalid: ignored, shown as an error
    ],
)
def test_filters(client, registry, params, expected):
    response = login(client, "so_bk").get(LIST, {"year": 2024, **params})
    assert response.status_code == 200
    assert sorted(row_codes(response.content.decode())) == sorted(expected)


def test_commune_filter_offers_only_communes_in_scope(client, registry):
    html = login(client, "canbo_nari").get(LIST).content.decode()
    assert 'value="02146"' in html and 'value="02161"' in html
    assert 'value="01849"' not in html and 'value="06436"' not in html
    html = login(client, "canbo_nari").get(LIST, {"commune": "01849"}).content.decode()
    assert row_codes(html) == ["KH-001", "YL-001"]  # not a choice: ignored, nothing revealed


def test_list_shows_labels_and_flags_in_vietnamese(client, registry):
    html = login(client, "canbo_nari").get(LIST).content.decode()
    assert "Hộ nghèo" in html and "Hộ cận nghèo" in html
    assert "Hộ thoát nghèo" in html and "Hộ nghèo phát sinh" in html
    assert 'data-testid="mismatch"' in html
    assert "1.000.000" in html  # Vietnamese number format


def test_pagination_keeps_the_filters(client, registry, units):
    for n in range(55):
        record(HouseholdFactory(commune=units["kim_hy"], code=f"P{n:03d}"), 2024, "poor")
    login(client, "canbo_nari")
    html = client.get(LIST, {"classification": "poor"}).content.decode()
    assert len(row_codes(html)) == 50
    assert "56 hộ" in html and "trang 1/2" in html
    assert "?classification=poor&amp;page=2" in html
    html = client.get(LIST, {"classification": "poor", "page": 2}).content.decode()
    assert len(row_codes(html)) == 6
    assert client.get(LIST, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize("username", ["canbo_nari", "lanhdao_bk"])
def test_list_query_count_does_not_grow_with_the_rows(client, registry, units, username, django_assert_num_queries):
    login(client, username)
    # session, user with profile and unit, last and first year, communes of the filter, count, page
    with django_assert_num_queries(7):
        first = client.get(LIST, {"q": "-", "mismatch": "0", "female_head": "0"})
    for n in range(30):
        commune = units["kim_hy"] if n % 2 else units["yen_lac"]
        record(HouseholdFactory(commune=commune, code=f"Q-{n:02d}"), 2024, "near_poor")
    with django_assert_num_queries(7):
        second = client.get(LIST, {"q": "-", "mismatch": "0", "female_head": "0"})
    assert len(row_codes(second.content.decode())) - len(row_codes(first.content.decode())) == 30


# --- the household page --------------------------------------------------------------------------------------------


def test_detail_shows_the_history_and_the_chart_data(client, registry):
    household = registry["an"]
    response = login(client, "canbo_nari").get(detail_url(household))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nguyễn Văn An" in html and "006090001234" in html
    items = html.split('data-testid="timeline-item"')[1:]
    assert len(items) == 2
    assert "Năm 2024" in items[0] and "Hộ thoát nghèo" in items[0] and "Hộ mới thoát nghèo" in items[0]
    assert "Năm 2023" in items[1] and "Hộ nghèo phát sinh" in items[1]
    assert "Bảo hiểm y tế; Chất lượng nhà ở; Nhà tiêu hợp vệ sinh" in items[1]
    data = json.loads(re.search(r'id="deprivation-chart-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["columns"] == ["2023", "2024"]
    assert [indicator["key"] for indicator in data["indicators"]][:4] == [
        "employment", "dependents", "nutrition", "health_insurance",
    ]
    deprived = {(data["columns"][x], data["indicators"][y]["key"]) for x, y, value in data["cells"] if value == 1}
    assert deprived == {
        ("2023", "health_insurance"), ("2023", "housing_quality"), ("2023", "sanitation"),
        ("2024", "health_insurance"),
    }
    assert '<script src="/static/js/households-detail.js" defer></script>' in html
    assert "<script>" not in html  # no inline script: the data travels as JSON


def test_detail_marks_a_standard_to_confirm(client, registry):
    household = registry["an"]
    record(household, 2026, "poor", deprivations=("waste_treatment", "telecom", "sanitation"))
    html = login(client, "canbo_nari").get(detail_url(household)).content.decode()
    assert "cần đối chiếu văn bản" in html
    assert "Thu gom, xử lý rác thải sinh hoạt" in html


@pytest.mark.parametrize(
    ("username", "status"),
    [("canbo_nari", 200), ("so_bk", 200), ("lanhdao_bk", 200), ("canbo_babe", 404), ("canbo_binhgia", 404)],
)
def test_detail_scope_matrix(client, registry, username, status):
    assert login(client, username).get(detail_url(registry["an"])).status_code == status


def test_out_of_scope_looks_like_missing(client, registry):
    login(client, "canbo_babe")
    missing = client.get("/households/999999/")
    foreign = client.get(detail_url(registry["an"]))
    assert missing.status_code == foreign.status_code == 404


def test_leadership_sees_the_household_masked(client, registry):
    html = login(client, "lanhdao_bk").get(detail_url(registry["an"])).content.decode()
    assert "Nguyễn Văn An" not in html and "006090001234" not in html and "1234" not in html
    assert "N*** V** A*" in html
    assert "************" in html
    assert "Hộ thoát nghèo" in html  # the history itself is not personal data


def test_detail_query_count_does_not_grow_with_the_history(client, registry, django_assert_num_queries):
    household = registry["an"]
    login(client, "canbo_nari")
    # session, user with profile and unit, household, the personal-data access row, standards, reviews
    with django_assert_num_queries(6):
        client.get(detail_url(household))
    for year in (2021, 2022, 2025):
        record(household, year, "poor")
    with django_assert_num_queries(6):
        response = client.get(detail_url(household))
    assert response.content.decode().count('data-testid="timeline-item"') == 5


# --- conventions ---------------------------------------------------------------------------------------------------


def test_views_reach_rows_only_through_the_scoped_selectors():
    modules = [ROOT / "households" / "views.py", *sorted((ROOT / "households" / "api").glob("*.py"))]
    for module in modules:
        text = module.read_text(encoding="utf-8")
        for name in ("Household.objects", "HouseholdReview.objects", "AdministrativeUnit.objects"):
            assert name not in text, f"{module.name} uses {name}: go through households.selectors"
