"""The pure half of the import pipeline on real files: the LibreOffice-made samples and files written here."""

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from households.importing import normalise
from households.importing.validate import (
    Commune,
    HeaderError,
    RowValidator,
    check_required,
    find_header,
    row_is_blank,
)
from provinces.reference_source import legacy_units
from spreadsheets.reader import WorkbookError, open_table
from tests import DATA

INDICATORS = (
    "employment", "dependents", "nutrition", "health_insurance", "adult_education", "child_schooling",
    "housing_quality", "housing_area", "water_source", "sanitation", "telecom", "information_access",
)
COMMUNES = {  # Na Rì's communes as the reference package lists them
    unit.code: Commune(unit.code, unit.name, unit.short_name, "rural")
    for unit in legacy_units() if unit.parent_code == "066"
}


def parse_file(path: Path, communes=COMMUNES):
    table = open_table(path)
    header, rows = find_header(table.rows)
    check_required(header, indicators=INDICATORS)
    validator = RowValidator(header=header, indicators=INDICATORS, communes=communes, scope_name="Huyện Na Rì")
    parsed, problems = [], []
    for number, cells in rows:
        if row_is_blank(cells):
            continue
        row, row_problems = validator.validate(number, cells)
        problems.extend(row_problems)
        if row:
            parsed.append(row)
    return table, header, parsed, problems


@pytest.mark.parametrize("name", ["review-2023-066-600.xlsx", "review-2023-066-600.xls", "review-2023-066-600.csv"])
def test_clean_samples_parse_every_row(name):
    rows = json.loads((DATA / "review-2023-066-600.expected.json").read_text())["rows"]
    expected = {row["household_code"]: row for row in rows}
    _table, header, parsed, problems = parse_file(DATA / name)
    assert problems == []
    assert len(parsed) == 600
    assert {row.household_code for row in parsed} == set(expected)
    for row in parsed:
        assert row.commune_code == expected[row.household_code]["commune_code"]
    assert header.rows == ((1,) if name.endswith(".csv") else (4,))


@pytest.mark.parametrize("name", ["review-2023-066-40-errors-2row.xlsx", "review-2023-066-40-errors-2row.ods"])
def test_two_row_header_sample_reports_each_bad_row_where_excel_shows_it(name):
    expected = json.loads((DATA / "review-2023-066-40-errors-2row.expected.json").read_text())
    _table, header, parsed, problems = parse_file(DATA / name)
    assert header.rows == (4, 5)
    assert sorted({problem.row for problem in problems}) == [bad["row"] for bad in expected["bad_rows"]]
    assert len(parsed) == 40
    by_row = {problem.row: problem for problem in problems}
    assert by_row[46].column == "Mã hộ"
    assert "trùng với dòng 7" in by_row[47].message
    assert by_row[48].value == "-200000"
    assert by_row[49].value == "một triệu"
    assert by_row[50].column == "Số nhân khẩu"
    # Unknown and out-of-district codes get the same words: scope never leaks.
    unknown = by_row[51].message.replace("51", "N").replace("99999", "X")
    elsewhere = by_row[52].message.replace("52", "N").replace("00001", "X")
    assert unknown == elsewhere


def test_windows_1258_csv_is_decoded_and_normalised_to_nfc():
    _table, _header, parsed, _problems = parse_file(DATA / "review-2023-066-600.csv")
    names = [row.head_name for row in parsed]
    assert "Lê Quang Yến" in names
    assert all(name == normalise.nfc(name) for name in names)


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("dots", "1.500.000", 1_500_000), ("commas", "1,500,000", 1_500_000), ("plain", "1500000", 1_500_000),
        ("million words", "1,5 triệu", 1_500_000), ("million ascii", "2 trieu", 2_000_000),
        ("float cell", 1_500_000.0, 1_500_000), ("currency", "1.200.000 đ", 1_200_000),
        ("negative", "-200000", -200_000), ("exporter float text", "1500000.0", 1_500_000),
    ],
)
def test_money_formats(_case, raw, expected):
    assert normalise.parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["một triệu", "1,5", "abc", "1.50.000"])
def test_money_rejects_what_it_cannot_read(raw):
    with pytest.raises(ValueError, match="không phải là số tiền"):
        normalise.parse_money(raw)


@pytest.mark.parametrize(
    ("raw", "width", "expected"),
    [(2146.0, 5, "02146"), ("02146", 5, "02146"), (21912300000.0, None, "21912300000"), ("  0219 ", None, "0219")],
)
def test_codes_typed_as_numbers_keep_their_digits(raw, width, expected):
    assert normalise.parse_code(raw, width=width) == expected


@pytest.mark.parametrize("raw", ["2.19123E+11", "2,19E+11", 2.19123e18])
def test_scientific_household_codes_are_errors_not_guesses(raw):
    with pytest.raises(ValueError, match="số mũ"):
        normalise.parse_code(raw)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("x", True), ("X", True), ("có", True), ("Có", True),
                                               (1.0, True), ("0", False), ("", False), ("không", False)])
def test_deprivation_marks(raw, expected):
    assert normalise.parse_flag(raw) is expected


def write_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Danh sách")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    workbook.close()
    return path


HEADERS = ["Mã hộ", "Họ và tên chủ hộ", "Mã xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
           "Việc làm", "Người phụ thuộc trong hộ gia đình", "Dinh dưỡng", "Bảo hiểm y tế",
           "Trình độ giáo dục của người lớn", "Tình trạng đi học của trẻ em", "Chất lượng nhà ở",
           "Diện tích nhà ở bình quân đầu người", "Nguồn nước sinh hoạt", "Nhà tiêu hợp vệ sinh",
           "Sử dụng dịch vụ viễn thông", "Phương tiện phục vụ tiếp cận thông tin"]


def test_header_variants_match_without_diacritics_case_or_punctuation(tmp_path):
    variants = ["MA HO", "ho va ten chu ho:", "Mã  xã", "so nhan khau", "income_per_capita", *HEADERS[5:], "Cột lạ"]
    path = write_xlsx(tmp_path / "variants.xlsx", [["UBND HUYỆN NA RÌ"], variants,
                                                 ["H1", "Nguyễn Văn An", "02146", 3, "1.000.000", *["x"] * 3]])
    _table, header, parsed, problems = parse_file(path)
    assert header.rows == (2,)
    assert problems == []
    assert parsed[0].deprivations == frozenset({"employment", "dependents", "nutrition"})
    assert header.unknown == [(len(variants) - 1, "Cột lạ")]


def test_missing_required_column_is_rejected_before_rows_naming_it_and_listing_headers(tmp_path):
    path = write_xlsx(tmp_path / "missing.xlsx", [[h for h in HEADERS if h != "Số nhân khẩu"]])
    table = open_table(path)
    header, _rows = find_header(table.rows)
    with pytest.raises(HeaderError) as error:
        check_required(header, indicators=INDICATORS)
    assert "“Số nhân khẩu”" in error.value.problem.message
    assert "Mã hộ" in error.value.problem.message


@pytest.mark.parametrize(
    ("_case", "content", "message"),
    [
        ("empty", b"", "rỗng"),
        ("binary junk", b"\x00\x01\x02garbage" * 100, "không phải bảng tính"),
        ("corrupt zip", b"PK\x03\x04" + b"\x00" * 200, "hỏng"),
        ("encrypted", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 600,
         "mật khẩu"),
    ],
)
def test_files_that_are_not_readable_spreadsheets_get_a_clear_message(tmp_path, _case, content, message):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)
    with pytest.raises(WorkbookError, match=message):
        table = open_table(path)
        list(table.rows)


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (50 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(WorkbookError, match="nén bất thường"):
        open_table(path)


def test_utf8_bom_csv_and_name_column_instead_of_code(tmp_path):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Mã hộ", "Họ và tên chủ hộ", "Tên xã", "Số nhân khẩu", "Thu nhập", *HEADERS[5:]])
    writer.writerow(["H9", "Bế Thị Hoa", "kim hy", "4", "1,2 triệu", "1", "1", "1"])
    writer.writerow(["H10", "Bế Văn Nam", "Không Có Xã Này", "4", "900000"])
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    communes = {"02146": Commune("02146", "Xã Kim Hỷ", "Kim Hỷ", "rural")}
    _table, _header, parsed, problems = parse_file(path, communes=communes)
    assert [row.commune_code for row in parsed] == ["02146"]
    assert parsed[0].income_per_capita == 1_200_000
    assert [problem.row for problem in problems] == [3]
    assert "hãy ghi mã xã" in problems[0].message
