"""The annotated copy of an .xlsx upload is the officer's own workbook: the two-row-header sample keeps its merged
header cells, column widths and sheet; every bad cell is filled and commented; an error sheet lists them. Other
formats, and an .xlsx over the cap, keep the rebuilt copy."""

import io

import openpyxl
import pytest

from households.models import ImportBatch
from spreadsheets import annotate as core_annotate
from tests import DATA
from tests.households.test_import_hostile import bad_rows, upload_bytes, xlsx_bytes

SAMPLE = DATA / "review-2023-066-40-errors-2row.xlsx"


def annotated_of(batch: ImportBatch) -> openpyxl.Workbook:
    with batch.annotated.open("rb") as handle:
        return openpyxl.load_workbook(io.BytesIO(handle.read()))


def header_columns(sheet) -> dict[str, int]:
    """Header text → column number, from the sample's two header rows (4 and 5; J4:U4 is the group header)."""
    columns = {}
    for row in (4, 5):
        for cell in sheet[row]:
            if isinstance(cell.value, str):
                columns[" ".join(cell.value.split())] = cell.column
    return columns


def test_the_two_row_header_sample_comes_back_as_itself_with_its_bad_cells_marked(na_ri):
    batch = upload_bytes(SAMPLE.name, SAMPLE.read_bytes(), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED and batch.annotated.name
    original = openpyxl.load_workbook(SAMPLE)
    copy = annotated_of(batch)
    assert copy.sheetnames == [*original.sheetnames, core_annotate.LIST_SHEET]
    sheet, source = copy[original.sheetnames[0]], original.worksheets[0]
    assert {str(merged) for merged in sheet.merged_cells.ranges} == {str(merged) for merged in
                                                                      source.merged_cells.ranges}
    assert "J4:U4" in {str(merged) for merged in sheet.merged_cells.ranges}
    widths = {key: dimension.width for key, dimension in source.column_dimensions.items()}
    assert widths and {key: sheet.column_dimensions[key].width for key in widths} == widths
    # the cells themselves are untouched (values, the title rows above the header)
    for row in range(1, source.max_row + 1):
        assert [cell.value for cell in sheet[row]] == [cell.value for cell in source[row]]
    columns = header_columns(source)
    errors = list(batch.error_entries())
    assert len(errors) >= 8
    for error in errors:
        cell = sheet.cell(row=error["row"], column=columns[error["column"]])
        assert cell.fill.fgColor.rgb.endswith(core_annotate.BAD_FILL), (error, cell.coordinate)
        assert cell.comment is not None and error["message"] in cell.comment.text
    listed = list(copy[core_annotate.LIST_SHEET].iter_rows(values_only=True))
    assert listed[0] == ("Dòng", "Cột", "Giá trị", "Lỗi")
    assert [(row, column) for row, column, _value, _message in listed[1:]] == [
        (error["row"], error["column"]) for error in errors]
    assert copy.active.title == original.sheetnames[0]


def test_an_ods_upload_keeps_the_rebuilt_copy(na_ri):
    path = SAMPLE.with_suffix(".ods")
    batch = upload_bytes(path.name, path.read_bytes(), user=na_ri["officer"])
    assert annotated_of(batch).sheetnames == ["Danh sách (có đánh dấu lỗi)", core_annotate.LIST_SHEET]


def test_an_xlsx_over_the_cell_limit_keeps_the_rebuilt_copy(na_ri, monkeypatch):
    monkeypatch.setattr(core_annotate, "ORIGINAL_MAX_CELLS", 10)
    batch = upload_bytes("it.xlsx", xlsx_bytes(bad_rows(3)), user=na_ri["officer"])
    assert annotated_of(batch).sheetnames == ["Danh sách (có đánh dấu lỗi)", core_annotate.LIST_SHEET]


@pytest.mark.parametrize("broken", [True, False])
def test_an_xlsx_openpyxl_cannot_open_falls_back_to_the_rebuilt_copy(na_ri, monkeypatch, broken):
    with monkeypatch.context() as patch:
        if broken:
            patch.setattr(core_annotate.openpyxl, "load_workbook", lambda *args, **kwargs: 1 / 0)
        batch = upload_bytes("it.xlsx", xlsx_bytes(bad_rows(3)), user=na_ri["officer"])
    names = annotated_of(batch).sheetnames
    assert names == (["Danh sách (có đánh dấu lỗi)"] if broken else ["Sheet1"]) + [core_annotate.LIST_SHEET]
