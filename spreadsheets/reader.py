"""Open an uploaded workbook safely and yield its rows with the row numbers Excel shows.

xlsx/xls/ods go through python-calamine (row by row, cached formula values); csv through the
csv module after detecting UTF-8 (with or without BOM) or Windows-1258, then NFC. Anything that is
not a spreadsheet, is encrypted, corrupt, too large or a zip bomb raises WorkbookError with a
Vietnamese message before a row is read.
"""

import codecs
import csv
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException, ElementTree
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from config.text import thousands
from spreadsheets import kinds, legacy_text, read_ahead
from spreadsheets.extent import Extent, ExtentError, SheetTooLarge, sheet_extent


class WorkbookError(Exception):
    """The file as a whole cannot be read; the message is for the officer."""


@dataclass(frozen=True)
class Table:
    kind: str  # xlsx | xls | ods | csv
    sheet_name: str
    rows: Iterator[tuple[int, list]]  # (Excel row number, cells from column A)
    height: int | None = None  # the sheet's number of rows, when known before reading them (not for csv)


def detect_kind(path: Path) -> str:
    """xlsx, xls, ods or csv (spreadsheets.kinds); WorkbookError with the officer's message otherwise."""
    try:
        return kinds.kind_of(path)
    except kinds.Refused as refused:
        raise WorkbookError(_refusal_message(refused)) from refused


def _refusal_message(refused: kinds.Refused) -> str:
    if refused.reason == kinds.Refused.ZIP_BOMB:
        return _("Tệp bị nén bất thường (giải nén ra %(size)s MB): từ chối để bảo vệ máy chủ.") % {
            "size": refused.megabytes}
    return {
        kinds.Refused.EMPTY: _("Tệp rỗng."),
        kinds.Refused.CORRUPT: _("Tệp bị hỏng, không mở được như một bảng tính."),
        kinds.Refused.NOT_A_SHEET: _("Tệp nén này không phải bảng tính Excel (.xlsx) hay LibreOffice (.ods)."),
        kinds.Refused.ENCRYPTED: _("Tệp được đặt mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại."),
    }[refused.reason]


def open_table(path: Path, *, sheet: str | None = None) -> Table:
    if sheet is None and (ahead := read_ahead.claim(path)) is not None:  # manage.py import_reviews
        kind, name, data = ahead
        return Table(kind, name, _sheet_rows(data), height=data.height)
    kind = detect_kind(path)
    if kind == "csv":
        return Table(kind, "", _csv_rows(path))
    _refuse_oversized_sheet(path, kind=kind, sheet=sheet)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise WorkbookError(_("Không có trang tính tên “%(sheet)s”.") % {"sheet": sheet})
        chosen = sheet or names[0]
        data = workbook.get_sheet_by_name(chosen)
    except WorkbookError:
        raise
    except Exception as error:
        message = str(error).lower()
        if "password" in message or "encrypt" in message:
            raise WorkbookError(_("Tệp được đặt mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại.")) from error
        raise WorkbookError(_("Tệp bị hỏng, không mở được như một bảng tính.")) from error
    return Table(kind, chosen, _sheet_rows(data), height=data.height)


def _refuse_oversized_sheet(path: Path, *, kind: str, sheet: str | None) -> None:
    """A sheet spanning more than IMPORT_MAX_CELLS cells is refused before calamine loads its grid (see
    spreadsheets.extent: two cells far apart in a 6 KB file would otherwise take the process down)."""
    try:
        if kind == "ods":
            extent = ods_extent(path, sheet)
        else:
            extent = sheet_extent(path, kind=kind, sheet=sheet, stop_above=settings.IMPORT_MAX_CELLS)
    except SheetTooLarge as error:
        raise WorkbookError(_too_large_message(None)) from error
    except (ExtentError, zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError) as error:
        raise WorkbookError(_("Tệp bị hỏng, không mở được như một bảng tính.")) from error
    except DefusedXmlException as error:
        raise WorkbookError(_("Tệp chứa cấu trúc XML nguy hiểm: từ chối để bảo vệ máy chủ.")) from error
    if extent is not None and extent.cells > settings.IMPORT_MAX_CELLS:
        raise WorkbookError(_too_large_message(extent))


def check_file_size(path: Path) -> None:
    """Refuse a file over IMPORT_MAX_FILE_BYTES (the upload pages check it too; a file given by path may not have
    been)."""
    if path.stat().st_size > settings.IMPORT_MAX_FILE_BYTES:
        raise WorkbookError(
            _("Tệp lớn hơn giới hạn %(limit)s MB.") % {"limit": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)}
        )


def _too_large_message(extent: Extent | None) -> str:
    limit = number_format(settings.IMPORT_MAX_CELLS, force_grouping=True)
    if extent is None:
        return _("Bảng tính trải trên quá nhiều ô (tối đa %(limit)s ô). Hãy xoá các dòng, cột thừa (kể cả ô trống "
                 "đã định dạng ở xa bảng) rồi tải lên lại.") % {"limit": limit}
    # "at least": the measure stops once the limit is passed.
    return _("Bảng tính trải tới ít nhất dòng %(rows)s, cột %(columns)s (ít nhất %(cells)s ô; tối đa %(limit)s ô). "
             "Hãy xoá các dòng, cột thừa (kể cả ô trống đã định dạng ở xa bảng) rồi tải lên lại.") % {
        "rows": number_format(extent.rows, force_grouping=True),
        "columns": column_letters(extent.columns),
        "cells": number_format(extent.cells, force_grouping=True), "limit": limit,
    }


def column_letters(number: int) -> str:
    """1 → A, 27 → AA, 16384 → XFD: the column as the spreadsheet names it."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_rows(sheet) -> Iterator[tuple[int, list]]:
    first_row, first_column = sheet.start or (0, 0)
    if not first_column:  # the usual case: rows come as fresh lists from column A, with no generator between
        return enumerate(sheet.iter_rows(), start=first_row + 1)
    return _padded_rows(sheet, first_row=first_row, first_column=first_column)


def _padded_rows(sheet, *, first_row: int, first_column: int) -> Iterator[tuple[int, list]]:
    padding = [""] * first_column
    for offset, cells in enumerate(sheet.iter_rows()):
        yield first_row + offset + 1, padding + list(cells)


def _encoding(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8"


def _csv_rows(path: Path) -> Iterator[tuple[int, list]]:
    """The rows of a CSV file, read line by line (the file is read whole only to tell its encoding)."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise WorkbookError(_("Tệp không phải bảng tính hay CSV văn bản."))
    encoding = _encoding(raw)
    del raw
    # Windows ANSI: read one byte a character, each cell then as Windows-1258 or, when it holds text typed in a
    # legacy font (TCVN3, VNI: saved as the font's bytes), as Windows-1252 (legacy_text.ansi_cell).
    ansi = encoding == "cp1258"
    with path.open(encoding="latin-1" if ansi else encoding, newline="") as handle:
        sample = handle.read(8192)
        sample = unicodedata.normalize("NFC", sample.encode("latin-1").decode("cp1258") if ansi else sample)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle if ansi else (unicodedata.normalize("NFC", line) for line in handle), dialect)
        rows = enumerate(reader, start=1)
        if ansi:
            rows = ((number, [legacy_text.ansi_cell(cell) for cell in cells]) for number, cells in rows)
        try:
            yield from rows
        except csv.Error as error:  # a field over csv.field_size_limit(): a stray quote, or a file built to hurt
            if "field larger than field limit" in str(error):
                raise WorkbookError(
                    _("Tệp CSV có một ô dài hơn %(limit)s ký tự (dòng %(row)s): ô quá dài, thường do thiếu dấu "
                      "ngoặc kép đóng. Hãy kiểm tra lại tệp rồi tải lên lại.")
                    % {"limit": thousands(csv.field_size_limit()), "row": reader.line_num}
                ) from error
            raise WorkbookError(
                _("Tệp CSV bị lỗi định dạng ở dòng %(row)s. Hãy mở bằng Excel, lưu lại rồi tải lên lại.")
                % {"row": reader.line_num}
            ) from error


# The child that measures an .ods sheet: it caps its own address space first, so a sheet whose grid would not fit
# makes calamine's allocation fail there (the child aborts), never in the worker.
_ODS_PROBE = """
import resource, sys
limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
sheet = book.get_sheet_by_name(sys.argv[2]) if sys.argv[2] else book.get_sheet_by_index(0)
end = sheet.end
print(0 if end is None else end[0] + 1, 0 if end is None else end[1] + 1)
"""
ODS_PROBE_BYTES = 1536 * 1024 * 1024
ODS_PROBE_SECONDS = 120


def ods_extent(path, sheet: str | None) -> Extent:
    """An .ods sheet's extent, from calamine itself in a child process under a memory cap. ODS repeats rows and
    columns by attribute (a 900-byte file can ask for 90 million cells: 5.6 GB and 40 s in calamine), and walking
    the XML in Python costs ten times what calamine takes, so the file is measured by the reader that will read it."""
    try:
        child = subprocess.run(  # noqa: S603 - our own interpreter and code; the path is the stored upload
            [sys.executable, "-c", _ODS_PROBE, str(path), sheet or "", str(ODS_PROBE_BYTES)],
            capture_output=True, timeout=ODS_PROBE_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise SheetTooLarge from error
    if child.returncode != 0:
        if b"Cell limit" in child.stderr or b"memory" in child.stderr.lower() or child.returncode < 0:
            raise SheetTooLarge
        raise ExtentError(child.stderr.decode(errors="replace")[-200:])
    rows, columns = (int(part) for part in child.stdout.split())
    return Extent(rows, columns)
