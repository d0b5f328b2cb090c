"""The import core's annotated copy (spreadsheets.annotate) and stored error pages (problems.errors_stored), as any
import uses them: given the kept upload, where its header is and its problems. No database, no app."""

import io
import unicodedata

import openpyxl
from python_calamine import CalamineWorkbook

from spreadsheets import annotate
from spreadsheets.problems import ERRORS_PER_PAGE, errors_stored
from tests.spreadsheets.test_core import xlsx

PROBLEMS = [
    {"row": 3, "column": "Năm", "value": "hai", "message": "Dòng 3: “Năm” phải là số nguyên."},
    {"row": 4, "column": "Mã", "value": "", "message": "Dòng 4: thiếu “Mã”."},
    {"row": 9, "column": "", "value": "", "message": "Dòng 9: dòng không có trong tệp."},
]


def locate(scanned):
    """The header is the row whose first cell is "Mã"."""
    for _number, cells in scanned:
        if cells and cells[0] == "Mã":
            return {text: index for index, text in enumerate(cells) if text}
    return {}


def build(source, target, *, problems=PROBLEMS, rows=3, **options):
    return annotate.annotated_workbook(source=source, issues=lambda: iter(problems), count=len(problems), rows=rows,
                                       locate=locate, scan_rows=5, target=target, **options)


def test_errors_stored_keeps_the_first_page_on_the_job_and_the_rest_as_pages():
    entries = [{"row": n, "column": "", "value": "x" * 600, "message": ""} for n in range(2 * ERRORS_PER_PAGE + 1)]
    fields, further = errors_stored(entries)
    assert fields["error_count"] == 2 * ERRORS_PER_PAGE + 1 and len(fields["errors"]) == ERRORS_PER_PAGE
    assert [len(page) for page in further] == [ERRORS_PER_PAGE, 1]
    assert fields["errors"][0]["value"] == "x" * 500 + "…"
    assert errors_stored([]) == ({"error_count": 0, "errors": []}, [])


def test_an_xlsx_comes_back_as_itself_with_its_bad_cells_marked(tmp_path):
    source = xlsx(tmp_path, [["Bảng kê"], ["Mã", "Năm"], ["02146", "hai"], [None, 2023]])
    target = tmp_path / "out.xlsx"
    assert build(source, target) is True
    marked = openpyxl.load_workbook(target)
    assert marked.sheetnames == ["Sheet", annotate.LIST_SHEET]
    sheet = marked["Sheet"]
    assert "phải là số nguyên" in sheet["B3"].comment.text and sheet["B3"].fill.fgColor.rgb.endswith(annotate.BAD_FILL)
    assert "thiếu “Mã”" in sheet["A4"].comment.text and sheet["A3"].comment is None
    listed = list(marked[annotate.LIST_SHEET].iter_rows(values_only=True))
    assert listed[1] == (3, "Năm", "hai", "“Năm” phải là số nguyên.")  # the row number once, in its column


def test_a_csv_gets_a_fresh_copy_with_rows_the_file_lacks_marked_in_their_turn(tmp_path):
    source = tmp_path / "bang.csv"
    source.write_text("Bảng kê\nMã,Năm\n02146,hai\n,2023\n", encoding="utf-8")
    target = tmp_path / "out.xlsx"
    assert build(source, target) is True
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(target.read_bytes()))
    assert workbook.sheet_names == ["Danh sách (có đánh dấu lỗi)", annotate.LIST_SHEET]
    rows = workbook.get_sheet_by_index(0).to_python()
    assert rows[2][:2] == ["02146", "hai"]
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert "phải là số nguyên" in sheet["B3"].comment.text
    assert "không có trong tệp" in sheet["A9"].comment.text  # a row the file lacks: an empty cell carries it


def test_over_the_cap_the_copy_is_the_error_list_saying_why(tmp_path, settings):
    settings.IMPORT_ANNOTATED_MAX_ROWS = 20
    target = tmp_path / "out.xlsx"
    assert build(None, target, rows=21) is False
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(target.read_bytes()))
    assert workbook.sheet_names == ["Ghi chú", annotate.LIST_SHEET]
    [[why]] = workbook.get_sheet_by_index(0).to_python()
    assert "hơn 20 dòng" in why and unicodedata.is_normalized("NFC", why)
    many = [{**PROBLEMS[0], "row": row} for row in range(3, 30)]
    assert build(None, target, problems=many, in_request=True) is False  # in a request: a tenth of the cap
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(target.read_bytes()))
    assert "chỉ gồm 2 lỗi đầu" in workbook.get_sheet_by_index(0).to_python()[0][0]
    assert len(workbook.get_sheet_by_index(1).to_python()) == 3
