"""Reading the small reference spreadsheets staff upload (household totals, programme flags).

xlsx/xls/ods through python-calamine, csv through the csv module (UTF-8 with or without BOM, else
Windows-1258). Headers are matched with ``config.text.fold`` (case, diacritics, spacing and punctuation
ignored) and may sit below a title row. No ORM here: the services look units up once for the whole file.
"""

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from config.text import fold, nfc

HEADER_SCAN_ROWS = 10
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
_THOUSANDS = re.compile(r"^\d{1,3}([.,\s]\d{3})+$")


class SpreadsheetError(Exception):
    """The file as a whole cannot be used; the message is for staff (Vietnamese)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the canonical Vietnamese header
    aliases: tuple[str, ...] = ()  # further accepted headers (folded on use)
    required: bool = False

    def accepts(self, header: str) -> bool:
        folded = fold(header)
        return folded in {fold(self.label), fold(self.key.replace("_", " ")), *map(fold, self.aliases)}


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class Sheet:
    header_row: int
    headers: dict[str, str]  # column key -> header text as in the file
    rows: list[tuple[int, dict[str, object]]]  # (Excel row number, column key -> raw cell)
    ignored_headers: list[str] = field(default_factory=list)


def _rows(path: Path) -> Iterator[tuple[int, list]]:
    size = path.stat().st_size
    if size == 0:
        raise SpreadsheetError(_("Tệp rỗng."))
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise SpreadsheetError(
            _("Tệp lớn hơn giới hạn %(limit)s MB.") % {"limit": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)}
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                    raise SpreadsheetError(_("Tệp bị nén bất thường: từ chối để bảo vệ máy chủ."))
        except zipfile.BadZipFile as error:
            raise SpreadsheetError(_("Tệp bị hỏng, không mở được như một bảng tính.")) from error
    if head.startswith(ZIP_MAGIC) or head == OLE_MAGIC:
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheet = workbook.get_sheet_by_index(0)
        except Exception as error:
            raise SpreadsheetError(_("Tệp bị hỏng hoặc đặt mật khẩu, không mở được như một bảng tính.")) from error
        first_row, first_column = sheet.start or (0, 0)
        for offset, cells in enumerate(sheet.iter_rows()):
            yield first_row + offset + 1, [""] * first_column + list(cells)
        return
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise SpreadsheetError(_("Tệp không phải bảng tính hay CSV văn bản."))
    if raw.startswith(codecs.BOM_UTF8):
        text = raw[len(codecs.BOM_UTF8):].decode("utf-8")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1258")
    text = unicodedata.normalize("NFC", text)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from enumerate(csv.reader(io.StringIO(text), dialect), start=1)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(path: Path, columns: list[Column]) -> Sheet:
    """Find the header row (within the first rows), map the known columns, and return the non-empty rows.

    Raises SpreadsheetError when the file cannot be read, has too many rows, or lacks a required column (the
    message names the column and lists the headers found).
    """
    rows = _rows(path)
    best: tuple[int, dict[int, Column], list] | None = None
    for number, cells in rows:
        matched = {}
        for index, cell in enumerate(cells):
            if is_blank(cell):
                continue
            for column in columns:
                if column.key not in {c.key for c in matched.values()} and column.accepts(str(cell)):
                    matched[index] = column
                    break
        if matched and (best is None or len(matched) > len(best[1])):
            best = (number, matched, cells)
        if best and all(c.key in {m.key for m in best[1].values()} for c in columns if c.required):
            break
        if number >= HEADER_SCAN_ROWS:
            break
    found_headers = [nfc(str(cell)) for cell in (best[2] if best else []) if not is_blank(cell)]
    matched_keys = {column.key for column in best[1].values()} if best else set()
    missing = [column.label for column in columns if column.required and column.key not in matched_keys]
    if missing:
        raise SpreadsheetError(
            _("Thiếu cột “%(columns)s”. Các cột tìm thấy: %(found)s.")
            % {"columns": "”, “".join(missing), "found": ", ".join(found_headers) or _("(không có)")}
        )
    header_row, matched, header_cells = best
    headers = {column.key: nfc(str(header_cells[index])) for index, column in matched.items()}
    ignored = [
        nfc(str(cell)) for index, cell in enumerate(header_cells) if index not in matched and not is_blank(cell)
    ]
    data = []
    for number, cells in rows:
        record = {column.key: (cells[index] if index < len(cells) else "") for index, column in matched.items()}
        if all(is_blank(value) for value in record.values()):
            continue
        data.append((number, record))
        if len(data) > settings.IMPORT_MAX_ROWS:
            raise SpreadsheetError(
                _("Tệp có hơn %(limit)s dòng: hãy chia nhỏ.") % {"limit": settings.IMPORT_MAX_ROWS}
            )
    return Sheet(header_row, headers, data, ignored)


def display(value) -> str:
    """A cell as staff would read it in the error list."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.date | datetime.datetime):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


class CellError(ValueError):
    """A cell's value is unusable; the message completes "“<column>” ..."."""


def parse_integer(value) -> int:
    """A whole number from a cell: 1234, 1234.0, "1234", "1.234" or "1,234" (thousands separators)."""
    if isinstance(value, bool):
        raise CellError(_("phải là số nguyên"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("phải là số nguyên"))
        return int(value)
    text = nfc(str(value))
    if _THOUSANDS.match(text):
        text = re.sub(r"[.,\s]", "", text)
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if re.fullmatch(r"[-+]?\d+([.,]\d+)?", text):
        raise CellError(_("phải là số nguyên"))
    raise CellError(_("phải là một số"))


def parse_code(value) -> tuple[str, ...]:
    """Candidate unit codes for a cell: a text code as written; a number that lost its leading zeros
    (2146 typed as a number) gives every zero-padded reading (2, 3 or 5 digits) for the caller to resolve."""
    if isinstance(value, bool):
        raise CellError(_("phải là mã số"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("phải là mã số"))
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        return tuple(dict.fromkeys(digits.zfill(width) for width in (2, 3, 5) if len(digits) <= width))
    text = nfc(str(value)).lstrip("'")
    if not re.fullmatch(r"\d{2,5}", text):
        raise CellError(_("phải là mã số gồm 2, 3 hoặc 5 chữ số"))
    return (text,)


TRUE_WORDS = {"x", "co", "1", "true", "yes", "dung", "v", "c"}
FALSE_WORDS = {"", "0", "khong", "false", "no", "k", "sai"}


def parse_flag(value) -> bool:
    """A yes/no cell: "x", "có", 1, TRUE → yes; empty, "không", 0, FALSE → no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellError(_("phải là “x”/“có” hoặc để trống/“không”"))
    folded = fold(str(value or ""))
    if folded in TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    raise CellError(_("phải là “x”/“có” hoặc để trống/“không”"))
