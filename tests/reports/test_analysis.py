"""Issue 20, the analysis: `GET /api/v1/stats/poverty/table/`, the `/analysis/` page, its downloads and saved
views, on the seeded demo (the stats API tests' module fixture, seeded once here too)."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from tests.reports.test_stats_api import demo  # noqa: F401 - the seeded demo, a module fixture

URL = "/api/v1/stats/poverty/table/"


@pytest.fixture
def login(demo, db, client):  # noqa: F811
    def as_user(username: str | None = None):
        if username is None:
            user, _ = get_user_model().objects.get_or_create(
                username="root-analysis", defaults={"is_superuser": True, "is_staff": True})
        else:
            user = get_user_model().objects.get(username=username)
        client.force_login(user)
        return client

    return as_user


def number(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- the API -----------------------------------------------------------------------------------------------------


def test_bac_kan_by_district_2021_2023(login):
    response = login("so_backan").get(URL, {"unit": "06", "level": "district", "from": 2021, "to": 2023})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["unit"], data["level"], data["view"], data["years"]) == ("06", "district", "legacy",
                                                                         [2021, 2022, 2023])
    assert [total["poverty_rate"] for total in data["totals"]] == [26.93, 24.71, 22.25]
    assert data["totals"][0]["poor"] == 21_946 and data["totals"][2]["poor"] == 18_301
    na_ri = {row["year"]: row for row in data["rows"] if row["unit"] == "066"}
    assert na_ri[2022]["poverty_rate"] == 36.44 and na_ri[2023]["poverty_rate"] == 32.81
    assert na_ri[2023]["poor"] == 3_353 and na_ri[2023]["near_poor"] == 890
    assert na_ri[2023]["unit_name"] == "Huyện Na Rì"
    districts = {row["unit"] for row in data["rows"]}
    assert len(districts) == 8 and all(code.startswith("0") and len(code) == 3 for code in districts)
    assert len(data["rows"]) == len(districts) * 3
    assert set(data["rows"][0]) == {"unit", "unit_name", "year", "total_households", "poor", "near_poor",
                                    "poverty_rate", "near_poverty_rate", "multidimensional_poverty_rate",
                                    "escaped", "newly_poor", "re_poor"}
    for row in data["rows"]:
        if row["poverty_rate"] is not None:
            assert isinstance(row["poverty_rate"], float)
            assert number(row["poverty_rate"]) == number(Decimal(row["poor"]) * 100 / row["total_households"])


def test_totals_are_the_stats_api_figures(login):
    client = login("lanhdao_backan")
    table = client.get(URL, {"unit": "06", "level": "commune", "from": 2022, "to": 2023}).json()
    for total in table["totals"]:
        stats = client.get("/api/v1/stats/poverty/", {"unit": "06", "year": total["year"]}).json()
        for name in ("poor", "near_poor", "total_households", "poverty_rate", "near_poverty_rate",
                     "multidimensional_poverty_rate", "escaped", "newly_poor", "re_poor"):
            assert total[name] == stats[name], name
    communes = {row["unit"] for row in table["rows"]}
    assert communes and all(len(code) == 5 for code in communes)


def test_years_without_figures_are_null(login):
    data = login("so_backan").get(URL, {"unit": "066", "level": "commune", "from": 2019, "to": 2021}).json()
    first = next(row for row in data["rows"] if row["year"] == 2019)
    assert first["poor"] is None and first["poverty_rate"] is None and first["total_households"] is None
    assert data["totals"][0]["poverty_rate"] is None


def test_scope_404_and_bad_parameters_400(login):
    client = login("canbo_nari")
    assert client.get(URL, {"unit": "06", "level": "district", "from": 2021, "to": 2023}).status_code == 404
    assert client.get(URL, {"unit": "061", "level": "commune", "from": 2021, "to": 2023}).status_code == 404
    assert client.get(URL, {"unit": "20", "level": "district", "from": 2021, "to": 2023}).status_code == 404
    mine = client.get(URL, {"unit": "066", "level": "commune", "from": 2021, "to": 2023})
    assert mine.status_code == 200
    assert {row["unit"][:2] for row in mine.json()["rows"]} == {"02"}
    for params, field in [
        ({"unit": "066", "level": "town", "from": 2021, "to": 2023}, "level"),
        ({"unit": "066", "level": "commune", "from": 2023, "to": 2021}, "to"),
        ({"unit": "066", "level": "commune", "from": "x", "to": 2021}, "from"),
        ({"unit": "066", "level": "commune", "from": 2000, "to": 2030}, "to"),
    ]:
        response = client.get(URL, params)
        assert response.status_code == 400, params
        assert field in response.json(), response.json()
    own = client.get(URL, {"unit": "066", "level": "district", "from": 2022, "to": 2023}).json()  # itself
    assert [(row["unit"], row["poverty_rate"]) for row in own["rows"]] == [("066", 36.44), ("066", 32.81)]


def test_current_view_re_aggregates_legacy_years(login):
    client = login()  # so_thainguyen's unit is the legacy province: today's 19 is outside their scope
    data = client.get(URL, {"unit": "19", "level": "commune", "from": 2022, "to": 2023, "view": "current"}).json()
    assert data["view"] == "current"
    stats = client.get("/api/v1/stats/poverty/", {"unit": "19", "year": 2023, "view": "current"}).json()
    assert data["totals"][1]["poor"] == stats["poor"] and data["totals"][1]["poverty_rate"] == stats["poverty_rate"]
    rows_2023 = [row for row in data["rows"] if row["year"] == 2023 and row["poor"] is not None]
    assert rows_2023 and sum(row["poor"] for row in rows_2023) == stats["poor"]
    refused = client.get(URL, {"unit": "19", "level": "district", "from": 2022, "to": 2023, "view": "current"})
    assert refused.status_code == 400 and "level" in refused.json()


def test_query_count_is_pinned(login, django_assert_num_queries):
    client = login("so_backan")
    params = {"unit": "06", "level": "district", "from": 2021, "to": 2023}
    client.get(URL, params)  # session and user warmed; the cache cleared below
    from django.core.cache import cache

    cache.clear()
    # session, user + profile, data version, unit, row units, aggregates, the unit's own years, standards
    with django_assert_num_queries(8):
        assert client.get(URL, params).status_code == 200
    with django_assert_num_queries(3):  # cached: session, user + profile, data version
        assert client.get(URL, params).status_code == 200


def test_schema_declares_the_answers(login):
    schema = login().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/stats/poverty/table/"]["get"]
    assert {"200", "400", "403", "404"} <= set(operation["responses"])
    assert {parameter["name"] for parameter in operation["parameters"]} == {"unit", "level", "from", "to", "view"}


# --- the page ------------------------------------------------------------------------------------------------------

PAGE = "/analysis/"
BAC_KAN = {"unit": "06", "level": "district", "from": 2021, "to": 2023}


def test_page_shows_the_totals_the_change_in_points_and_the_navigation(login):
    response = login("so_backan").get(PAGE, BAC_KAN)
    assert response.status_code == 200
    html = response.content.decode()
    for rate in ("26,93%", "24,71%", "22,25%"):
        assert rate in html
    assert 'data-testid="total-change">−4,68 điểm' in html  # 22.25 − 26.93, in points
    na_ri = html[html.index('data-unit="066"'):]
    na_ri = na_ri[:na_ri.index("</tr>")]
    assert "36,44%" in na_ri and "32,81%" in na_ri and "−6,73 điểm" in na_ri
    assert 'data-testid="nav-analysis"' in html and "Phân tích" in html
    assert "chuẩn 2022-2025" in html and 'data-testid="standard-change"' not in html
    assert "Đơn vị hành chính trước 1/7/2025" in html and "Số liệu tạm tính" in html
    assert "<script>" not in html  # CSP: no inline scripts (json_script only)


def test_page_measures_and_counts(login):
    client = login("lanhdao_backan")
    html = client.get(PAGE, {**BAC_KAN, "measure": "poor"}).content.decode()
    assert "21.946" in html and "18.301" in html and "−3.645 hộ" in html
    for measure in ("near_poverty_rate", "multidimensional_poverty_rate", "near_poor", "escaped", "newly_poor",
                    "re_poor", "still_to_exit", "disbursement_rate"):
        assert client.get(PAGE, {**BAC_KAN, "measure": measure}).status_code == 200, measure


def test_standard_change_marker_comes_from_the_standards_data(login):
    """2025 → 2026 changes standard (rule 6, households/data/standards.json): the column is marked and no change
    is computed across it."""
    html = login().get(PAGE, {"unit": "06", "level": "district", "from": 2024, "to": 2026,
                              "view": "legacy"}).content.decode()
    assert html.count('data-testid="standard-change"') == 1
    assert "chuẩn 2026-2030" in html and 'data-testid="not-comparable"' in html


def test_page_scope_and_refusals(login):
    client = login("canbo_nari")
    html = client.get(PAGE, BAC_KAN).content.decode()
    assert 'data-testid="analysis-none"' in html and "Huyện Ba Bể" not in html
    html = client.get(PAGE).content.decode()  # defaults: the officer's district, its communes
    assert 'data-testid="analysis-table"' in html and "Huyện Na Rì" in html
    html = login().get(PAGE, {"unit": "19", "level": "district", "to": 2026, "view": "current"}).content.decode()
    assert 'data-testid="analysis-refusal"' in html
    assert client.get(PAGE, {"from": "20x1"}).status_code == 400


def test_page_query_count_is_pinned(login, django_assert_num_queries):
    client = login("so_backan")
    client.get(PAGE, BAC_KAN)
    # session, user + profile, data years, unit, row units, aggregates, the unit's own years, standards, unit
    # choices, saved views
    with django_assert_num_queries(10):
        assert client.get(PAGE, BAC_KAN).status_code == 200


# --- downloads ---------------------------------------------------------------------------------------------------


def test_workbook_has_numbers_and_the_totals(login):
    from python_calamine import CalamineWorkbook

    response = login("so_backan").get("/analysis/export.xlsx", BAC_KAN)
    assert response.status_code == 200
    assert 'filename="phan-tich-06-2021-2023-poverty_rate.xlsx"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(__import__("io").BytesIO(content)).get_sheet_by_index(0).to_python()
    assert "Tỉnh Bắc Kạn" in rows[0][0] and "2021–2023" in rows[0][0]
    assert rows[3][:5] == ["Mã", "Đơn vị", "2021", "2022", "2023"]
    by_code = {row[0]: row for row in rows[4:] if row and row[0]}
    assert by_code["06"][2:5] == [26.93, 24.71, 22.25]
    assert by_code["066"][3:5] == [36.44, 32.81]
    assert all(isinstance(value, float) for value in by_code["066"][2:6])


def test_csv_has_a_bom_and_the_figures(login):
    response = login("so_backan").get("/analysis/export.csv", {**BAC_KAN, "measure": "poor"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mã,Đơn vị,2021,2022,2023")
    assert lines[-1] == "06,Toàn Tỉnh Bắc Kạn,21946,20237,18301,-3645"


def test_downloads_outside_the_scope_are_404(login):
    client = login("canbo_nari")
    assert client.get("/analysis/export.xlsx", BAC_KAN).status_code == 404
    assert client.get("/analysis/export.csv", BAC_KAN).status_code == 404


# --- saved views -------------------------------------------------------------------------------------------------


def test_shared_view_opens_in_the_viewers_own_scope(login):
    from reports.models import SavedAnalysis

    client = login("so_backan")
    response = client.post("/analysis/saved/", {**BAC_KAN, "measure": "poverty_rate", "name": "  Bắc Kạn  theo huyện",
                                                "shared": "1"})
    saved = SavedAnalysis.objects.get()
    assert saved.name == "Bắc Kạn theo huyện" and saved.shared and saved.parameters["unit"] == "06"
    assert response.status_code == 302 and response["Location"] == f"/analysis/saved/{saved.pk}/"
    opened = client.get(f"/analysis/saved/{saved.pk}/", follow=True).content.decode()
    assert "Huyện Ba Bể" in opened and "22,25%" in opened

    officer = login("canbo_nari")
    page = officer.get(PAGE).content.decode()
    assert "Bắc Kạn theo huyện" in page  # listed for the province's district officers
    response = officer.get(f"/analysis/saved/{saved.pk}/")
    assert response.status_code == 302 and "unit=066" in response["Location"] and "level=district" in response[
        "Location"]
    html = officer.get(response["Location"]).content.decode()
    table = html[html.index('data-testid="analysis-table"'):html.index("</table>")]
    assert table.count("<tr data-unit=") == 1 and 'data-unit="066"' in table
    assert "Huyện Ba Bể" not in table and "Tỉnh Bắc Kạn" not in table
    assert "36,44%" in table and "32,81%" in table
    # Not the owner: no delete; another province's staff does not see it at all.
    assert officer.post(f"/analysis/saved/{saved.pk}/delete/").status_code == 404
    assert login("so_langson").get(f"/analysis/saved/{saved.pk}/").status_code == 404
    assert login("so_backan").post(f"/analysis/saved/{saved.pk}/delete/").status_code == 302
    assert not SavedAnalysis.objects.exists()


def test_unshared_view_is_the_owners_only(login):
    from reports.models import SavedAnalysis

    login("so_backan").post("/analysis/saved/", {**BAC_KAN, "name": "Riêng"})
    saved = SavedAnalysis.objects.get()
    assert not saved.shared
    assert login("canbo_nari").get(f"/analysis/saved/{saved.pk}/").status_code == 404
    assert login("so_backan").post("/analysis/saved/", {**BAC_KAN, "name": "  "}).status_code == 302
    assert SavedAnalysis.objects.count() == 1
