"""The budget pages: overview (charts from a static file, json_script data, million VND with Vietnamese
separators), lists with pinned query counts, forms (staff only: 403/404 and nothing changed for others)."""

import datetime
import json
import re

import pytest

from budgets.models import Allocation, AllocationEntry, Disbursement
from tests.budgets.conftest import M, allocate, disburse, login

D = datetime.date


def counts():
    return Allocation.objects.count(), AllocationEntry.objects.count(), Disbursement.objects.count()


@pytest.fixture
def budget(world):
    province = allocate(world["province"], 334_913 * M, code="DA1", capital="investment").allocation
    allocate(world["province"], 10_048 * M, code="DA1", capital="investment", source="local")
    na_ri = allocate(world["na_ri"], 1_234_500_000, code="DA3.1").allocation
    disburse(province, 100_000 * M, D(2023, 5, 20))
    disburse(na_ri, 234_500_000, D(2023, 6, 2))
    return {**world, "province_line": province, "na_ri_line": na_ri}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/budgets/", "/budgets/allocations/", "/budgets/disbursements/",
                                  "/budgets/import/", "/budgets/export.xlsx"])
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_overview_for_the_province(client, budget):
    login(client, "lanhdao_bk")
    response = client.get("/budgets/", {"unit": "06", "year": 2023})
    assert response.status_code == 200
    html = response.content.decode()
    assert "section-pending" not in html
    assert "Tỉnh Bắc Kạn · 2023" in html
    allocated = re.search(r'data-testid="allocated"[^>]*>([^<]+)<', html).group(1)
    assert allocated == "346.195,500"  # 334.913 + 10.048 + 1.234,5 million: always three decimals
    assert 'data-testid="rate"' in html
    data = json.loads(re.search(r'<script id="budget-chart-data" type="application/json">(.*?)</script>', html,
                                re.S).group(1))
    assert data["projects"] == ["DA1", "DA3"]
    assert [source["key"] for source in data["sources"]] == ["central", "local"]
    assert data["sources"][0]["available"] == [334913.0, 1234.5]
    assert len(data["months"]) == 12 and data["plan"][-1] == 346195.5
    assert "/static/js/budgets.js" in html and "/static/vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html  # CSP: no inline scripts
    # counterpart: local 10.048 / central 336.147,5 = 2,99% < 3%
    assert 'data-testid="counterpart-below"' in html and "2,99" in html


def test_overview_for_a_district_officer_defaults_to_the_district(client, budget):
    login(client, "canbo_nari")
    response = client.get("/budgets/", {"year": 2023})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Huyện Na Rì · 2023" in html
    assert re.search(r'data-testid="allocated"[^>]*>([^<]+)<', html).group(1) == "1.234,500"
    assert "Ghi kế hoạch vốn" not in html and "Nhập bảng tính" not in html
    assert client.get("/budgets/").status_code == 200  # no parameters at all
    assert client.get("/budgets/", {"unit": "06", "year": 2023}).status_code == 200  # out of scope: a prompt
    assert 'data-testid="no-unit"' in client.get("/budgets/", {"unit": "06", "year": 2023}).content.decode()


def _same_queries(client, django_assert_num_queries, path: str, queries: int, grow):
    """The page of Bắc Kạn 2023 (after a request that warms the session) in `queries` queries, then again after
    `grow()` adds rows: the two responses."""
    params = {"unit": "06", "year": 2023}
    client.get(path, params)  # warm the session
    with django_assert_num_queries(queries):
        before = client.get(path, params)
    grow()
    with django_assert_num_queries(queries):
        after = client.get(path, params)
    return before, after


def test_allocation_list_query_count_is_constant(client, budget, django_assert_num_queries):
    login(client, "so_bk")

    def grow():
        for code in ["DA2", "DA4.1", "DA6.1", "DA7.1"]:
            allocate(budget["ba_be"], 3 * M, code=code)

    # session, user with profile and unit, unit, scope check, count, page of lines, may-manage check; +1: the unit
    # picker's units
    before, after = _same_queries(client, django_assert_num_queries, "/budgets/allocations/", 8, grow)
    assert before.status_code == 200
    assert before.content.decode().count("data-line=") == 3
    assert after.content.decode().count("data-line=") == 7


def test_disbursement_list_query_count_is_constant(client, budget, django_assert_num_queries):
    login(client, "so_bk")

    def grow():
        for day in range(1, 6):
            disburse(budget["na_ri_line"], M, D(2023, 7, day), document=f"UNC {day}")

    # +1: the unit picker's units
    before, after = _same_queries(client, django_assert_num_queries, "/budgets/disbursements/", 7, grow)
    assert before.content.decode().count("data-testid=\"disbursements\"") == 1
    assert after.content.decode().count("UNC ") == 5


def test_overview_query_count_is_constant(client, budget, django_assert_num_queries):
    login(client, "so_bk")

    def grow():
        for code in ["DA2", "DA4.1", "DA6.1", "DA7.1"]:
            line = allocate(budget["kim_hy"], 3 * M, code=code).allocation
            disburse(line, M, D(2023, 8, 1))

    # session, user with profile and unit, unit, scope check, lines, monthly sums, may-manage check; +1: the unit
    # picker's units
    _same_queries(client, django_assert_num_queries, "/budgets/", 8, grow)


def test_staff_record_an_allocation_with_vietnamese_separators(client, budget):
    login(client, "so_bk")
    url = "/budgets/allocations/new/?unit=06&year=2023"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "fiscal_year": 2023, "unit": "066", "project": "DA4.1", "source": "local", "capital_type": "recurrent",
        "kind": "original", "amount": "1.234,567891", "legal_basis_number": "12/QĐ-UBND",
        "legal_basis_date": "2023-04-01", "note": "",
    })
    assert response.status_code == 302
    line = Allocation.objects.get(unit=budget["na_ri"], subproject__code="DA4.1")
    assert line.amount_vnd == 1_234_567_891 and line.source == "local"
    assert response["Location"] == f"/budgets/allocations/{line.pk}/"


def test_a_refused_allocation_shows_the_reason_and_writes_nothing(client, budget):
    login(client, "so_bk")
    before = counts()
    response = client.post("/budgets/allocations/new/?unit=06&year=2023", {
        "fiscal_year": 2023, "unit": "06", "project": "DA1", "source": "central", "capital_type": "investment",
        "kind": "original", "amount": "5", "legal_basis_number": "1/QĐ", "legal_basis_date": "2023-04-01",
    })
    assert response.status_code == 400
    assert "đã có vốn giao ban đầu" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(("username", "status"), [("canbo_nari", 403), ("lanhdao_bk", 403), ("canbo_babe", 404),
                                                   ("so_ls", 404)])
def test_others_cannot_write_na_ri_budgets(client, budget, username, status):
    login(client, username)
    before = counts()
    line = budget["na_ri_line"]
    form = {"fiscal_year": 2023, "unit": "066", "project": "DA2", "source": "central",
            "capital_type": "recurrent", "kind": "original", "amount": "10", "legal_basis_number": "1/QĐ",
            "legal_basis_date": "2023-04-01"}
    assert client.get("/budgets/allocations/new/?unit=066&year=2023").status_code == status
    assert client.post("/budgets/allocations/new/?unit=066&year=2023", form).status_code == status
    for action in ("adjust", "disburse", "carry-over", "distribute"):
        url = f"/budgets/allocations/{line.pk}/{action}/"
        assert client.get(url).status_code == status, action
        assert client.post(url, {"amount": "10", "disbursed_on": "2023-05-01", "legal_basis_number": "x",
                                 "legal_basis_date": "2023-05-01", "version": line.version}).status_code == status
    assert counts() == before
    line.refresh_from_db()
    assert (line.amount_vnd, line.disbursed_vnd) == (1_234_500_000, 234_500_000)


def test_line_page_and_forms(client, budget):
    line = budget["na_ri_line"]
    login(client, "canbo_nari")
    page = client.get(f"/budgets/allocations/{line.pk}/")
    assert page.status_code == 200 and "Ghi giải ngân" not in page.content.decode()
    login(client, "canbo_babe")
    assert client.get(f"/budgets/allocations/{line.pk}/").status_code == 404
    login(client, "so_bk")
    html = client.get(f"/budgets/allocations/{line.pk}/").content.decode()
    assert "Ghi giải ngân" in html and "1.234,500" in html
    response = client.post(f"/budgets/allocations/{line.pk}/disburse/", {
        "disbursed_on": "2023-07-01", "amount": "1.000,000001", "document": "UNC 9", "version": line.version,
    })
    assert response.status_code == 400 and "Vượt kế hoạch vốn" in response.content.decode()
    response = client.post(f"/budgets/allocations/{line.pk}/disburse/", {
        "disbursed_on": "2023-07-01", "amount": "1.000", "document": "UNC 9", "version": line.version,
    })
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.disbursed_vnd == line.amount_vnd
    stale = client.post(f"/budgets/allocations/{line.pk}/adjust/", {
        "amount": "-1", "legal_basis_number": "2/QĐ", "legal_basis_date": "2023-08-01", "version": 1,
    })
    assert stale.status_code == 400 and "vừa được người khác thay đổi" in stale.content.decode()


def test_distribute_form(client, budget):
    login(client, "so_bk")
    line = budget["province_line"]
    response = client.post(f"/budgets/allocations/{line.pk}/distribute/", {
        "unit": "061", "amount": "1.000", "legal_basis_number": "5/QĐ-UBND", "legal_basis_date": "2023-04-10",
        "version": line.version,
    })
    assert response.status_code == 302
    ba_be = Allocation.objects.get(unit=budget["ba_be"])
    assert ba_be.amount_vnd == 1_000 * M
    line.refresh_from_db()
    assert line.amount_vnd == 333_913 * M
