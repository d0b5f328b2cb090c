"""The annotated copy of a rejected import: the officer's own workbook back, every bad cell highlighted with a
comment saying what is wrong, and a sheet listing every problem. One builder for every spreadsheet import (the
review import, the budget imports): the caller gives the kept upload, how to find the header in its first rows
(header text → column position) and its problems (`spreadsheets.problems` entries, sorted by row and column).

An .xlsx upload comes back as itself: opened with openpyxl, its sheet keeps its merged header, column widths,
formats and formulas, and its other sheets; the bad cells get a fill and a comment, and an error sheet is added
(`_mark_original`). openpyxl holds the whole workbook in memory, so this is done only within the row cap and
ORIGINAL_MAX_CELLS; what openpyxl cannot carry over (pictures, charts) is lost in the copy, never in the kept
upload. Other uploads (.xls, .ods, .csv), a larger .xlsx or one openpyxl cannot open get a copy written fresh with
XlsxWriter from the values calamine read, so it opens in any office software; no cell text is ever written as a
formula. That copy is streamed to a file (XlsxWriter's constant_memory mode: one row in memory at a time).

Its cost is bounded by settings.IMPORT_ANNOTATED_MAX_ROWS, not by the upload: a workbook with more rows, or more
problems, than that gets the error list alone, after a first sheet saying why. `annotated_keep` builds the copy once
and keeps it on the job's `annotated` file field (a second builder racing it keeps the first copy).
"""

import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
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
from config.text import thousands
from spreadsheets.cells import cell_text, is_blank
from spreadsheets.extent import sheet_extent
from spreadsheets.reader import WorkbookError, open_table

logger = logging.getLogger(__name__)

# Given the first rows of the sheet (row number, cells), the header texts as written → their column positions
# (0-based); an empty mapping when no header is found (every problem then goes in the first column).
Locate = Callable[[list[tuple[int, list]]], dict[str, int]]

OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
           "strings_to_urls": False}
XLSX_MAX_ROWS = 1_048_576
LIST_SHEET = "Danh sách lỗi"
# openpyxl keeps about 0.5 KB per cell: an .xlsx upload spanning more cells gets the copy rebuilt with XlsxWriter.
ORIGINAL_MAX_CELLS = 1_500_000
BAD_FILL, BAD_ROW_FILL, BAD_FONT = "FFC7CE", "FFF2CC", "9C0006"


class _TooManyRows(Exception):
    pass


def annotated_workbook(*, source: Path | None, issues: Callable[[], Iterable[dict]], count: int, rows: int,
                       locate: Locate, scan_rows: int, target: Path, in_request: bool = False,
                       label: str = "import") -> bool:
    """Write the annotated copy of the upload at `source` to `target`: the marked copy of its rows (True), or, over
    the cap, the error list alone with a first sheet saying why (False). `issues()` gives the problems afresh each
    time (sorted; `count` of them), `rows` is how many data rows the file had, `locate` finds the header among the
    first `scan_rows` rows. Built `in_request` (a job finished before the worker kept the copy), the cap is a tenth
    and the list stops there too, so that the request answers in seconds. `label` names the job in the log."""
    cap = settings.IMPORT_ANNOTATED_MAX_ROWS // (10 if in_request else 1)
    too_many_rows = _(
        "Tệp có hơn %(max)s dòng nên bản sao có đánh dấu chỉ gồm danh sách lỗi (trang “%(sheet)s”), không chép "
        "lại các dòng của tệp. Hãy sửa theo số dòng và tên cột trong danh sách, hoặc chia nhỏ tệp theo xã."
    ) % {"max": thousands(cap), "sheet": LIST_SHEET}
    if rows > cap:
        reason = too_many_rows
    elif count > cap:
        reason = _(
            "Tệp có %(count)s lỗi (hơn %(max)s) nên bản sao có đánh dấu chỉ gồm danh sách lỗi (trang "
            "“%(sheet)s”), không chép lại các dòng của tệp. Thường là do tệp không theo mẫu: hãy tải mẫu từ "
            "hệ thống và kiểm tra các cột."
        ) % {"count": thousands(count), "max": thousands(cap), "sheet": LIST_SHEET}
    else:
        try:
            _marked_copy(source=source, issues=list(issues()), locate=locate, scan_rows=scan_rows, target=target,
                         cap=cap, label=label)
            return True
        except _TooManyRows:
            reason = too_many_rows
    listed = issues()
    if in_request and count > cap:
        listed = islice(listed, cap)
        reason += " " + _(
            "Danh sách này chỉ gồm %(max)s lỗi đầu; trang của lần nhập liệt kê đủ %(count)s lỗi."
        ) % {"max": thousands(cap), "count": thousands(count)}
    _list_only(target=target, issues=listed, reason=reason)
    return False


def _marked_copy(*, source: Path | None, issues: list[dict], locate: Locate, scan_rows: int, target: Path, cap: int,
                 label: str) -> None:
    problems: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))  # row → column → messages
    try:
        table = open_table(source) if source is not None else None
    except WorkbookError:
        table = None
    if table is not None and table.height is not None and table.height > cap + scan_rows:
        raise _TooManyRows
    rows = _readable(table.rows) if table is not None else iter(())
    scanned = list(islice(rows, scan_rows))
    columns_by_header = locate(scanned) if scanned else {}
    for issue in issues:
        problems[issue["row"]][columns_by_header.get(issue["column"], 0)].append(issue["message"])
    if table is not None and table.kind == "xlsx":
        try:
            if _mark_original(path=source, sheet_name=table.sheet_name, problems=problems, issues=issues,
                              target=target):
                return
        except Exception:  # openpyxl could not read or write it: the rebuilt copy below serves as well
            logger.warning("%s: the upload could not be annotated in place", label, exc_info=True)
    pending = sorted(problems)  # rows with problems, to mark even if the file has no such row

    workbook = xlsxwriter.Workbook(str(target), OPTIONS)
    bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    bad_row = workbook.add_format({"bg_color": "#FFF2CC"})
    sheet = workbook.add_worksheet("Danh sách (có đánh dấu lỗi)")

    def mark(number: int, cells: list) -> None:
        marked = problems.get(number, {})
        for index, value in enumerate(cells):
            if is_blank(value) and index not in marked:
                continue
            cell_format = bad if index in marked else bad_row if marked else None
            _write(sheet, number - 1, index, value, cell_format)
        for index, messages in sorted(marked.items()):
            if index >= len(cells):  # the bad cell was empty: make it visible anyway
                sheet.write_blank(number - 1, index, None, bad)
            sheet.write_comment(number - 1, index, "\n".join(messages), {"x_scale": 2.5, "y_scale": 1.6})

    position = 0  # rows are written in order (constant_memory); a problem's row missing from the file, in its turn
    for count, (number, cells) in enumerate(chain(scanned, rows), start=1):
        if count > cap + scan_rows:
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
    """The rows up to the one the reader refused (a CSV field over the limit: the job's error says so)."""
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
        sheet.write_string(row, column, cell_text(value), cell_format)


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




def annotated_keep(*, job, build: Callable[[Path], object], name: str) -> None:
    """Build the job's annotated copy with `build(target)` and keep it as `job.annotated` (file name `name`),
    unless it has one already. A copy kept meanwhile by another request or task wins: ours is deleted."""
    previous = job.annotated.name or ""
    if previous and job.annotated.storage.exists(previous):
        return
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", prefix=f"{job._meta.model_name}-{job.pk}-")
    os.close(handle)
    target = Path(temporary)
    try:
        build(target)
        with target.open("rb") as content:
            stored = job.annotated.storage.save(job.annotated.field.generate_filename(job, name), File(content))
    finally:
        target.unlink(missing_ok=True)
    kept = type(job).objects.filter(pk=job.pk, annotated=previous).update(annotated=stored)
    if not kept:  # built meanwhile by another request or task: keep theirs
        job.annotated.storage.delete(stored)
        job.refresh_from_db(fields=["annotated"])
    else:
        job.annotated.name = stored
