"""Issue 19: Vietnamese order in both databases, one rule for money, units picked by name, the Reports page's
downloads follow its pickers and only offer years with data."""

import re

import pytest
from django.db import connection

from budgets.formatting import million
from provinces.collation import vi_name, vi_sort_key
from provinces.models import AdministrativeUnit
from tests.factories import TEST_PASSWORD, CommuneFactory
from tests.reports.test_exports import funded  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
VIETNAMESE_ORDER = ["Xã An Bình", "Xã Ân Thi", "Xã Cao Tân", "Xã Cao Thượng", "Xã Cẩm Giàng", "Xã Cường Lợi",
                    "Xã Dương Quang", "Xã Đông Hỷ", "Xã Ea Kar"]


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_the_python_key_sorts_the_vietnamese_alphabet():
    assert sorted(reversed(VIETNAMESE_ORDER), key=vi_sort_key) == VIETNAMESE_ORDER
    assert sorted(["à", "a", "ạ", "á", "ả", "ã"], key=vi_sort_key) == ["a", "à", "ả", "ã", "á", "ạ"]


def test_the_database_sorts_unit_names_in_vietnamese_order(units):
    for index, name in enumerate(reversed(VIETNAMESE_ORDER)):
        CommuneFactory(code=f"{95000 + index}", name=name, parent=units["na_ri"])
    names = list(AdministrativeUnit.objects.filter(name__in=VIETNAMESE_ORDER).order_by(vi_name(), "code")
                 .values_list("name", flat=True))
    assert names == VIETNAMESE_ORDER, connection.vendor  # SQLite's Python collation = PostgreSQL's ICU vi


def test_the_household_filter_lists_communes_in_vietnamese_order(client, units, people):
    from households.selectors import communes_visible_to
    from provinces.viewer import viewer_of

    for index, name in enumerate(["Xã Đồng Xá", "Xã Cường Lợi", "Xã Cẩm Giàng"]):
        CommuneFactory(code=f"{96000 + index}", name=name, parent=units["na_ri"])
    names = [unit.name for unit in communes_visible_to(viewer=viewer_of(people["officer"]), year=2024)]
    assert names.index("Xã Cẩm Giàng") < names.index("Xã Cường Lợi") < names.index("Xã Đồng Xá")


@pytest.mark.parametrize(("vnd", "text"), [
    (91_060_000_000, "91.060,000"), (7_296_100_000, "7.296,100"), (33_440_660_000, "33.440,660"),
    (2_130_863_000, "2.130,863"), (0, "0,000"), (400, "0,000"), (None, "—"),
])
def test_money_in_million_dong_always_has_three_decimals(vnd, text):
    assert million(vnd) == text


def test_the_budget_page_names_its_two_totals_apart(client, funded, people):  # noqa: F811
    html = login(client, people["staff"]).get("/budgets/", {"unit": "06", "year": 2023}).content.decode()
    by_unit = html.split('data-testid="by-unit"')[1].split("</table>")[0]
    cells = re.findall(r'class="num[^"]*">([^<]*)</td>', by_unit)
    assert all(re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d{3}|\d+,\d{2}|—", value) for value in cells), cells
    assert "200,000" in cells  # the province's own 200 million: three decimals, like every amount
    assert "Tổng vốn = kế hoạch vốn năm + vốn chuyển nguồn" in html
    project_table = html.split('data-testid="by-project"')[1].split("</table>")[0]
    assert ">Kế hoạch<" not in project_table and "Tổng vốn" in project_table


@pytest.mark.parametrize("path", ["/programmes/targets/", "/budgets/", "/reports/anomalies/?year=2024"])
def test_units_are_picked_by_name_not_typed_as_codes(client, units, people, path):
    html = login(client, people["staff"]).get(path).content.decode()
    select = re.search(r'<select[^>]*name="unit"[^>]*data-unit-picker[^>]*>.*?</select>|'
                       r'<select[^>]*data-unit-picker[^>]*name="unit"[^>]*>.*?</select>', html, re.S)
    assert select, path
    options = select.group(0)
    assert "Huyện Na Rì" in options and "Huyện Ba Bể" in options and "Tỉnh Lạng Sơn" not in options  # the scope
    assert 'data-search="huyen na ri 066 tinh bac kan"' in options  # found without diacritics, or by code
    assert "<optgroup" in options
    assert options.index("Huyện Ba Bể") < options.index("Huyện Na Rì")  # the tree in Vietnamese order
    assert "Mã đơn vị" not in html
    assert "/static/js/unit_picker.js" in html


def test_the_reports_downloads_follow_the_pickers_and_offer_years_with_data(client, funded, people):  # noqa: F811
    html = login(client, people["staff"]).get("/reports/").content.decode()
    assert re.search(r'form="report-pickers" formaction="/reports/exports/disbursement\.xlsx"', html)
    assert html.count("data-submit-on-change") == 3 and "/static/js/submit_on_change.js" in html
    years = re.search(r'name="disbursement_year".*?</select>', html, re.S).group(0)
    assert re.findall(r'value="(\d+)"', years) == ["2023"]  # the only year with figures, not the calendar's
    response = client.get("/reports/exports/disbursement.xlsx", {"unit": "06", "year": 2024, "view": "legacy",
                                                                  "disbursement_year": 2023})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    response = client.get("/reports/exports/disbursement.xlsx", {"unit": "06", "disbursement_year": 2021},
                          follow=True)
    assert response.status_code == 200
    assert "Chưa có số liệu giải ngân năm 2021 của Tỉnh Bắc Kạn" in response.content.decode()
    assert client.get("/reports/exports/disbursement.xlsx", {"unit": "20", "year": 2023}).status_code == 404


def test_leadership_has_no_imports_menu_item(client, units, people):
    html = login(client, people["leader"]).get("/").content.decode()
    assert "Nhập dữ liệu" not in html.split('data-testid="main-nav"')[1].split("</ul>")[0]
    html = login(client, people["staff"]).get("/").content.decode()
    assert "Nhập dữ liệu" in html.split('data-testid="main-nav"')[1].split("</ul>")[0]
