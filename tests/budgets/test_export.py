"""The Excel disbursement report: totals equal the database's (read back with python-calamine), Vietnamese headers,
merged title block, number formats, frozen panes, and no text ever written as a formula."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from budgets.models import Allocation, Disbursement, Source
from budgets.selectors import totals_by_source_sql
from tests.budgets.conftest import M, allocate, disburse, login

D = datetime.date
SOURCE_COLUMNS = {source: 2 + index * 4 for index, source in enumerate(["central", "local", "other", "credit"])}
TOTAL_COLUMN = 2 + 4 * 4


@pytest.fixture
def report(world):
    allocate(world["province"], 334_913_000_123, code="DA1", capital="investment")
    allocate(world["province"], 10_048_000_000, code="DA1", capital="investment", source="local")
    na_ri = allocate(world["na_ri"], 7_777_777_777, code="DA3.1").allocation
    allocate(world["ba_be"], 5 * M, code="DA7.2", source="credit")
    line = Allocation.objects.get(project__code="DA1", source="central")
    disburse(line, 123_456_789_012, D(2023, 6, 30), document="=HYPERLINK(\"http://x\",\"bấm\")",
             note="+1 ghi chú @cảnh báo")
    disburse(na_ri, 1_111_111_111, D(2023, 7, 1), document="-UNC 05")
    return world


def _download(client, unit="06", year=2023):
    login(client, "lanhdao_bk")
    response = client.get("/budgets/export.xlsx", {"unit": unit, "year": year})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert f"giai-ngan-{unit}-{year}.xlsx" in response["Content-Disposition"]
    return response.content


def test_export_totals_equal_the_database(client, report):
    content = _download(client)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["Giải ngân theo dự án", "Theo đơn vị", "Chứng từ giải ngân"]
    rows = book.get_sheet_by_name("Giải ngân theo dự án").to_python()
    assert rows[0][0].startswith("BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG GIẢM NGHÈO BỀN VỮNG NĂM 2023")
    assert "Đơn vị tính: triệu đồng" in rows[2][0]
    assert rows[4][:3] == ["STT", "Dự án", "Ngân sách trung ương"]
    assert rows[5][2:6] == ["Kế hoạch vốn năm", "Vốn chuyển nguồn", "Đã giải ngân", "Tỷ lệ (%)"]
    total = rows[-1]
    assert total[1] == "Tổng cộng"
    sql = totals_by_source_sql(unit=report["province"], year=2023)
    for source, column in SOURCE_COLUMNS.items():
        assert round(total[column] * M) == sql[source]["allocated"], source
        assert round(total[column + 2] * M) == sql[source]["disbursed"], source
    assert round(total[TOTAL_COLUMN] * M) == sum(item["allocated"] for item in sql.values()) == 352_743_777_900
    assert round(total[TOTAL_COLUMN + 2] * M) == 124_567_900_123
    assert total[TOTAL_COLUMN + 3] == 35.31  # 124,567,900,123 / 352,743,777,900
    projects = rows[6:-1]
    assert [row[1].split(".")[0] for row in projects] == ["DA1", "DA3", "DA7"]
    for column in range(2, TOTAL_COLUMN + 3):
        if (column - 2) % 4 != 3:  # not a rate column
            assert round(sum(row[column] for row in projects) * M) == round(total[column] * M)
    units = book.get_sheet_by_name("Theo đơn vị").to_python()
    assert [row[0] for row in units[5:-1]] == ["06", "061", "066"]
    assert round(units[-1][2] * M) == 352_743_777_900
    detail = book.get_sheet_by_name("Chứng từ giải ngân").to_python()
    assert round(sum(row[7] for row in detail[5:]) * M) == sum(Disbursement.objects.values_list("amount_vnd",
                                                                                                  flat=True))


def test_export_layout_and_formats(client, report):
    content = _download(client)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["Giải ngân theo dự án"]
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    assert {"A1:V1", "A2:V2", "A3:V3", "C5:F5", "G5:J5", "S5:V5"} <= merged
    assert sheet.freeze_panes == "C7"
    assert sheet["C7"].number_format == "#,##0.000"
    assert sheet["F7"].number_format == "0.00"
    assert sheet["S5"].value == "Tổng cộng"
    assert book["Chứng từ giải ngân"]["A6"].number_format == "dd/mm/yyyy"


def test_no_text_is_ever_a_formula(client, report):
    content = _download(client)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name
    detail = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Chứng từ giải ngân").to_python()
    documents = {row[8] for row in detail[5:]}
    assert documents == {"'=HYPERLINK(\"http://x\",\"bấm\")", "'-UNC 05"}
    assert {row[9] for row in detail[5:]} == {"'+1 ghi chú @cảnh báo", ""}


def test_export_is_scoped(client, report):
    login(client, "canbo_nari")
    assert client.get("/budgets/export.xlsx", {"unit": "06", "year": 2023}).status_code == 404
    assert client.get("/budgets/export.xlsx", {"unit": "061", "year": 2023}).status_code == 404
    content = client.get("/budgets/export.xlsx", {"unit": "066", "year": 2023}).content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Giải ngân theo dự án").to_python()
    assert round(rows[-1][TOTAL_COLUMN] * M) == 7_777_777_777


def test_source_labels_are_the_vietnamese_names():
    assert [Source(key).label for key in SOURCE_COLUMNS] == [
        "Ngân sách trung ương", "Ngân sách địa phương", "Vốn huy động hợp pháp khác", "Vốn tín dụng chính sách",
    ]
