"""The summary and disbursement workbooks: every figure equals the aggregate tables (populated by the real recompute
and read back with python-calamine), the official layout (Vietnamese headers, merged title block, number formats,
frozen panes, print settings), the 2025 views, scope, and the "Báo cáo" page."""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from provinces.models import LEGACY_VALID_FROM, LEGACY_VALID_TO, REORGANISATION_DATE, HouseholdTotal, UnitSuccession
from reports import selectors
from reports.aggregates import disbursement_recompute, poverty_recompute, recompute_all
from reports.exports.summary import FIRST_DATA_ROW
from reports.models import DisbursementAggregate, PovertyAggregate
from tests.factories import TEST_PASSWORD, CommuneFactory, DistrictFactory, ProfileFactory, ProvinceFactory
from tests.households import conftest as households_fixtures
from tests.households.factories import HouseholdFactory, record

pytestmark = pytest.mark.django_db
standards = households_fixtures.standards

COLUMN = {"code": 1, "name": 2, "total": 3, "poor": 4, "poor_rate": 5, "near_poor": 6, "near_rate": 7, "md_rate": 8,
          "middle": 9, "escaped": 10, "newly_poor": 11, "re_poor": 12, "reviewed": 13, "note": 14}
M = 1_000_000


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def sheet_rows(content: bytes, name: str | None = None) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_name(name or book.sheet_names[0]).to_python()


def xml_has_formula(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return any(b"<f>" in archive.read(name) or b"<f " in archive.read(name)
                   for name in archive.namelist() if name.startswith("xl/worksheets/"))


@pytest.fixture
def reviewed(units, people, standards):
    """2024 reviews in Bắc Kạn (Na Rì: Kim Hỷ, Yến Lạc; Ba Bể: Chợ Rã) and one in Lạng Sơn, with denominators;
    aggregates by the real full recompute."""
    kim_hy = [HouseholdFactory(commune=units["kim_hy"], head_name=f"Hộ Kim Hỷ {n}") for n in range(4)]
    record(kim_hy[0], 2023, "poor")
    record(kim_hy[0], 2024, "near_poor")  # escaped
    record(kim_hy[1], 2023, "near_poor")
    record(kim_hy[1], 2024, "poor")
    record(kim_hy[2], 2024, "poor")  # newly poor
    record(kim_hy[3], 2024, "middle")
    for n, classification in enumerate(["poor", "near_poor", "near_poor"]):
        record(HouseholdFactory(commune=units["yen_lac"], head_name=f"Hộ Yến Lạc {n}"), 2024, classification,
               area="urban", income_per_capita=1_500_000 if classification == "poor" else 1_800_000)
    record(HouseholdFactory(commune=units["cho_ra"], head_name="Hộ Chợ Rã"), 2024, "poor")
    record(HouseholdFactory(commune=units["binh_gia"], head_name="Hộ Bình Gia"), 2024, "poor")
    for key, total in {"kim_hy": 100, "yen_lac": 60, "cho_ra": 40, "binh_gia": 10}.items():
        HouseholdTotal.objects.create(unit=units[key], year=2024, total_households=total, source="entered")
    poverty_recompute()
    return units


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return response


def assert_row_equals(row, figures):
    assert row[COLUMN["total"]] == (figures.total_households if figures.total_households is not None else "")
    assert row[COLUMN["poor"]] == figures.poor
    assert row[COLUMN["near_poor"]] == figures.near_poor
    assert row[COLUMN["middle"]] == figures.middle
    assert row[COLUMN["escaped"]] == figures.escaped
    assert row[COLUMN["newly_poor"]] == figures.newly_poor
    assert row[COLUMN["re_poor"]] == figures.re_poor
    assert row[COLUMN["reviewed"]] == figures.reviewed
    for column, value in (("poor_rate", figures.poverty_rate), ("near_rate", figures.near_poverty_rate),
                          ("md_rate", figures.multidimensional_poverty_rate)):
        assert row[COLUMN[column]] == (float(value) if value is not None else ""), column


def test_summary_totals_equal_the_aggregates(client, reviewed, people):
    response = download(login(client, people["staff"]),
                        "/reports/exports/summary.xlsx", unit="06", year=2024)
    assert 'filename="tong-hop-ra-soat-06-2024-legacy.xlsx"' in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows[0][0] == "UBND TỈNH BẮC KẠN"
    assert rows[1][0] == "BIỂU TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024"
    assert "Quyết định số 24/2021/QĐ-TTg" in rows[3][0] and "Thông tư số 07/2021/TT-BLĐTBXH" in rows[3][0]
    assert rows[4][0].startswith("Đơn vị hành chính trước ngày 01/7/2025")
    assert rows[6][:5] == ["STT", "Mã đơn vị", "Đơn vị", "Tổng số hộ dân cư", "Hộ nghèo"]
    assert rows[7][4:8] == ["Số hộ", "Tỷ lệ (%)", "Số hộ", "Tỷ lệ (%)"]
    assert rows[6][10] == "Diễn biến trong năm"
    assert rows[7][10:13] == ["Hộ thoát nghèo", "Hộ nghèo phát sinh", "Hộ tái nghèo"]
    data = [row for row in rows[FIRST_DATA_ROW:] if row[COLUMN["code"]]]
    assert [(row[0], row[1]) for row in data] == [
        ("", "06"), ("I", "061"), ("1", "01849"), ("II", "066"), ("1", "02146"), ("2", "02161"),
    ]
    assert data[0][COLUMN["name"]] == "Tổng cộng: Tỉnh Bắc Kạn"
    for row in data:
        aggregate = PovertyAggregate.objects.get(unit__code=row[1], year=2024, group="all")
        figures = selectors.poverty_row(unit=aggregate.unit, year=2024)
        assert_row_equals(row, figures)
    total = data[0]
    assert (total[COLUMN["total"]], total[COLUMN["poor"]], total[COLUMN["near_poor"]]) == (200, 4, 3)
    assert total[COLUMN["poor_rate"]] == 2.0 and total[COLUMN["md_rate"]] == 3.5
    assert (total[COLUMN["escaped"]], total[COLUMN["newly_poor"]]) == (1, 4)
    na_ri = data[3]
    assert na_ri[COLUMN["poor"]] == data[4][COLUMN["poor"]] + data[5][COLUMN["poor"]] == 3
    text = repr(rows)
    assert "Bình Gia" not in text and "Hộ Kim Hỷ" not in text  # another province; no names
    assert not xml_has_formula(response.content)


def test_summary_layout_formats_freeze_and_print(client, reviewed, people):
    content = download(login(client, people["leader"]), "/reports/exports/summary.xlsx", unit="06", year=2024).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    assert {"A2:O2", "A4:O4", "E7:F7", "G7:H7", "K7:M7", "A7:A8"} <= merged
    assert sheet.freeze_panes == "D10"
    assert sheet.cell(row=10, column=4).number_format == "#,##0"
    assert sheet.cell(row=10, column=6).number_format == "0.00"
    assert sheet.cell(row=10, column=5).value == 4
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1)  # absent = 1 (the OOXML default): one page wide
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$7:$9"
    assert sheet.cell(row=9, column=6).value == "(3)=(2)/(1)×100"


def test_summary_unknown_denominator_leaves_rates_blank(client, units, people, standards):
    record(HouseholdFactory(commune=units["kim_hy"]), 2024, "poor")
    poverty_recompute()
    rows = sheet_rows(download(login(client, people["officer"]), "/reports/exports/summary.xlsx",
                               unit="066", year=2024).content)
    data = [row for row in rows[FIRST_DATA_ROW:] if row[COLUMN["code"]]]
    assert [row[1] for row in data] == ["066", "02146", "02161"]
    assert data[0][COLUMN["poor"]] == 1 and data[0][COLUMN["total"]] == "" and data[0][COLUMN["poor_rate"]] == ""
    assert "Chưa có tổng số hộ" in data[0][COLUMN["note"]]
    assert data[2][COLUMN["note"]] == "Chưa có số liệu rà soát"  # Yến Lạc: listed, no figures


@pytest.mark.parametrize(("user", "unit", "status"), [
    ("officer", "066", 200), ("officer", "061", 404), ("officer", "06", 404), ("officer_other", "066", 404),
    ("leader", "066", 200), ("staff", "99", 404),
])
def test_summary_scope(client, reviewed, people, user, unit, status):
    response = login(client, people[user]).get("/reports/exports/summary.xlsx", {"unit": unit, "year": 2024})
    assert response.status_code == status


def test_summary_needs_login(client, reviewed):
    response = client.get("/reports/exports/summary.xlsx", {"unit": "06", "year": 2024})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.fixture
def reorganised(standards):
    """Legacy Bắc Kạn (06: district 066 with communes A, B, C) and Thái Nguyên (19: district 164 with E), and 2025
    Thái Nguyên (19) with communes X (A and B merged, and part of C), Y (the rest of C), Z (E); figures of 2024 and
    2025; users on the legacy and on the 2025 province."""
    legacy = {"valid_from": LEGACY_VALID_FROM, "valid_to": LEGACY_VALID_TO}
    new = {"valid_from": REORGANISATION_DATE, "valid_to": None}
    u = {"bk": ProvinceFactory(code="06", name="Tỉnh Bắc Kạn", **legacy), "tn": ProvinceFactory(code="19", **legacy)}
    u["d1"] = DistrictFactory(code="066", parent=u["bk"], **legacy)
    u["d2"] = DistrictFactory(code="164", parent=u["tn"], **legacy)
    for key, code in (("a", "02146"), ("b", "02149"), ("c", "02152")):
        u[key] = CommuneFactory(code=code, parent=u["d1"], **legacy)
    u["e"] = CommuneFactory(code="05500", parent=u["d2"], **legacy)
    u["tn25"] = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", **new)
    for key, code in (("x", "02146"), ("y", "02170"), ("z", "05500")):
        u[key] = CommuneFactory(code=code, parent=u["tn25"], **new)
    for predecessor, successor, default in (("a", "x", True), ("b", "x", True), ("c", "y", True), ("c", "x", False),
                                            ("e", "z", True), ("bk", "tn25", True), ("tn", "tn25", True)):
        UnitSuccession.objects.create(predecessor=u[predecessor], successor=u[successor], is_default=default)
    classes = {"a": ["poor", "poor", "near_poor"], "b": ["poor"], "c": ["near_poor", "middle"], "e": ["poor"] * 3}
    for key, values in classes.items():
        for classification in values:
            record(HouseholdFactory(commune=u[key]), 2024, classification)
        HouseholdTotal.objects.create(unit=u[key], year=2024, total_households=25, source="entered")
    for key, values in {"x": ["poor", "near_poor"], "y": ["poor"], "z": ["near_poor", "near_poor"]}.items():
        for classification in values:
            record(HouseholdFactory(commune=u[key]), 2025, classification)
        HouseholdTotal.objects.create(unit=u[key], year=2025, total_households=25, source="entered")
    recompute_all()
    u["staff25"] = ProfileFactory(user__username="so_tn", role="provincial_staff", unit=u["tn25"]).user
    u["staff_bk"] = ProfileFactory(user__username="so_bk_cu", role="provincial_staff", unit=u["bk"]).user
    return u


def test_summary_of_an_earlier_year_under_todays_units(client, reorganised):
    u = reorganised
    response = download(login(client, u["staff25"]), "/reports/exports/summary.xlsx", unit="19", year=2024,
                        view="current")
    rows = sheet_rows(response.content)
    assert "Đơn vị hành chính hiện nay" in rows[4][0] and "quy đổi sang đơn vị kế thừa" in rows[4][0]
    data = [row for row in rows[FIRST_DATA_ROW:] if row[COLUMN["code"]]]
    assert [(row[0], row[1]) for row in data] == [("", "19"), ("1", "02146"), ("2", "02170"), ("3", "05500")]
    assert_row_equals(data[0], selectors.poverty_under(unit=u["tn25"], year=2024, view="current"))
    for row, key in zip(data[1:], ("x", "y", "z"), strict=True):
        assert_row_equals(row, selectors.poverty_under(unit=u[key], year=2024, view="current"))
    assert data[0][COLUMN["poor"]] == sum(row[COLUMN["poor"]] for row in data[1:]) == 6
    assert data[1][COLUMN["note"]] == "Từ: 02146, 02149"


def test_summary_of_a_later_year_under_the_legacy_units(client, reorganised):
    u = reorganised
    rows = sheet_rows(download(login(client, u["staff_bk"]), "/reports/exports/summary.xlsx", unit="06", year=2025,
                               view="legacy").content)
    assert "quy đổi về đơn vị trước sắp xếp" in rows[4][0]
    data = [row for row in rows[FIRST_DATA_ROW:] if row[COLUMN["code"]]]
    assert [row[1] for row in data] == ["06", "066", "02146", "02149", "02152"]
    assert_row_equals(data[0], selectors.poverty_under(unit=u["bk"], year=2025, view="legacy"))
    assert_row_equals(data[1], selectors.poverty_under(unit=u["d1"], year=2025, view="legacy"))
    assert (data[2][COLUMN["poor"]], data[2][COLUMN["near_poor"]]) == (1, 1)  # X → A (kept its code)
    assert (data[4][COLUMN["poor"]], data[4][COLUMN["near_poor"]]) == (1, 0)  # Y → C
    assert data[3][COLUMN["note"]] == "Chưa có số liệu rà soát"  # B merged into X: shown under A


@pytest.fixture
def funded(units, people):
    from programmes.services import programme_structure_load
    from tests.budgets.conftest import allocate, disburse

    programme_structure_load()
    line = allocate(units["kim_hy"], 500 * M, year=2023, code="DA3.1").allocation
    disburse(line, 120 * M, datetime.date(2023, 5, 20))
    disburse(line, 30_500_000, datetime.date(2023, 9, 2), document="=HYPERLINK(\"http://x\",\"bấm\")")
    allocate(units["province"], 200 * M, year=2023, code="DA1", source="local")
    central = allocate(units["ba_be"], 80 * M, year=2023, code="DA1").allocation
    disburse(central, 80 * M, datetime.date(2023, 12, 1))
    allocate(units["binh_gia"], 70 * M, year=2023, source="local")
    disbursement_recompute()
    return units


def test_disbursement_totals_equal_the_aggregates(client, funded, people):
    response = download(login(client, people["leader"]), "/reports/exports/disbursement.xlsx", unit="06", year=2023)
    assert 'filename="giai-ngan-du-an-nguon-von-06-2023.xlsx"' in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["Theo dự án và nguồn vốn", "Giải ngân theo tháng"]
    rows = book.get_sheet_by_name("Theo dự án và nguồn vốn").to_python()
    assert rows[1][0].startswith("BÁO CÁO KẾT QUẢ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM 2023")
    assert rows[5][2] == "Ngân sách trung ương" and rows[5][5] == "Ngân sách địa phương"
    assert rows[6][2:5] == ["Kế hoạch vốn", "Đã giải ngân", "Tỷ lệ (%)"]
    total = rows[7]
    assert total[1] == "Tổng cộng"
    aggregates = DisbursementAggregate.objects.filter(unit=funded["province"], year=2023)
    for index, source in enumerate(["central", "local", "other", "credit"]):
        allocated = sum(a.allocated_vnd for a in aggregates if a.source == source)
        disbursed = sum(a.disbursed_vnd for a in aggregates if a.source == source)
        assert round(total[2 + index * 3] * M) == allocated, source
        assert round(total[3 + index * 3] * M) == disbursed, source
    assert round(total[14] * M) == 780 * M and round(total[15] * M) == 230_500_000
    assert total[16] == 29.55  # 230.5 / 780
    projects = {row[1].split(". ")[0]: row for row in rows[8:] if row[1]}
    assert set(projects) == {"DA1", "DA3.1"}
    assert round(projects["DA3.1"][3] * M) == 150_500_000
    months = book.get_sheet_by_name("Giải ngân theo tháng").to_python()
    assert months[7][1] == "Tổng cộng"
    assert round(months[7][2 + 5] * M) == 120 * M and round(months[7][2 + 12] * M) == 80 * M
    assert round(months[7][15] * M) == 230_500_000
    assert not xml_has_formula(response.content)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Theo dự án và nguồn vốn"]
    assert sheet.freeze_panes == "C8" and sheet.cell(row=8, column=3).number_format == "#,##0.000"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$6:$7"


def test_disbursement_scope(client, funded, people):
    assert login(client, people["officer_sibling"]).get(
        "/reports/exports/disbursement.xlsx", {"unit": "066", "year": 2023}).status_code == 404
    rows = sheet_rows(download(client, "/reports/exports/disbursement.xlsx", unit="061", year=2023).content)
    assert round(rows[7][14] * M) == 80 * M  # Ba Bể's own line only


def test_reports_page_lists_the_downloads(client, reviewed, people, django_assert_max_num_queries):
    login(client, people["staff"])
    with django_assert_max_num_queries(16):
        response = client.get("/reports/", {"unit": "066", "year": 2024})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="download-summary"' in body and 'data-testid="export-households"' in body
    assert '<option value="066" selected>' in body and "Huyện Bình Gia" not in body
    assert '<option value="legacy" selected>' in body
    link = re.search(r'href="([^"]+)" data-testid="review-link"', body).group(1)
    assert client.get(link.replace("&amp;", "&")).status_code == 200  # the review cycle's completeness page
    assert client.get("/review/").status_code == 200  # by default the last year the staff's own unit reviewed


QUERIES = 8  # session, user, profile, scope check, units, aggregates (+ names for the disbursement report)


def test_downloads_run_a_bounded_number_of_queries(client, reviewed, people, django_assert_max_num_queries):
    login(client, people["staff"])
    with django_assert_max_num_queries(QUERIES):
        download(client, "/reports/exports/summary.xlsx", unit="06", year=2024)
    for code in ("02147", "02148", "02149"):  # more communes: the same number of queries
        CommuneFactory(code=code, parent=reviewed["na_ri"])
    with django_assert_max_num_queries(QUERIES):
        rows = sheet_rows(download(client, "/reports/exports/summary.xlsx", unit="06", year=2024).content)
    assert [row[1] for row in rows[FIRST_DATA_ROW:] if row[1]] == [
        "06", "061", "01849", "066", "02146", "02147", "02148", "02149", "02161"]
    with django_assert_max_num_queries(QUERIES):  # no disbursement figures for 2024: back to the page, a message
        assert client.get("/reports/exports/disbursement.xlsx", {"unit": "06", "year": 2024}).status_code == 302


def test_summary_group_sheet_equals_the_group_aggregates(client, reviewed, people):
    from programmes.models import HouseholdGroupTotal

    HouseholdGroupTotal.objects.create(unit=reviewed["province"], year=2024, group="ethnic_minority",
                                       total_households=80)
    poverty_recompute()
    content = download(login(client, people["staff"]), "/reports/exports/summary.xlsx", unit="06", year=2024).content
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["Tổng hợp rà soát", "Theo nhóm hộ"]
    rows = book.get_sheet_by_name("Theo nhóm hộ").to_python()
    assert rows[1][0] == "KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024 THEO NHÓM HỘ"
    assert rows[6][2] == "Nhóm hộ"
    data = [row for row in rows[FIRST_DATA_ROW:] if row[COLUMN["code"]]]
    assert [row[COLUMN["name"]] for row in data] == ["Tất cả các hộ", "Hộ dân tộc thiểu số", "Hộ có chủ hộ là nữ"]
    assert_row_equals(data[0], selectors.poverty_row(unit=reviewed["province"], year=2024))
    minority = selectors.poverty_row(unit=reviewed["province"], year=2024, group="ethnic_minority")
    assert_row_equals(data[1], minority)
    assert (data[1][COLUMN["total"]], data[1][COLUMN["poor"]]) == (80, 4)  # the factory's households are Tày
    assert data[1][COLUMN["poor_rate"]] == 5.0
    assert_row_equals(data[2], selectors.poverty_row(unit=reviewed["province"], year=2024, group="female_head"))
    assert data[2][COLUMN["total"]] == ""  # no denominator entered for the group: rates blank, never 0


def test_reports_page_for_a_view_without_units_in_scope(client, reviewed, people):
    login(client, people["officer"])  # a legacy district: nothing of today's units is in its scope
    body = client.get("/reports/", {"year": 2024, "view": "current"}).content.decode()
    assert 'data-testid="no-units"' in body and 'data-testid="download-summary"' not in body
    body = client.get("/reports/", {"year": 2024, "unit": "061"}).content.decode()  # not theirs: falls back
    assert '<option value="066" selected>' in body and 'value="061"' not in body
