"""Reading a small spreadsheet whole: the reference and budget imports (household totals, programme flags,
allocations, disbursements).

`read_sheet(path, columns)` opens the file only through `spreadsheets.reader.open_table` (so every limit applies:
file size, zip bombs, encryption, corrupt files, the sheet's extent) plus the row limit, finds the header among
the first rows (`spreadsheets.headers`), and returns the matched header and the non-blank rows with the row
numbers Excel shows. Anything wrong with the file as a whole raises `SheetError` with a Vietnamese message.
The review import streams its rows instead and does not use this module.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from spreadsheets.cells import is_blank
from spreadsheets.headers import Column, find_header, missing_required
from spreadsheets.reader import WorkbookError, check_file_size, open_table

HEADER_SCAN_ROWS = 10


class SheetError(Exception):
    """The file as a whole cannot be used; `message` is for staff (Vietnamese), `row` where it was found."""

    def __init__(self, message: str, *, row: int = 1):
        super().__init__(message)
        self.message = message
        self.row = row


class MissingColumns(SheetError):
    """No header row was found (`header_found` False), or it lacks required columns."""

    def __init__(self, message: str, *, row: int, missing: list[Column], found: list[str], header_found: bool):
        super().__init__(message, row=row)
        self.missing = missing
        self.found = found
        self.header_found = header_found

    def listing(self) -> str:
        """"Thiếu cột “…”, “…”. Các cột tìm thấy: …." — also when no header was found ("(không có)")."""
        return _missing_message(self.missing, self.found)


@dataclass
class Sheet:
    header_row: int
    headers: dict[str, str]  # column key → header text as in the file
    rows: list[tuple[int, dict[str, object]]]  # (Excel row number, column key → raw cell)
    ignored_headers: list[str] = field(default_factory=list)  # header cells matching no column, as written
    kind: str = ""  # xlsx | xls | ods | csv

    @property
    def ignored(self) -> list[str]:
        return self.ignored_headers


def _missing_message(missing: list[Column], found: list[str]) -> str:
    return _("Thiếu cột “%(columns)s”. Các cột tìm thấy: %(found)s.") % {
        "columns": "”, “".join(column.header for column in missing), "found": ", ".join(found) or _("(không có)"),
    }


def read_sheet(path: Path, columns: list[Column], *, scan_rows: int = HEADER_SCAN_ROWS, fill=None,
               sheet: str | None = None) -> Sheet:
    """The header (the row matching the most of `columns` within the first `scan_rows` rows, stopping at the first
    one holding every required column) and every later row with a non-blank cell under a matched column, as
    (row number, key → raw cell; `fill` for a cell past the row's end).

    Raises SheetError: the file is too large, empty, not a spreadsheet, encrypted, corrupt or a zip bomb (the
    reader's messages), has more than IMPORT_MAX_ROWS rows; MissingColumns: no header row, or a required column
    missing (on the header row, listing the headers found)."""
    path = Path(path)
    try:
        check_file_size(path)
        table = open_table(path, sheet=sheet)
        header, rows = find_header(table.rows, columns, scan_rows=scan_rows)
        missing = missing_required(header, columns)
        if header is None:
            required = [column for column in columns if column.required]
            raise MissingColumns(
                _("Không tìm thấy dòng tiêu đề (các cột %(columns)s).")
                % {"columns": ", ".join(f"“{column.header}”" for column in required)},
                row=1, missing=required, found=[], header_found=False,
            )
        if missing:
            found = [text for _index, text in sorted([*header.columns.values(), *header.ignored])]
            raise MissingColumns(_missing_message(missing, found), row=header.row, missing=missing, found=found,
                                 header_found=True)
        matched = sorted((index, key) for key, (index, _text) in header.columns.items())
        data = []
        for number, cells in rows:
            width = len(cells)
            record = {key: (cells[index] if index < width else fill) for index, key in matched}
            if all(is_blank(value) for value in record.values()):
                continue
            data.append((number, record))
            if len(data) > settings.IMPORT_MAX_ROWS:
                raise SheetError(_("Tệp có hơn %(limit)s dòng: hãy chia nhỏ.") % {"limit": settings.IMPORT_MAX_ROWS})
    except WorkbookError as error:
        raise SheetError(str(error)) from error
    return Sheet(
        header_row=header.row, headers=header.headers(), rows=data,
        ignored_headers=[text for _index, text in header.ignored], kind=table.kind,
    )
