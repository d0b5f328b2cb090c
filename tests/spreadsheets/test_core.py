"""The shared spreadsheet-import core: cell parsers, header matching, row problems, reading a small sheet, jobs."""

import datetime
import re
import zipfile

import openpyxl
import pytest
from django.test import override_settings

from spreadsheets import cells
from spreadsheets.cells import CellError
from spreadsheets.headers import Column, Lookup, find_header
from spreadsheets.jobs import SpreadsheetJob, job_finish, job_reject, job_start
from spreadsheets.problems import ERRORS_PER_PAGE, Problem, RowProblems, paged, sorted_problems
from spreadsheets.sheet import MissingColumns, SheetError, read_sheet

COLUMNS = [
    Column("unit_code", "Mã đơn vị", ("Mã", "Mã ĐVHC"), required=True),
    Column("year", "Năm", ("Năm số liệu",), required=True),
    Column("total", "Tổng số hộ", ("Số hộ",)),
]


def xlsx(tmp_path, rows, name="bang.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


# --- cells -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    (1234, 1234), (1234.0, 1234), ("1234", 1234), ("+12", 12), ("1.234", 1234), ("1,234", 1234), ("1 234", 1234),
    ("1.234.567", 1_234_567),
])
def test_integers(raw, expected):
    assert cells.parse_integer(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    (1.5, "phải là số nguyên"), ("1,5", "phải là số nguyên"), ("nhiều", "phải là một số"), (True, "phải là số nguyên"),
])
def test_integer_errors_and_their_override(raw, message):
    with pytest.raises(CellError, match=f"^{re.escape(message)}$"):
        cells.parse_integer(raw)
    with pytest.raises(CellError, match=r"^không phải là số nguyên$"):
        cells.parse_integer(raw, message="không phải là số nguyên")


def test_unit_codes_give_every_reading_of_a_number_that_lost_its_zeros():
    assert cells.parse_unit_code(2146) == ("02146",)
    assert cells.parse_unit_code(66.0) == ("66", "066", "00066")
    assert cells.parse_unit_code("'02146") == ("02146",)
    assert cells.parse_unit_code("1234") == ("1234",)  # the reference imports take 2 to 5 digits as written
    with pytest.raises(CellError, match="2, 3 hoặc 5"):
        cells.parse_unit_code("1234", exact_widths=True)  # the budget imports: exactly 2, 3 or 5
    assert cells.parse_unit_code("021 46", exact_widths=True) == ("02146",)
    with pytest.raises(CellError, match=r"^phải là mã số$"):
        cells.parse_unit_code(2.5)
    with pytest.raises(CellError, match=r"^sai mã$"):
        cells.parse_unit_code(2.5, message="sai mã")


def test_codes_keep_leading_zeros_and_refuse_exponents():
    assert cells.parse_code(2146, width=5) == "02146"
    with pytest.raises(CellError, match="số mũ"):
        cells.parse_code("1,23E+11")


def test_flags_with_either_set_of_marks():
    assert cells.parse_flag("có") is True
    assert cells.parse_flag("Sai") is False
    assert cells.parse_flag(1.0) is True
    with pytest.raises(CellError):
        cells.parse_flag("sai", true_words=cells.REVIEW_TRUE_WORDS, false_words=cells.REVIEW_FALSE_WORDS)
    assert cells.parse_flag("-", true_words=cells.REVIEW_TRUE_WORDS, false_words=cells.REVIEW_FALSE_WORDS) is False


def test_money_dates_years_and_choices():
    assert cells.parse_money("1,5 triệu") == 1_500_000
    assert cells.parse_vnd("1.500.000 đ") == 1_500_000
    with pytest.raises(CellError, match="đồng nguyên"):
        cells.parse_vnd(1.5)
    assert cells.parse_million("1.234,5") == 1_234_500_000
    with pytest.raises(CellError, match="dấu phẩy"):
        cells.parse_million("1,500")
    assert cells.parse_date("13/03/2023") == cells.parse_date("2023-03-13") == datetime.date(2023, 3, 13)
    assert cells.parse_date(44998) == datetime.date(2023, 3, 13)
    with pytest.raises(CellError, match="ngày có thật"):
        cells.parse_date("31/02/2023")
    assert cells.parse_year("2023") == 2023
    with pytest.raises(CellError, match="ví dụ 2023"):
        cells.parse_year(1999)
    parse = cells.choice({"trung uong": "central"}, "phải là “Trung ương”")
    assert parse("  TRUNG ƯƠNG ") == "central"
    with pytest.raises(CellError, match="Trung ương"):
        parse("tỉnh")


def test_the_review_import_keeps_its_wording_and_marks():
    from households.importing import normalise

    with pytest.raises(ValueError, match=r"^không phải là số nguyên$"):
        normalise.parse_integer("nhiều")
    with pytest.raises(ValueError, match=r"^chỉ nhận 1/x/có"):
        normalise.parse_flag("c")
    assert normalise.parse_flag("-") is False


# --- headers -----------------------------------------------------------------------------------------------------


def test_a_header_below_a_title_is_found_and_the_rows_after_it_follow():
    rows = iter([(1, ["BẢNG TỔNG HỢP"]), (2, []), (3, ["MÃ ĐVHC", "năm:", "Ghi chú"]), (4, ["02146", 2023, ""]),
                 (5, ["02161", 2023, ""])])
    header, rest = find_header(rows, COLUMNS)
    assert header.rows == (3,)
    assert header.headers() == {"unit_code": "MÃ ĐVHC", "year": "năm:"}
    assert header.unknown == [(2, "Ghi chú")]
    assert [number for number, _cells in rest] == [4, 5]


def test_a_two_row_header_and_a_repeated_header():
    rows = iter([(1, ["Mã", "Năm", "Số liệu", "Mã"]), (2, ["", "", "Số hộ", ""]), (3, ["02146", 2023, 10, "x"])])
    header, rest = find_header(rows, COLUMNS, two_rows=True, group_headers={"so lieu"})
    assert header.rows == (1, 2)
    assert header.columns == {"unit_code": (0, "Mã"), "year": (1, "Năm"), "total": (2, "Số hộ")}
    assert header.unknown == []  # the repeated "Mã" is ignored, not unknown
    assert header.ignored == [(3, "Mã")]
    assert [number for number, _cells in rest] == [3]


def test_a_text_two_columns_accept_goes_to_the_first_free_one():
    lookup = Lookup([Column("a", "Mã tỉnh", ("Mã",)), Column("b", "Mã xã", ("Mã",))])
    header, _rest = find_header(iter([(1, ["Mã", "Mã"])]), lookup)
    assert header.columns == {"a": (0, "Mã"), "b": (1, "Mã")}


# --- problems ----------------------------------------------------------------------------------------------------


def test_row_problems_have_the_contract_shape_and_order():
    problems = RowProblems({"year": "Năm"})
    assert problems.cell(5, "year", 2023.5, cells.parse_integer) is None
    assert problems.cell(3, "year", "", cells.parse_integer) is None
    assert problems.cell(4, "year", "", cells.parse_integer, required=False) is None
    assert problems.errors() == [
        {"row": 3, "column": "Năm", "value": "", "message": "Dòng 3: thiếu “Năm”."},
        {"row": 5, "column": "Năm", "value": "2023.5", "message": "Dòng 5: “Năm” phải là số nguyên."},
    ]
    ordered = sorted_problems([Problem(1, "A", "", "b"), Problem(1, "A", "", "a")], by_message=True)
    assert [problem.message for problem in ordered] == ["a", "b"]


def test_pages_clip_long_values():
    entries = [{"row": n, "column": "", "value": "x" * 600, "message": ""} for n in range(ERRORS_PER_PAGE + 1)]
    pages = paged(entries)
    assert [len(page) for page in pages] == [ERRORS_PER_PAGE, 1]
    assert pages[0][0]["value"] == "x" * 500 + "…"


# --- read_sheet ----------------------------------------------------------------------------------------------------


def test_read_sheet_maps_the_header_and_skips_blank_rows(tmp_path):
    path = xlsx(tmp_path, [["Bảng"], ["Mã", "Năm", "Thừa", "Số hộ"], ["02146", 2023, "?", 10], [None, None, "?"],
                           ["02161", 2023]])
    sheet = read_sheet(path, COLUMNS)
    assert (sheet.header_row, sheet.kind, sheet.ignored_headers) == (2, "xlsx", ["Thừa"])
    assert sheet.rows == [(3, {"unit_code": "02146", "year": 2023, "total": 10}),
                          (5, {"unit_code": "02161", "year": 2023, "total": ""})]  # calamine pads its rows
    short = tmp_path / "short.csv"
    short.write_text("Mã,Năm,Số hộ\n02146,2023\n", encoding="utf-8")
    assert read_sheet(short, COLUMNS).rows == [(2, {"unit_code": "02146", "year": "2023", "total": None})]
    assert read_sheet(short, COLUMNS, fill="").rows[0][1]["total"] == ""


def test_read_sheet_names_the_missing_columns(tmp_path):
    with pytest.raises(MissingColumns) as missing:
        read_sheet(xlsx(tmp_path, [["Mã", "Ghi chú"], ["02146", ""]]), COLUMNS)
    assert (missing.value.row, missing.value.message) == (1, "Thiếu cột “Năm”. Các cột tìm thấy: Mã, Ghi chú.")
    with pytest.raises(MissingColumns) as none:
        read_sheet(xlsx(tmp_path, [["a", "b"], ["c", "d"]], name="none.xlsx"), COLUMNS)
    assert none.value.message == "Không tìm thấy dòng tiêu đề (các cột “Mã đơn vị”, “Năm”)."
    assert none.value.listing() == "Thiếu cột “Mã đơn vị”, “Năm”. Các cột tìm thấy: (không có)."


def test_read_sheet_applies_the_readers_limits(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * 50_000_000)  # far over the compression ratio
    with pytest.raises(SheetError, match="nén bất thường"):
        read_sheet(bomb, COLUMNS)
    with override_settings(IMPORT_MAX_FILE_BYTES=10), pytest.raises(SheetError, match="lớn hơn giới hạn"):
        read_sheet(xlsx(tmp_path, [["Mã", "Năm"]], name="big.xlsx"), COLUMNS)
    with override_settings(IMPORT_MAX_ROWS=2), pytest.raises(SheetError, match="hơn 2 dòng"):
        read_sheet(xlsx(tmp_path, [["Mã", "Năm"], *[["02146", 2023]] * 3], name="rows.xlsx"), COLUMNS)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SheetError, match="Tệp rỗng"):
        read_sheet(tmp_path / "empty.csv", COLUMNS)


# --- jobs --------------------------------------------------------------------------------------------------------


class FakeJob:
    """Stands in for a concrete SpreadsheetJob (the base is abstract): records what save() was asked to write."""

    Status = SpreadsheetJob.Status

    def __init__(self):
        self.status, self.progress, self.rows, self.saved = self.Status.QUEUED, 0, 0, []

    def save(self, *, update_fields):
        self.saved.append(sorted(update_fields))


def test_the_job_lifecycle_writes_only_what_changes():
    job = FakeJob()
    job_start(job=job)
    assert (job.status, job.saved[-1]) == ("running", ["progress", "started_at", "status"])
    further = job_reject(job=job, problems=[Problem(row, "A", "", "x") for row in range(ERRORS_PER_PAGE + 5, 0, -1)],
                         rows=7)
    assert (job.status, job.error_count, job.rows, len(job.errors), len(further)) == (
        "rejected", ERRORS_PER_PAGE + 5, 7, ERRORS_PER_PAGE, 1)
    assert job.errors[0]["row"] == 1
    finished = FakeJob()
    job_finish(job=finished, rows=3, written=3, warnings=["w"])
    assert (finished.status, finished.progress, finished.rows_written, finished.warnings) == ("committed", 100, 3,
                                                                                               ["w"])
    assert SpreadsheetJob._meta.abstract
