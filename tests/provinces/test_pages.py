"""The unit browser (tree, search, period switch), the unit page, totals entry and the import page."""

import re

import openpyxl
import pytest

from provinces.models import HouseholdTotal
from provinces.services import household_total_set
from tests.factories import TEST_PASSWORD
from tests.provinces.conftest import add_communes


def login(client, username):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def links(html: str) -> list[str]:
    """Unit codes linked from a page or a partial, in order."""
    return re.findall(r'href="/units/(\d+)/\?period=\w+"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/units/", "/units/066/", "/units/search/?q=na", "/units/import/"])
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_browser_starts_in_the_period_of_the_users_unit_and_shows_their_branch(client, people, reorg):
    login(client, "canbo_nari")
    response = client.get("/units/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đơn vị hành chính" in html
    assert "Trước 01/7/2025" in html and "Sau 01/7/2025" in html
    assert re.search(r'active"\s+href="/units/\?period=legacy"', html)  # the legacy period is selected
    tree = html.split('data-testid="unit-tree"')[1]
    assert links(tree) == ["06", "06"]  # the province node (summary link + fallback link), not expanded yet
    assert 'hx-get="/units/06/children/?period=legacy"' in tree
    assert "<script>" not in html


def test_tree_children_are_scoped_htmx_partials(client, people, reorg):
    login(client, "canbo_nari")
    province = client.get("/units/06/children/?period=legacy", HTTP_HX_REQUEST="true").content.decode()
    assert "Huyện Na Rì" in province and "Ba Bể" not in province
    district = client.get("/units/066/children/?period=legacy", HTTP_HX_REQUEST="true").content.decode()
    assert links(district) == ["02161", "02146"]  # Vietnamese name order (provinces.collation), not code order
    assert client.get("/units/061/children/?period=legacy").status_code == 404
    login(client, "so_bk")
    province = client.get("/units/06/children/?period=legacy").content.decode()
    assert "Huyện Na Rì" in province and "Huyện Ba Bể" in province


def test_the_switch_shows_the_2025_units(client, people, reorg):
    login(client, "canbo_nari")
    html = client.get("/units/?period=current").content.decode()
    assert 'hx-get="/units/19/children/?period=current"' in html
    communes = client.get("/units/19/children/?period=current").content.decode()
    assert links(communes) == ["02161", "02143"]  # by name; not Chợ Rã 01840, which came from Ba Bể


@pytest.mark.parametrize(
    ("query", "expected"),
    [("na ri", ["066"]), ("kim hy", ["02146"]), ("KIM HỶ", ["02146"]), ("bac kan", ["06"]), ("cho ra", [])],
)
def test_search_without_diacritics_on_the_page_and_the_partial(client, people, reorg, query, expected):
    login(client, "canbo_nari")
    page = client.get("/units/", {"q": query, "period": "legacy"}).content.decode()
    results = page.split('<div id="unit-search-results"')[1].split('data-testid="unit-tree"')[0]
    assert links(results) == expected
    partial = client.get("/units/search/", {"q": query, "period": "legacy"}, HTTP_HX_REQUEST="true")
    assert links(partial.content.decode()) == expected
    if not expected:
        assert "Không tìm thấy" in partial.content.decode()


def test_unit_page_shows_parent_children_flags_totals_and_links(client, people, reorg):
    household_total_set(unit=reorg["kim_hy"], year=2023, total=1_000, note="Xã báo cáo", acting_user=None)
    household_total_set(unit=reorg["yen_lac"], year=2023, total=2_500, acting_user=None)
    household_total_set(unit=reorg["na_ri"], year=2022, total=10_060, note="Niên giám", acting_user=None)
    login(client, "canbo_nari")
    html = client.get("/units/066/?period=legacy").content.decode()
    assert "Huyện Na Rì" in html
    parent = html.split('data-testid="unit-parent"')[1].split("</dd>")[0]
    assert "Tỉnh Bắc Kạn" in parent
    children = html.split('data-testid="unit-children"')[1]
    assert links(children) == ["02161", "02146"]  # by name
    totals = html.split('data-testid="unit-totals"')[1].split('data-testid="unit-children"')[0]
    assert "<td>2023</td>" in totals and "<td>2022</td>" in totals  # years not written as 2.023
    assert "3.500" in totals  # 2023: the sum of the communes
    assert "10.060" in totals and "Niên giám" in totals  # 2022: the district's own figure and its source
    assert 'data-testid="total-form"' not in html  # officers read, staff write


def test_unit_page_links_predecessors_and_successors(client, people, reorg):
    login(client, "canbo_nari")
    legacy = client.get("/units/02161/?period=legacy").content.decode()
    successors = legacy.split('data-testid="successors"')[1].split("</ul>")[0]
    assert links(successors) == ["02161", "02143"]
    assert 'href="/units/02161/?period=current"' in successors
    current = client.get("/units/02143/?period=current").content.decode()
    assert "Xã Văn Lang" in current
    predecessors = current.split('data-testid="predecessors"')[1].split("</ul>")[0]
    assert links(predecessors) == ["02146", "02161"]
    assert "kế thừa chính" in predecessors and "một phần" in predecessors


def test_unit_page_finds_the_period_when_none_is_given(client, people, reorg):
    login(client, "so_bk")
    assert "Xã Kim Hỷ" in client.get("/units/02146/").content.decode()  # legacy only
    assert "Xã Văn Lang" in client.get("/units/02143/").content.decode()  # 2025 only
    assert "Thị trấn Yến Lạc" in client.get("/units/02161/").content.decode()  # both: the user's period first
    assert "Xã Na Rì" in client.get("/units/02161/?period=current").content.decode()


def test_unit_page_is_404_out_of_scope(client, people, reorg):
    login(client, "canbo_nari")
    assert client.get("/units/01849/?period=legacy").status_code == 404
    assert client.get("/units/01849/").status_code == 404
    assert client.get("/units/061/").status_code == 404
    assert client.get("/units/01840/?period=current").status_code == 404


def test_staff_enter_a_total_on_the_unit_page(client, people, reorg):
    login(client, "so_bk")
    html = client.get("/units/02146/?period=legacy").content.decode()
    assert 'data-testid="total-form"' in html
    response = client.post("/units/02146/totals/?period=legacy", {"year": 2023, "total": 1_234, "note": "Xã báo"})
    assert response.status_code == 302
    row = HouseholdTotal.objects.get()
    assert (row.unit_id, row.year, row.total_households, row.source_note) == (reorg["kim_hy"].pk, 2023, 1_234, "Xã báo")
    bad = client.post("/units/02146/totals/?period=legacy", {"year": 2026, "total": 5})
    assert bad.status_code == 400
    assert "không có hiệu lực vào cuối năm 2026" in bad.content.decode()
    negative = client.post("/units/02146/totals/?period=legacy", {"year": 2023, "total": -5})
    assert negative.status_code == 400
    assert HouseholdTotal.objects.get().total_households == 1_234


@pytest.mark.parametrize(("who", "status"), [("canbo_nari", 403), ("lanhdao_bk", 403), ("canbo_binhgia", 404)])
def test_others_cannot_enter_totals(client, people, reorg, who, status):
    login(client, who)
    assert client.post("/units/02146/totals/?period=legacy", {"year": 2023, "total": 5}).status_code == status
    assert not HouseholdTotal.objects.exists()


def test_import_page_rejects_a_bad_workbook_whole(client, people, reorg, tmp_path):
    login(client, "so_bk")
    assert client.get("/units/import/").status_code == 200
    workbook = openpyxl.Workbook()
    for row in [["Mã đơn vị", "Năm", "Tổng số hộ"], ["02146", 2023, 100], ["99999", 2023, 5], ["02161", 2023, -1]]:
        workbook.active.append(row)
    path = tmp_path / "tong.xlsx"
    workbook.save(path)
    with path.open("rb") as handle:
        response = client.post("/units/import/", {"kind": "totals", "file": handle})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="import-rejected"' in html
    assert "<td>3</td>" in html and "Không có đơn vị mã “99999”" in html
    assert "<td>4</td>" in html and "Số hộ không được âm." in html
    assert "Dòng 3:" not in html and "Dòng 4:" not in html  # the row has its own column
    assert not HouseholdTotal.objects.exists()
    workbook.active.delete_rows(3, 2)
    workbook.save(path)
    with path.open("rb") as handle:
        response = client.post("/units/import/", {"kind": "totals", "file": handle})
    assert response.status_code == 200
    assert 'data-testid="import-committed"' in response.content.decode()
    assert HouseholdTotal.objects.get().source_note == "tong.xlsx"


@pytest.mark.parametrize("who", ["canbo_nari", "lanhdao_bk"])
def test_import_page_is_for_staff_only(client, people, who):
    login(client, who)
    assert client.get("/units/import/").status_code == 403


def test_import_templates_download(client, people):
    login(client, "so_bk")
    response = client.get("/units/import/template/totals.xlsx")
    assert response.status_code == 200
    path_headers = openpyxl.load_workbook(__import__("io").BytesIO(response.content)).active
    assert [cell.value for cell in path_headers[1]] == ["Mã đơn vị", "Năm", "Tổng số hộ", "Ghi chú"]
    assert client.get("/units/import/template/other.xlsx").status_code == 404


def test_page_query_counts_do_not_grow_with_units(client, people, reorg, django_assert_num_queries):
    login(client, "so_bk")
    add_communes(reorg["na_ri"], 2)

    def counts():
        result = {}
        for path in [
            "/units/?period=legacy&q=thu", "/units/search/?period=legacy&q=thu",
            "/units/066/children/?period=legacy", "/units/066/?period=legacy",
        ]:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            result[path] = len(queries)
        return result

    before = counts()
    add_communes(reorg["na_ri"], 15, start=20)
    for unit in reorg["na_ri"].children.all():
        household_total_set(unit=unit, year=2023, total=10, acting_user=None)
    household_total_set(unit=reorg["na_ri"], year=2022, total=10, acting_user=None)
    after = counts()
    assert before == after, (before, after)
    assert after == {
        # session, user with profile and unit (one query), the user's reach (3 queries, once per request); then
        # each page's own queries
        "/units/?period=legacy&q=thu": 8,  # search, tree roots, "may manage?"
        "/units/search/?period=legacy&q=thu": 6,  # search
        "/units/066/children/?period=legacy": 7,  # the node, its children
        "/units/066/?period=legacy": 15,  # unit + links (3), may manage, children, years, totals (3), own rows
    }
