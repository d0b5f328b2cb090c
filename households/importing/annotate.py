"""The officer's own workbook back, with every bad cell highlighted and a comment saying what is wrong.

An .xlsx upload comes back as itself: opened with openpyxl, its sheet keeps its merged two-row header, column
widths, formats and formulas, and its other sheets; the bad cells get a fill and a comment, and an error sheet
is added (`_mark_original`). openpyxl holds the whole workbook in memory, so this is done only within the row cap
and ORIGINAL_MAX_CELLS; what openpyxl cannot carry over (pictures, charts) is lost in the copy, never in the
kept upload. Other uploads (.xls, .ods, .csv), a larger .xlsx or one openpyxl cannot open get a copy written
fresh with XlsxWriter from the values calamine read, so it opens in any office software; no cell text is ever
written as a formula. That copy is streamed to a file (XlsxWriter's constant_memory mode: one row in memory at a
time). Either way it is built once, by the worker after the batch has finished (`import_batch_annotate`), and
kept on the batch (`ImportBatch.annotated`); the download serves that file.

Its cost is bounded by settings.IMPORT_ANNOTATED_MAX_ROWS, not by the upload: a workbook with more rows, or more
errors or warnings, than that gets the error list alone, after a first sheet saying why.
"""

import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from copy import copy
from itertools import chain, islice
from pathlib import Path

import openpyxl
import openpyxl.comments
import openpyxl.styles
import xlsxwriter
from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from config.row_messages import without_row
from households.importing import normalise, validate
from households.models import ImportBatch
from spreadsheets.extent import sheet_extent
from spreadsheets.reader import WorkbookError, open_table

logger = logging.getLogger(__name__)

OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
           "strings_to_urls": False}
XLSX_MAX_ROWS = 1_048_576
LIST_SHEET = "Danh sách lỗi"
# openpyxl keeps about 0.5 KB per cell: an .xlsx upload spanning more cells gets the copy rebuilt with XlsxWriter.
ORIGINAL_MAX_CELLS = 1_500_000
BAD_FILL, BAD_ROW_FILL, BAD_FONT = "FFC7CE", "FFF2CC", "9C0006"


class _TooManyRows(Exception):
    pass


def _issues(batch: ImportBatch) -> Iterator[dict]:
    """The errors of a rejected batch, else its warnings; sorted by (row, column)."""
    if batch.error_count or batch.errors:
        return batch.error_entries()
    return iter(batch.warning_entries())


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def annotated_workbook(*, batch: ImportBatch, target: Path, in_request: bool = False) -> bool:
    """Write the batch's annotated copy to `target`: the marked copy of its rows (True), or, over the cap, the
    error list alone with a first sheet saying why (False). Built `in_request` (a batch finished before the worker
    kept the copy), the cap is a tenth and the list stops there too, so that the request answers in seconds."""
    cap = settings.IMPORT_ANNOTATED_MAX_ROWS // (10 if in_request else 1)
    count = batch.error_count or len(batch.errors) or batch.warnings
    too_many_rows = _(
        "Tệp có hơn %(max)s dòng nên bản sao có đánh dấu chỉ gồm danh sách lỗi (trang “%(sheet)s”), không chép "
        "lại các dòng của tệp. Hãy sửa theo số dòng và tên cột trong danh sách, hoặc chia nhỏ tệp theo xã."
    ) % {"max": _thousands(cap), "sheet": LIST_SHEET}
    if batch.rows > cap:
        reason = too_many_rows
    elif count > cap:
        reason = _(
            "Tệp có %(count)s lỗi (hơn %(max)s) nên bản sao có đánh dấu chỉ gồm danh sách lỗi (trang "
            "“%(sheet)s”), không chép lại các dòng của tệp. Thường là do tệp không theo mẫu: hãy tải mẫu từ "
            "hệ thống và kiểm tra các cột."
        ) % {"count": _thousands(count), "max": _thousands(cap), "sheet": LIST_SHEET}
    else:
        try:
            _marked_copy(batch=batch, target=target, cap=cap)
            return True
        except _TooManyRows:
            reason = too_many_rows
    issues = _issues(batch)
    if in_request and count > cap:
        issues = islice(issues, cap)
        reason += " " + _(
            "Danh sách này chỉ gồm %(max)s lỗi đầu; trang của lần nhập liệt kê đủ %(count)s lỗi."
        ) % {"max": _thousands(cap), "count": _thousands(count)}
    _list_only(target=target, issues=issues, reason=reason)
    return False


def _marked_copy(*, batch: ImportBatch, target: Path, cap: int) -> None:
    problems: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    issues = list(_issues(batch))  # at most `cap` of them
    try:
        table = open_table(Path(batch.file.path))
    except WorkbookError:
        table = None
    if table is not None and table.height is not None and table.height > cap + validate.HEADER_SCAN_ROWS:
        raise _TooManyRows
    rows = _readable(table.rows) if table is not None else iter(())
    scanned = list(islice(rows, validate.HEADER_SCAN_ROWS))
    columns_by_header: dict[str, int] = {}
    try:
        header, _rest = validate.find_header(iter(scanned))
        columns_by_header = {text: index for index, text in header.columns.values()}
        columns_by_header.update({text: index for index, text in header.unknown})  # the workbook's own columns
    except validate.HeaderError:
        pass
    for issue in issues:
        problems[issue["row"]][columns_by_header.get(issue["column"], 0)].append(issue["message"])
    if table is not None and table.kind == "xlsx":
        try:
            if _mark_original(path=Path(batch.file.path), sheet_name=table.sheet_name, problems=problems,
                              issues=issues, target=target):
                return
        except Exception:  # openpyxl could not read or write it: the rebuilt copy below serves as well
            logger.warning("import batch %s: the upload could not be annotated in place", batch.pk, exc_info=True)
    pending = sorted(problems)  # rows with problems, to mark even if the file has no such row

    workbook = xlsxwriter.Workbook(str(target), OPTIONS)
    bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    bad_row = workbook.add_format({"bg_color": "#FFF2CC"})
    sheet = workbook.add_worksheet("Danh sách (có đánh dấu lỗi)")

    def mark(number: int, cells: list) -> None:
        marked = problems.get(number, {})
        for index, value in enumerate(cells):
            if normalise.is_blank(value) and index not in marked:
                continue
            cell_format = bad if index in marked else bad_row if marked else None
            _write(sheet, number - 1, index, value, cell_format)
        for index, messages in sorted(marked.items()):
            if index >= len(cells):  # the bad cell was empty: make it visible anyway
                sheet.write_blank(number - 1, index, None, bad)
            sheet.write_comment(number - 1, index, "\n".join(messages), {"x_scale": 2.5, "y_scale": 1.6})

    position = 0  # rows are written in order (constant_memory); a problem's row missing from the file, in its turn
    for count, (number, cells) in enumerate(chain(scanned, rows), start=1):
        if count > cap + validate.HEADER_SCAN_ROWS:
            workbook.close()
            raise _TooManyRows
        while position < len(pending) and pending[position] < number:
            mark(pending[position], [])
            position += 1
        if position < len(pending) and pending[position] == number:
            position += 1
        mark(number, cells)
    for number in pending[position:]:
        mark(number, [])
    _list_sheet(workbook, issues)
    workbook.close()


def _mark_original(*, path: Path, sheet_name: str, problems: dict[int, dict[int, list[str]]], issues: list[dict],
                   target: Path) -> bool:
    """The upload itself, marked: each bad cell filled and commented, the other cells of its row tinted, the error
    sheet added; False (nothing written) when it spans more than ORIGINAL_MAX_CELLS."""
    extent = sheet_extent(path, kind="xlsx", sheet=sheet_name)
    if extent is not None and extent.cells > ORIGINAL_MAX_CELLS:
        return False
    workbook = openpyxl.load_workbook(path, keep_links=False)
    sheet = workbook[sheet_name]
    bad = openpyxl.styles.PatternFill("solid", start_color=BAD_FILL, end_color=BAD_FILL)
    bad_row = openpyxl.styles.PatternFill("solid", start_color=BAD_ROW_FILL, end_color=BAD_ROW_FILL)
    merged_into = {(row, column): (merged.min_row, merged.min_col)  # a merged cell is marked at its top left
                   for merged in sheet.merged_cells.ranges
                   for row in range(merged.min_row, merged.max_row + 1)
                   for column in range(merged.min_col, merged.max_col + 1)}
    for number, marked in problems.items():
        places = {merged_into.get((number, index + 1), (number, index + 1)): messages
                  for index, messages in marked.items()}
        for cell in sheet[number] if number <= sheet.max_row else ():
            if cell.value is not None and (cell.row, cell.column) not in places:
                cell.fill = bad_row
        for (row, column), messages in sorted(places.items()):
            cell = sheet.cell(row=row, column=column)
            cell.fill = bad
            font = copy(cell.font)
            font.color = BAD_FONT
            cell.font = font
            text = "\n".join(messages)
            if cell.comment is not None:  # the officer's own note stays, ours after it
                text = f"{cell.comment.text}\n\n{text}"
            cell.comment = openpyxl.comments.Comment(text, "Hệ thống", width=360, height=120)
    summary = workbook.create_sheet(LIST_SHEET)
    for column, width in zip("ABCD", (8, 28, 28, 100), strict=True):
        summary.column_dimensions[column].width = width
    summary.freeze_panes = "A2"
    header_fill = openpyxl.styles.PatternFill("solid", start_color="F4E3E3", end_color="F4E3E3")
    for column, title in enumerate(["Dòng", "Cột", "Giá trị", "Lỗi"], start=1):
        cell = summary.cell(row=1, column=column, value=title)
        cell.font, cell.fill = openpyxl.styles.Font(bold=True), header_fill
    for line, issue in enumerate(issues, start=2):
        summary.cell(row=line, column=1, value=issue["row"])
        texts = (issue["column"], issue["value"], without_row(issue["message"], issue["row"]))
        for column, text in enumerate(texts, start=2):
            cell = summary.cell(row=line, column=column, value=str(text or ""))
            cell.data_type = "s"  # text as typed: "=…" is not made a formula
    workbook.active = workbook.sheetnames.index(sheet_name)
    workbook.save(target)
    return True


def _readable(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """The rows up to the one the reader refused (a CSV field over the limit: the batch's error says so)."""
    try:
        yield from rows
    except WorkbookError:
        return


def _write(sheet, row: int, column: int, value, cell_format) -> None:
    value = "" if value is None else value
    if isinstance(value, str):
        sheet.write_string(row, column, value, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, cell_format)
    else:
        sheet.write_string(row, column, normalise.cell_text(value), cell_format)


def _list_only(*, target: Path, issues: Iterable[dict], reason: str) -> None:
    workbook = xlsxwriter.Workbook(str(target), OPTIONS)
    note = workbook.add_worksheet("Ghi chú")
    note.set_column(0, 0, 120)
    note.write_string(0, 0, reason, workbook.add_format({"bold": True, "text_wrap": True}))
    _list_sheet(workbook, issues)
    workbook.close()


def _list_sheet(workbook, issues: Iterable[dict]) -> None:
    summary = workbook.add_worksheet(LIST_SHEET)
    summary.set_column(0, 0, 8)
    summary.set_column(1, 2, 28)
    summary.set_column(3, 3, 100)
    summary.freeze_panes(1, 0)
    header_format = workbook.add_format({"bold": True, "bg_color": "#F4E3E3", "border": 1})
    for column, title in enumerate(["Dòng", "Cột", "Giá trị", "Lỗi"]):
        summary.write_string(0, column, title, header_format)
    for line, issue in enumerate(issues, start=1):
        if line == XLSX_MAX_ROWS - 1:  # the sheet's last row says the list goes on
            summary.write_string(line, 3, _("… danh sách còn tiếp nhưng trang tính Excel không chứa hết."))
            break
        summary.write_number(line, 0, issue["row"])
        summary.write_string(line, 1, issue["column"])
        summary.write_string(line, 2, issue["value"])
        summary.write_string(line, 3, without_row(issue["message"], issue["row"]))  # the row is in column 0


def import_batch_annotate(*, batch: ImportBatch, in_request: bool = False) -> ImportBatch:
    """Build the batch's annotated copy and keep it on the batch, unless it has one already. Run by the worker
    once the batch has finished; the download builds it (`in_request`, smaller) only for a batch that has none
    (finished before 0011, or its file went missing)."""
    previous = batch.annotated.name or ""
    if not batch.is_finished or (previous and batch.annotated.storage.exists(previous)):
        return batch
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix=f"import-{batch.pk}-")
    os.close(handle)
    target = Path(name)
    try:
        annotated_workbook(batch=batch, target=target, in_request=in_request)
        with target.open("rb") as content:
            stored = batch.annotated.storage.save(
                batch.annotated.field.generate_filename(batch, f"{Path(batch.original_name).stem[:80]}.xlsx"),
                File(content),
            )
    finally:
        target.unlink(missing_ok=True)
    kept = ImportBatch.objects.filter(pk=batch.pk, annotated=previous).update(annotated=stored)
    if not kept:  # built meanwhile by another request or task: keep theirs
        batch.annotated.storage.delete(stored)
        batch.refresh_from_db(fields=["annotated"])
    else:
        batch.annotated.name = stored
    return batch
