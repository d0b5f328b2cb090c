"""Open an uploaded workbook safely and yield its rows with the row numbers Excel shows.

xlsx/xls/ods go through python-calamine (row by row, cached formula values); csv through the
csv module after detecting UTF-8 (with or without BOM) or Windows-1258, then NFC. Anything that is
not a spreadsheet, is encrypted, corrupt, too large or a zip bomb raises WorkbookError with a
Vietnamese message before a row is read.
"""

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # 1 GiB of XML is far beyond any real review workbook
MAX_COMPRESSION_RATIO = 200


class WorkbookError(Exception):
    """The file as a whole cannot be read; the message is for the officer."""


@dataclass(frozen=True)
class Table:
    kind: str  # xlsx | xls | ods | csv
    sheet_name: str
    rows: Iterator[tuple[int, list]]  # (Excel row number, cells from column A)


def detect_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if head == OLE_MAGIC:
        return _ole_kind(path)
    if not head:
        raise WorkbookError(_("Tệp rỗng."))
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
            if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                raise WorkbookError(
                    _("Tệp bị nén bất thường (giải nén ra %(size)s MB): từ chối để bảo vệ máy chủ.")
                    % {"size": total // (1024 * 1024)}
                )
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "content.xml" in names and "mimetype" in names:
                return "ods"
    except zipfile.BadZipFile as error:
        raise WorkbookError(_("Tệp bị hỏng, không mở được như một bảng tính.")) from error
    raise WorkbookError(_("Tệp nén này không phải bảng tính Excel (.xlsx) hay LibreOffice (.ods)."))


def _ole_kind(path: Path) -> str:
    # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream.
    with path.open("rb") as handle:
        sample = handle.read(min(path.stat().st_size, 4 * 1024 * 1024))
    if "EncryptedPackage".encode("utf-16-le") in sample:
        raise WorkbookError(_("Tệp được đặt mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại."))
    return "xls"


def open_table(path: Path, *, sheet: str | None = None) -> Table:
    kind = detect_kind(path)
    if kind == "csv":
        return Table(kind, "", _csv_rows(path))
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
    return Table(kind, chosen, _sheet_rows(data))


def _sheet_rows(sheet) -> Iterator[tuple[int, list]]:
    first_row, first_column = sheet.start or (0, 0)
    if not first_column:  # the usual case: rows come as fresh lists from column A, with no generator between
        return enumerate(sheet.iter_rows(), start=first_row + 1)
    return _padded_rows(sheet, first_row=first_row, first_column=first_column)


def _padded_rows(sheet, *, first_row: int, first_column: int) -> Iterator[tuple[int, list]]:
    padding = [""] * first_column
    for offset, cells in enumerate(sheet.iter_rows()):
        yield first_row + offset + 1, padding + list(cells)


def _decode(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1258")


def _csv_rows(path: Path) -> Iterator[tuple[int, list]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise WorkbookError(_("Tệp không phải bảng tính hay CSV văn bản."))
    text = unicodedata.normalize("NFC", _decode(raw))
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from enumerate(csv.reader(io.StringIO(text), dialect), start=1)
