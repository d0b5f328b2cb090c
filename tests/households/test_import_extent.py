"""A sheet's extent is measured before python-calamine loads its grid, and an oversized one is refused with a message.

calamine allocates one dense grid from A1 to the last cell: a 6 KB .xlsx with cells at A1 and XFD1048576 asks for
17 billion cells and aborts the process (the worker, or the web server in the embedded mode); a 900-byte .ods with
repeated rows asks for 90 million cells (5.6 GB, 40 s). The attack files are built here.
"""

import io
import re
import subprocess
import sys
import zipfile

import pytest
import xlsxwriter
from django.test import override_settings
from python_calamine import CalamineWorkbook

from spreadsheets.extent import Extent, ExtentError, sheet_extent
from spreadsheets.reader import WorkbookError, column_letters, ods_extent, open_table
from tests import DATA

ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="Danh sách">'
)
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def text_cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def write_ods(path, rows_xml: str):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", ODS_HEAD + rows_xml + ODS_TAIL)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
    return path


def write_xlsx(path, cells: dict[tuple[int, int], object], *, sheets: int = 1):
    workbook = xlsxwriter.Workbook(path)
    for number in range(sheets):
        sheet = workbook.add_worksheet(f"Trang {number + 1}")
        for (row, column), value in cells.items():
            sheet.write(row, column, value)
    workbook.close()
    return path


def rewrite_sheet(path, transform):
    """The same .xlsx with its first sheet's XML passed through `transform` (bytes → bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = transform(data)
            target.writestr(item, data)
    path.write_bytes(buffer.getvalue())
    return path


def calamine_extent(path) -> Extent:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    return Extent(sheet.end[0] + 1, sheet.end[1] + 1)


@pytest.mark.parametrize("name", [
    "review-2023-066-600.xlsx", "review-2023-066-40-errors-2row.xlsx", "review-2023-066-40-errors-2row.ods",
])
def test_the_extent_of_office_files_is_what_calamine_loads(name):
    kind = name.rsplit(".", 1)[1]
    measured = ods_extent(DATA / name, None) if kind == "ods" else sheet_extent(DATA / name, kind=kind, sheet=None)
    assert measured == calamine_extent(DATA / name)


def test_the_extent_of_a_generated_workbook_in_several_chunks(tmp_path, monkeypatch):
    import spreadsheets.extent as extent_module

    monkeypatch.setattr(extent_module, "CHUNK", 4096)  # references cut across chunk boundaries
    cells = {(row, column): f"ô {row}-{column}" for row in range(0, 3000, 7) for column in (0, 3, 27, 51)}
    cells[(2998, 701)] = 1
    path = write_xlsx(tmp_path / "wide.xlsx", cells)
    assert sheet_extent(path, kind="xlsx", sheet=None) == Extent(2999, 702) == calamine_extent(path)


def test_cells_without_references_are_placed_one_after_another(tmp_path):
    cells = {(row, column): row * 10 + column for row in range(5) for column in range(4)}
    path = write_xlsx(tmp_path / "refless.xlsx", cells)
    rewrite_sheet(path, lambda xml: re.sub(rb'(<c) r="[A-Z]+[0-9]+"', rb"\1", xml))
    assert b' r="A' not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert sheet_extent(path, kind="xlsx", sheet=None) == Extent(5, 4) == calamine_extent(path)


def test_references_after_other_attributes_and_in_single_quotes_are_read(tmp_path):
    path = write_xlsx(tmp_path / "moved.xlsx", {(0, 0): "a", (40, 30): "b"})
    rewrite_sheet(path, lambda xml: re.sub(rb'<c r="([A-Z]+[0-9]+)"', rb"<c s='0' r='\1'", xml))
    assert sheet_extent(path, kind="xlsx", sheet=None) == Extent(41, 31) == calamine_extent(path)


def test_the_named_sheet_is_measured(tmp_path):
    workbook = xlsxwriter.Workbook(tmp_path / "two.xlsx")
    workbook.add_worksheet("Hướng dẫn").write(0, 0, "đọc trước")
    workbook.add_worksheet("Danh sách").write(99, 9, "x")
    workbook.close()
    assert sheet_extent(tmp_path / "two.xlsx", kind="xlsx", sheet=None) == Extent(1, 1)
    assert sheet_extent(tmp_path / "two.xlsx", kind="xlsx", sheet="Danh sách") == Extent(100, 10)


def test_a_reference_no_spreadsheet_writes_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "odd.xlsx", {(0, 0): "a"})
    rewrite_sheet(path, lambda xml: xml.replace(b'r="A1"', b'r="ABCD1"'))
    with pytest.raises(ExtentError):
        sheet_extent(path, kind="xlsx", sheet=None)
    with pytest.raises(WorkbookError, match="hỏng"):
        open_table(path)


def test_two_far_apart_cells_are_refused_without_loading_them(tmp_path):
    path = write_xlsx(tmp_path / "sparse.xlsx", {(0, 0): "Họ và tên", (1_048_575, 16_383): "z"})
    assert path.stat().st_size < 10_000
    assert sheet_extent(path, kind="xlsx", sheet=None) == Extent(1_048_576, 16_384)
    with pytest.raises(WorkbookError) as refused:
        open_table(path)
    message = str(refused.value)
    assert "dòng 1.048.576, cột XFD" in message and "17.179.869.184 ô" in message and "12.000.000 ô" in message


def test_the_refusal_happens_before_calamine_could_abort_the_process(tmp_path):
    """In a child process, as the worker would: calamine alone dies on the file; open_table refuses it."""
    path = write_xlsx(tmp_path / "sparse.xlsx", {(0, 0): "a", (1_048_575, 16_383): "z"})
    bare = subprocess.run(  # the child caps its memory at 4 GB, so the allocation fails whatever the overcommit policy
        [sys.executable, "-c", "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2**32, 2**32)); "
         "from python_calamine import CalamineWorkbook as W; W.from_path(sys.argv[1]).get_sheet_by_index(0)",
         str(path)], capture_output=True, timeout=60,
    )
    assert bare.returncode != 0  # aborted on the allocation
    with pytest.raises(WorkbookError):
        open_table(path)


def test_a_repeated_row_ods_bomb_is_refused_quickly(tmp_path):
    rows = (f"<table:table-row>{text_cell('a')}</table:table-row>"
            '<table:table-row table:number-rows-repeated="5600"><table:table-cell/></table:table-row>'
            f'<table:table-row><table:table-cell table:number-columns-repeated="16000"/>{text_cell("z")}'
            "</table:table-row>")
    path = write_ods(tmp_path / "bomb.ods", rows)
    assert path.stat().st_size < 2_000
    with pytest.raises(WorkbookError, match="quá nhiều ô"):
        open_table(path)


def test_empty_repeats_after_the_last_cell_do_not_count_in_an_ods(tmp_path):
    rows = (f"<table:table-row>{text_cell('Họ và tên')}{text_cell('Mã hộ')}</table:table-row>"
            f"<table:table-row>{text_cell('Nông Văn Hùng')}{text_cell('H001')}</table:table-row>"
            '<table:table-row table:number-rows-repeated="1048000">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    path = write_ods(tmp_path / "trailing.ods", rows)
    assert ods_extent(path, None) == Extent(2, 2)
    assert [cells for _number, cells in open_table(path).rows][1] == ["Nông Văn Hùng", "H001"]


@override_settings(IMPORT_MAX_CELLS=1_000)
def test_the_cell_limit_is_a_setting(tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", {(row, column): 1 for row in range(40) for column in range(25)})
    assert len(list(open_table(path).rows)) == 40
    path = write_xlsx(tmp_path / "over.xlsx", {(row, column): 1 for row in range(41) for column in range(25)})
    with pytest.raises(WorkbookError, match=r"dòng 41, cột Y \(ít nhất 1\.025 ô; tối đa 1\.000 ô\)"):
        open_table(path)


def test_measuring_stops_once_the_limit_is_passed(tmp_path, monkeypatch):
    import spreadsheets.extent as extent_module

    monkeypatch.setattr(extent_module, "CHUNK", 4096)
    path = write_xlsx(tmp_path / "long.xlsx", {(row, column): 1 for row in range(2000) for column in range(10)})
    assert sheet_extent(path, kind="xlsx", sheet=None) == Extent(2000, 10)
    early = sheet_extent(path, kind="xlsx", sheet=None, stop_above=500)
    assert 500 < early.cells < 2000 * 10


def test_column_letters():
    assert [column_letters(n) for n in (1, 26, 27, 52, 702, 703, 16_384)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA", "XFD"]
