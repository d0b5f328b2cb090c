"""Spreadsheet imports of allocations and of disbursement reports: whole or nothing.

The file is read with the review import's safe reader (spreadsheets.reader.open_table: xlsx, xls, ods, csv;
zip bombs, encrypted and corrupt files refused) and its cell parsers. Every row is checked against the same rules
as the services (budgets.services), in row order, against the state of the database *plus the rows above it* (so
an adjustment may follow the original in the same file). Lookups run once per file, never per row. Any problem
rejects the whole file: nothing is written but a `BudgetImport` row holding the errors, each
``{"row": N, "column": "…", "value": "…", "message": "Dòng N: …"}`` with the row number Excel shows, sorted by row
and column; problems with the file itself are on row 1.

Money columns must say their unit: "Số tiền (triệu đồng)" (decimals allowed down to 1 đồng) or
"Số tiền (đồng)" (whole đồng). A bare "Số tiền" is refused rather than guessed: a million-fold error is the worst
mistake a budget import can make.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets import rules as budget_rules
from budgets.models import Allocation, AllocationEntry, BudgetImport, CapitalType, Disbursement, Source
from budgets.services import MAX_VND, allocation_totals_recompute
from config.text import fold, nfc
from households.importing.normalise import cell_text, is_blank, parse_integer, parse_money
from programmes.models import PlanDocument, Project, SubProject
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import profile_of, units_manageable_by
from spreadsheets.reader import WorkbookError, open_table

HEADER_SCAN_ROWS = 10
Kind = AllocationEntry.Kind


# --- columns ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> set[str]:
        return {fold(name) for name in (self.label, self.key.replace("_", " "), *self.aliases)}


YEAR = Column("fiscal_year", "Năm kế hoạch", ("Năm", "Năm ngân sách", "Năm KH"), required=True)
UNIT = Column("unit_code", "Mã đơn vị", ("Mã ĐVHC", "Mã đơn vị hành chính", "Mã", "Mã huyện", "Mã xã", "Mã tỉnh"),
              required=True)
PROJECT = Column("project_code", "Mã dự án", ("Dự án", "Dự án/Tiểu dự án", "Mã dự án/tiểu dự án", "Mã DA",
                                             "Dự án, tiểu dự án"), required=True)
SOURCE = Column("source", "Nguồn vốn", ("Nguồn", "Nguồn ngân sách"), required=True)
CAPITAL = Column("capital_type", "Loại vốn", ("Tính chất vốn", "Loại nguồn vốn"), required=True)
ORIGIN = Column("origin_year", "Năm nguồn vốn", ("Năm của nguồn vốn", "Vốn năm", "Năm gốc"))
AMOUNT_MILLION = Column("amount_million", "Số tiền (triệu đồng)", ("Số tiền (tr.đ)", "Số tiền (trđ)",
                                                                   "Số tiền (triệu)", "Kinh phí (triệu đồng)",
                                                                   "Số vốn (triệu đồng)", "Giá trị (triệu đồng)"))
AMOUNT_VND = Column("amount_vnd", "Số tiền (đồng)", ("Số tiền (VNĐ)", "Số tiền (VND)", "Số tiền (đ)",
                                                     "Kinh phí (đồng)", "Số vốn (đồng)", "Giá trị (đồng)"))
AMOUNT_BARE = Column("amount_bare", "Số tiền", ("Kinh phí", "Số vốn", "Giá trị", "Thành tiền"))
NOTE = Column("note", "Ghi chú", ("Nội dung",))

ALLOCATION_COLUMNS = [
    YEAR, UNIT, PROJECT, SOURCE, CAPITAL,
    Column("kind", "Loại bút toán", ("Hình thức", "Loại", "Nội dung bút toán")),
    ORIGIN, AMOUNT_MILLION, AMOUNT_VND, AMOUNT_BARE,
    Column("legal_basis_number", "Số quyết định", ("Số văn bản", "Số QĐ", "Căn cứ", "Văn bản", "Số hiệu văn bản"),
           required=True),
    Column("legal_basis_date", "Ngày quyết định", ("Ngày văn bản", "Ngày ban hành", "Ngày QĐ"), required=True),
    NOTE,
]
DISBURSEMENT_COLUMNS = [
    YEAR, UNIT, PROJECT, SOURCE, CAPITAL, ORIGIN,
    Column("disbursed_on", "Ngày giải ngân", ("Ngày", "Ngày chứng từ", "Ngày thanh toán"), required=True),
    AMOUNT_MILLION, AMOUNT_VND, AMOUNT_BARE,
    Column("document", "Số chứng từ", ("Chứng từ", "Số CT")),
    NOTE,
]

SOURCE_WORDS = {
    **dict.fromkeys(["trung uong", "ngan sach trung uong", "nstw", "von trung uong", "central"], Source.CENTRAL),
    **dict.fromkeys(["dia phuong", "ngan sach dia phuong", "nsdp", "doi ung", "von doi ung", "local",
                     "ngan sach dia phuong doi ung"], Source.LOCAL),
    **dict.fromkeys(["khac", "huy dong khac", "von huy dong", "von huy dong khac", "nguon khac", "other",
                     "von huy dong hop phap khac"], Source.OTHER),
    **dict.fromkeys(["tin dung", "tin dung chinh sach", "von tin dung", "von tin dung chinh sach", "credit"],
                    Source.CREDIT),
}
CAPITAL_WORDS = {
    **dict.fromkeys(["dau tu", "dau tu phat trien", "dtpt", "von dau tu", "von dau tu phat trien", "investment"],
                    CapitalType.INVESTMENT),
    **dict.fromkeys(["su nghiep", "von su nghiep", "kinh phi su nghiep", "thuong xuyen", "kinh phi thuong xuyen",
                     "recurrent"], CapitalType.RECURRENT),
}
KIND_WORDS = {
    **dict.fromkeys(["giao", "giao von", "giao ke hoach", "giao ke hoach von", "giao du toan", "giao dau nam",
                     "ban dau", "original"], Kind.ORIGINAL),
    **dict.fromkeys(["dieu chinh", "dieu chinh tang", "dieu chinh giam", "bo sung", "adjustment"], Kind.ADJUSTMENT),
    **dict.fromkeys(["chuyen nguon", "keo dai", "chuyen nguon tu nam truoc", "carry over", "carry_over"],
                    Kind.CARRY_OVER),
}
_PROJECT_CODE = re.compile(r"^\s*(\D*?)\s*(\d{1,2})(?:\s*[.]\s*(\d{1,2}))?\s*$")
PROJECT_PREFIXES = {"", "da", "du an", "tda", "tieu du an"}
_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


class CellError(ValueError):
    """The cell's value is unusable; the message completes "“<column>” …"."""


# --- cell parsers ----------------------------------------------------------------------------------------------------


def _choice(words: dict[str, str], message: str):
    def parse(value) -> str:
        found = words.get(fold(cell_text(value)))
        if found is None:
            raise CellError(message)
        return found
    return parse


parse_source = _choice(SOURCE_WORDS, _("phải là “Trung ương”, “Địa phương”, “Huy động khác” hoặc “Tín dụng chính "
                                       "sách”"))
parse_capital_type = _choice(CAPITAL_WORDS, _("phải là “Đầu tư phát triển” hoặc “Sự nghiệp”"))
parse_kind = _choice(KIND_WORDS, _("phải là “Giao vốn”, “Điều chỉnh” hoặc “Chuyển nguồn”"))


def parse_year(value) -> int:
    try:
        year = parse_integer(value)
    except ValueError as error:
        raise CellError(_("phải là năm (ví dụ 2023)")) from error
    if not 2000 <= year <= 2100:
        raise CellError(_("phải là năm (ví dụ 2023)"))
    return year


def parse_unit_code(value) -> tuple[str, ...]:
    """Candidate codes: a text code as written; a number that lost its leading zeros gives every padded reading."""
    if isinstance(value, bool):
        raise CellError(_("phải là mã số gồm 2, 3 hoặc 5 chữ số"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("phải là mã số gồm 2, 3 hoặc 5 chữ số"))
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        return tuple(dict.fromkeys(digits.zfill(width) for width in (2, 3, 5) if len(digits) <= width))
    text = nfc(str(value)).lstrip("'").replace(" ", "")
    if not re.fullmatch(r"\d{2}|\d{3}|\d{5}", text):
        raise CellError(_("phải là mã số gồm 2, 3 hoặc 5 chữ số"))
    return (text,)


def parse_project_code(value) -> str:
    """"DA3", "DA3.1", "Dự án 3", "Tiểu dự án 3.1", 3 or 3.1 → "DA3" / "DA3.1"."""
    match = _PROJECT_CODE.match(cell_text(value))
    if not match or fold(match.group(1)) not in PROJECT_PREFIXES:
        raise CellError(_("phải là mã dự án hoặc tiểu dự án (ví dụ DA3 hoặc DA3.1)"))
    return f"DA{int(match.group(2))}" + (f".{int(match.group(3))}" if match.group(3) else "")


def parse_million(value) -> int:
    """Million VND to whole VND, exactly: 334913 → 334,913,000,000; "1.234,5" (Vietnamese separators) →
    1,234,500,000; more precision than 1 đồng is refused."""
    if isinstance(value, bool):
        raise CellError(_("phải là số tiền (triệu đồng)"))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = nfc(str(value)).replace(" ", "").replace("\u00a0", "")
        if "." in text and "," in text:  # Vietnamese: 1.234,5
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # 344.961 is three hundred and forty-four thousand
            text = text.replace(".", "")
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
            raise CellError(_("có dấu phẩy không rõ nghĩa: viết 1.500 (một nghìn năm trăm) hoặc 1,5 (một phẩy năm)"))
        else:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise CellError(_("phải là số tiền (triệu đồng)")) from error
    if not number.is_finite():
        raise CellError(_("phải là số tiền (triệu đồng)"))
    vnd = number * 1_000_000
    if vnd != vnd.to_integral_value():
        raise CellError(_("lẻ dưới 1 đồng (tối đa 6 chữ số thập phân khi tính bằng triệu đồng)"))
    return int(vnd)


def parse_vnd(value) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise CellError(_("phải là số đồng nguyên"))
    try:
        return parse_money(value)
    except ValueError as error:
        raise CellError(_("phải là số tiền (đồng)")) from error


def parse_date(value) -> datetime.date:
    """A date cell, or text dd/mm/yyyy (also with - or .), or yyyy-mm-dd."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 <= value <= 80000:
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))  # an Excel serial number
    text = nfc(str(value))
    try:
        if match := _DATE_TEXT.match(text):
            return datetime.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if match := _ISO_DATE.match(text):
            return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as error:
        raise CellError(_("không phải là ngày có thật")) from error
    raise CellError(_("phải là ngày dạng ngày/tháng/năm (ví dụ 13/03/2023)"))


# --- reading ---------------------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: dict[str, str]  # key → header as written
    rows: list[tuple[int, dict[str, object]]]
    ignored: list[str]


class FileProblem(Exception):
    def __init__(self, message: str, row: int = 1):
        super().__init__(message)
        self.message = message
        self.row = row


def _match(cell, columns: list[Column], taken: set[str]) -> Column | None:
    if is_blank(cell):
        return None
    folded = fold(cell_text(cell))
    for column in columns:
        if column.key not in taken and folded in column.names():
            return column
    return None


def read_sheet(path: Path, columns: list[Column]) -> Sheet:
    if path.stat().st_size > settings.IMPORT_MAX_FILE_BYTES:
        raise FileProblem(_("Tệp lớn hơn giới hạn %(limit)s MB.") % {
            "limit": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)})
    try:
        table = open_table(path)
        rows: Iterator[tuple[int, list]] = table.rows
        best = None
        for number, cells in rows:
            taken: set[str] = set()
            matched = {}
            for index, cell in enumerate(cells):
                column = _match(cell, columns, taken)
                if column is not None:
                    matched[index] = column
                    taken.add(column.key)
            if matched and (best is None or len(matched) > len(best[1])):
                best = (number, matched, cells)
            required = {column.key for column in columns if column.required}
            if best and required <= {column.key for column in best[1].values()}:
                break
            if number >= HEADER_SCAN_ROWS:
                break
        if best is None:
            raise FileProblem(_("Không tìm thấy dòng tiêu đề (các cột %(columns)s).") % {
                "columns": ", ".join(f"“{c.label}”" for c in columns if c.required)})
        header_row, matched, header_cells = best
        keys = {column.key for column in matched.values()}
        missing = [column.label for column in columns if column.required and column.key not in keys]
        if missing:
            raise FileProblem(
                _("Thiếu cột “%(columns)s”. Các cột tìm thấy: %(found)s.") % {
                    "columns": "”, “".join(missing),
                    "found": ", ".join(cell_text(c) for c in header_cells if not is_blank(c)) or _("(không có)")},
                row=header_row,
            )
        money = keys & {"amount_million", "amount_vnd"}
        if len(money) != 1:
            raise FileProblem(
                _("Cần đúng một cột số tiền ghi rõ đơn vị: “Số tiền (triệu đồng)” hoặc “Số tiền (đồng)”."),
                row=header_row,
            )
        headers = {column.key: cell_text(header_cells[index]) for index, column in matched.items()}
        ignored = [cell_text(cell) for index, cell in enumerate(header_cells)
                   if index not in matched and not is_blank(cell)]
        data = []
        for number, cells in rows:
            record = {column.key: (cells[index] if index < len(cells) else None) for index, column in matched.items()}
            if all(is_blank(value) for value in record.values()):
                continue
            data.append((number, record))
            if len(data) > settings.IMPORT_MAX_ROWS:
                raise FileProblem(_("Tệp có hơn %(limit)s dòng: hãy chia nhỏ.") % {"limit": settings.IMPORT_MAX_ROWS})
    except WorkbookError as error:
        raise FileProblem(str(error)) from error
    if not data:
        raise FileProblem(_("Tệp không có dòng số liệu nào."), row=header_row)
    return Sheet(headers, data, ignored)


# --- checking --------------------------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    kind: str
    batch: BudgetImport | None = None
    rows: int = 0
    created: int = 0
    lines_created: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        return not self.errors


class Checker:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.problems: list[dict] = []

    def problem(self, row: int, key: str, value, message: str, **params) -> None:
        column = self.sheet.headers.get(key, key)
        shown = cell_text(value) if not isinstance(value, str) else nfc(value)
        self.problems.append({
            "row": row, "column": column, "value": shown,
            "message": message % {"row": row, "column": column, "value": shown, **params},
        })

    def cell(self, row: int, cells: dict, key: str, parse, *, required: bool = True):
        value = cells.get(key)
        if is_blank(value):
            if required:
                self.problem(row, key, value, _("Dòng %(row)s: thiếu “%(column)s”."))
            return None
        try:
            return parse(value)
        except CellError as error:
            self.problem(row, key, value, _("Dòng %(row)s: “%(column)s” %(reason)s."), reason=str(error))
            return None

    def text(self, row: int, cells: dict, key: str, *, limit: int, required: bool = False) -> str | None:
        value = cells.get(key)
        text = " ".join(cell_text(value).split()) if not is_blank(value) else ""
        if required and not text:
            self.problem(row, key, value, _("Dòng %(row)s: thiếu “%(column)s”."))
            return None
        if len(text) > limit:
            self.problem(row, key, value, _("Dòng %(row)s: “%(column)s” dài quá %(limit)s ký tự."), limit=limit)
            return None
        return text

    def amount(self, row: int, cells: dict, *, allow_negative: bool) -> int | None:
        key = "amount_million" if "amount_million" in self.sheet.headers else "amount_vnd"
        amount = self.cell(row, cells, key, parse_million if key == "amount_million" else parse_vnd)
        if amount is None:
            return None
        if amount == 0 or (amount < 0 and not allow_negative):
            self.problem(row, key, cells.get(key), _("Dòng %(row)s: số tiền phải lớn hơn 0.") if not allow_negative
                         else _("Dòng %(row)s: số tiền phải khác 0."))
            return None
        if abs(amount) > MAX_VND:
            self.problem(row, key, cells.get(key), _("Dòng %(row)s: số tiền quá lớn, hãy kiểm tra đơn vị tính."))
            return None
        return amount

    def errors(self) -> list[dict]:
        return sorted(self.problems, key=lambda p: (p["row"], p["column"], p["message"]))


def _units_for(wanted: dict[int, set[str]], acting_user) -> tuple[dict[tuple[int, str], AdministrativeUnit], set]:
    """(year, code) → the unit that code means for that year's budget (in force at the end of the year, else on
    1 January), in one query per distinct year; and the pks the user may write (None: system)."""
    found: dict[tuple[int, str], AdministrativeUnit] = {}
    for year, codes in wanted.items():
        start, end = datetime.date(year, 1, 1), end_of_year(year)
        candidates = (
            AdministrativeUnit.objects.filter(code__in=codes, valid_from__lte=end)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
            .select_related("parent")
        )
        for unit in candidates:
            key = (year, unit.code)
            in_force_at_end = unit.valid_to is None or unit.valid_to >= end
            if key not in found or in_force_at_end:
                found[key] = unit
    manageable = None
    if acting_user is not None:
        manageable = set(units_manageable_by(user=acting_user).filter(
            pk__in=[unit.pk for unit in found.values()]).values_list("pk", flat=True))
    return found, manageable


def _resolve_unit(check: Checker, row: int, raw, candidates, year, found, manageable) -> AdministrativeUnit | None:
    units = [found[(year, code)] for code in candidates if (year, code) in found]
    units = [unit for unit in units if manageable is None or unit.pk in manageable]
    if len(units) == 1:
        return units[0]
    if len(units) > 1:
        check.problem(row, "unit_code", raw,
                      _("Dòng %(row)s: mã “%(value)s” bị mất số 0 ở đầu và ứng với nhiều đơn vị (%(codes)s); hãy định "
                        "dạng cột “%(column)s” là Văn bản và ghi đủ mã."),
                      codes=", ".join(unit.code for unit in units))
    else:
        check.problem(row, "unit_code", raw,
                      _("Dòng %(row)s: không có đơn vị mã “%(value)s” trong năm %(year)s thuộc phạm vi bạn được ghi "
                        "số liệu ngân sách."), year=year)
    return None


class ProjectIndex:
    """Projects and sub-projects by code, for the programme period that covers a year (two queries)."""

    def __init__(self):
        self.projects = defaultdict(list)
        self.subprojects = defaultdict(list)
        for project in Project.objects.select_related("programme"):
            self.projects[project.code].append(project)
        for subproject in SubProject.objects.select_related("project__programme"):
            self.subprojects[subproject.code].append(subproject)

    def find(self, code: str, year: int) -> tuple[Project, SubProject | None] | None:
        def covers(programme) -> bool:
            return programme.start_year <= year <= programme.end_year

        if "." in code:
            for subproject in self.subprojects.get(code, []):
                if covers(subproject.project.programme):
                    return subproject.project, subproject
            return None
        for project in self.projects.get(code, []):
            if covers(project.programme):
                return project, None
        return None


@dataclass
class LineState:
    pk: int | None
    amount: int = 0
    disbursed: int = 0
    carried_out: int = 0
    has_original: bool = False

    @property
    def remaining(self) -> int:
        return self.amount - self.disbursed - self.carried_out


def _line_key(year, origin, unit, project, subproject, source, capital_type) -> tuple:
    return (year, origin, unit.pk, project.pk, subproject.pk if subproject else None, source, capital_type)


def _load_lines(keys: set[tuple], *, lock: bool) -> dict[tuple, LineState]:
    """The existing lines among `keys`, locked for the transaction: one query (the lines of the files' units and
    years, filtered here)."""
    if not keys:
        return {}
    queryset = Allocation.objects.filter(fiscal_year__in={key[0] for key in keys},
                                         unit_id__in={key[2] for key in keys})
    queryset = queryset.order_by("pk")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    lines = queryset.annotate(
        has_original=Exists(AllocationEntry.objects.filter(allocation=OuterRef("pk"), kind=Kind.ORIGINAL))
    ).values_list("pk", "fiscal_year", "origin_year", "unit_id", "project_id", "subproject_id", "source",
                  "capital_type", "amount_vnd", "disbursed_vnd", "carried_out_vnd", "has_original")
    states = {}
    for (pk, year, origin, unit_id, project_id, subproject_id, source, capital_type, amount, disbursed, carried_out,
         has_original) in lines:
        key = (year, origin, unit_id, project_id, subproject_id, source, capital_type)
        if key in keys:
            states[key] = LineState(pk, amount, disbursed, carried_out, has_original)
    return states


def _parse_common(check: Checker, row: int, cells: dict) -> dict:
    values = {
        "year": check.cell(row, cells, "fiscal_year", parse_year),
        "codes": check.cell(row, cells, "unit_code", parse_unit_code),
        "project_code": check.cell(row, cells, "project_code", parse_project_code),
        "source": check.cell(row, cells, "source", parse_source),
        "capital_type": check.cell(row, cells, "capital_type", parse_capital_type),
        "origin": check.cell(row, cells, "origin_year", parse_year, required=False),
        "note": check.text(row, cells, "note", limit=500),
    }
    return values


def _resolve_common(check: Checker, rows: list[tuple[int, dict, dict]], acting_user) -> None:
    """Units and projects for every parsed row (rows with an unresolved cell get None)."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for _row, _cells, values in rows:
        if values["year"] is not None and values["codes"]:
            wanted[values["year"]].update(values["codes"])
    found, manageable = _units_for(wanted, acting_user)
    index = ProjectIndex()
    for row, cells, values in rows:
        values["unit"] = values["project"] = values["subproject"] = None
        year = values["year"]
        if year is None:
            continue
        if values["codes"]:
            values["unit"] = _resolve_unit(check, row, cells.get("unit_code"), values["codes"], year, found,
                                           manageable)
        if values["origin"] is None:
            values["origin"] = year
        if values["project_code"]:
            match = index.find(values["project_code"], values["origin"])
            if match is None:
                check.problem(row, "project_code", cells.get("project_code"),
                              _("Dòng %(row)s: không có dự án/tiểu dự án “%(value)s” trong chương trình của năm "
                                "%(year)s."), year=values["origin"])
            else:
                values["project"], values["subproject"] = match


def _batch(kind: str, *, acting_user, path: Path, file_name: str, status: str, rows: int, created: int,
           errors: list) -> BudgetImport:
    profile = profile_of(acting_user) if acting_user is not None else None
    return BudgetImport.objects.create(
        kind=kind, status=status, unit=profile.unit if profile else None, file_name=(file_name or path.name)[:255],
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(), rows=rows, created=created, errors=errors,
        uploaded_by=acting_user,
    )


def _start(kind: str, path: Path, columns: list[Column]) -> tuple[ImportOutcome, Sheet | None]:
    outcome = ImportOutcome(kind=kind)
    try:
        sheet = read_sheet(path, columns)
    except FileProblem as problem:
        outcome.errors = [{"row": problem.row, "column": "", "value": "", "message": problem.message}]
        return outcome, None
    outcome.rows = len(sheet.rows)
    if sheet.ignored:
        outcome.warnings.append(_("Bỏ qua các cột không dùng: %(columns)s.") % {"columns": ", ".join(sheet.ignored)})
    return outcome, sheet


def _legal_date_ok(check: Checker, row: int, cells: dict, date: datetime.date, year: int, today) -> bool:
    if date > today:
        check.problem(row, "legal_basis_date", cells.get("legal_basis_date"),
                      _("Dòng %(row)s: ngày văn bản không được ở tương lai."))
        return False
    if not datetime.date(year - 1, 1, 1) <= date <= end_of_year(year + 1):
        check.problem(row, "legal_basis_date", cells.get("legal_basis_date"),
                      _("Dòng %(row)s: ngày văn bản phải từ năm %(first)s đến năm %(last)s."),
                      first=year - 1, last=year + 1)
        return False
    return True


def _year_ok(check: Checker, row: int, cells: dict, values: dict) -> bool:
    year, origin, project, unit = values["year"], values["origin"], values["project"], values["unit"]
    ok = True
    if origin > year:
        check.problem(row, "origin_year", cells.get("origin_year"),
                      _("Dòng %(row)s: năm nguồn vốn không được sau năm kế hoạch."))
        ok = False
    if year > timezone.localdate().year + 1:
        check.problem(row, "fiscal_year", cells.get("fiscal_year"),
                      _("Dòng %(row)s: chỉ ghi được kế hoạch vốn đến năm sau."))
        ok = False
    if project is not None and not project.programme.start_year <= origin <= project.programme.end_year:
        check.problem(row, "origin_year", cells.get("origin_year") or year,
                      _("Dòng %(row)s: năm %(year)s nằm ngoài giai đoạn của chương trình."), year=origin)
        ok = False
    if unit is not None and (unit.valid_from > end_of_year(year) or (
            unit.valid_to is not None and unit.valid_to < datetime.date(year, 1, 1))):
        check.problem(row, "unit_code", cells.get("unit_code"),
                      _("Dòng %(row)s: đơn vị không có hiệu lực trong năm %(year)s."), year=year)
        ok = False
    return ok


def _plan_documents(ready) -> dict[int, PlanDocument]:
    """Row → the plans-register document with the row's legal basis number and date, issued by the row's unit or
    a unit above it (one query): the link the form makes by hand."""
    numbers = {v["number"] for _row, _cells, v in ready}
    documents = defaultdict(list)
    for document in PlanDocument.objects.filter(number__in=numbers):
        documents[(document.number, document.issued_on)].append(document)
    linked = {}
    for row, _cells, v in ready:
        unit = v["unit"]
        chain = {unit.pk, unit.parent_id, unit.parent.parent_id if unit.parent_id else None} - {None}
        for document in documents.get((v["number"], v["date"]), []):
            if document.unit_id in chain:
                linked[row] = document
                break
    return linked


# --- allocations -----------------------------------------------------------------------------------------------------


@transaction.atomic
def allocations_import(*, path, acting_user, file_name: str = "") -> ImportOutcome:
    """Import allocation entries (original, adjustment, carry-over) from a spreadsheet, whole or nothing.

    Columns: Năm kế hoạch, Mã đơn vị, Mã dự án (DA1…DA7 or a sub-project DA3.1), Nguồn vốn, Loại vốn,
    Loại bút toán (Giao vốn — the default —, Điều chỉnh, Chuyển nguồn), Năm nguồn vốn (carry-over only),
    Số tiền (triệu đồng) or Số tiền (đồng), Số quyết định, Ngày quyết định, Ghi chú.
    """
    path = Path(path)
    outcome, sheet = _start(BudgetImport.Kind.ALLOCATIONS, path, ALLOCATION_COLUMNS)
    if sheet is None:
        outcome.batch = _batch(outcome.kind, acting_user=acting_user, path=path, file_name=file_name,
                               status=BudgetImport.Status.REJECTED, rows=0, created=0, errors=outcome.errors)
        return outcome
    check = Checker(sheet)
    today = timezone.localdate()
    parsed = []
    for row, cells in sheet.rows:
        values = _parse_common(check, row, cells)
        values["kind"] = check.cell(row, cells, "kind", parse_kind, required=False) or (
            None if not is_blank(cells.get("kind")) else Kind.ORIGINAL)
        values["amount"] = check.amount(row, cells, allow_negative=values["kind"] == Kind.ADJUSTMENT)
        values["number"] = check.text(row, cells, "legal_basis_number", limit=100, required=True)
        values["date"] = check.cell(row, cells, "legal_basis_date", parse_date)
        parsed.append((row, cells, values))
    _resolve_common(check, parsed, acting_user)

    ready = []
    for row, cells, values in parsed:
        if any(values[name] is None for name in ("year", "unit", "project", "source", "capital_type", "kind",
                                                 "amount", "number", "date")):
            continue
        if not _year_ok(check, row, cells, values):
            continue
        if not _legal_date_ok(check, row, cells, values["date"], values["year"], today):
            continue
        kind, year, origin = values["kind"], values["year"], values["origin"]
        if kind == Kind.CARRY_OVER and origin >= year:
            check.problem(row, "origin_year", cells.get("origin_year"),
                          _("Dòng %(row)s: chuyển nguồn phải ghi “%(column)s” là một năm trước năm kế hoạch."))
            continue
        if kind == Kind.ORIGINAL and origin != year:
            check.problem(row, "origin_year", cells.get("origin_year"),
                          _("Dòng %(row)s: vốn giao của năm có năm nguồn vốn bằng năm kế hoạch; vốn năm trước ghi là "
                            "chuyển nguồn."))
            continue
        values["key"] = _line_key(year, origin, values["unit"], values["project"], values["subproject"],
                                  values["source"], values["capital_type"])
        values["from_key"] = (year - 1, *values["key"][1:]) if kind == Kind.CARRY_OVER else None
        ready.append((row, cells, values))

    states = _load_lines({v["key"] for _r, _c, v in ready} | {v["from_key"] for _r, _c, v in ready if v["from_key"]},
                         lock=True)
    new_lines: dict[tuple, dict] = {}
    for row, cells, values in sorted(ready, key=lambda item: (item[2]["year"], item[0])):
        key, kind, amount = values["key"], values["kind"], values["amount"]
        state = states.get(key)
        amount_key = "amount_million" if "amount_million" in sheet.headers else "amount_vnd"
        if kind == Kind.ADJUSTMENT:
            if state is None:
                check.problem(row, "kind", cells.get("kind"),
                              _("Dòng %(row)s: chưa có kế hoạch vốn cho dòng này để điều chỉnh (hãy ghi vốn giao hoặc "
                                "chuyển nguồn trước, ở dòng trên hoặc trong hệ thống)."))
                continue
            if state.amount + amount < state.disbursed + state.carried_out:
                check.problem(row, amount_key, cells.get(amount_key),
                              _("Dòng %(row)s: điều chỉnh giảm quá mức: kế hoạch vốn sau điều chỉnh nhỏ hơn số đã giải "
                                "ngân hoặc chuyển nguồn."))
                continue
        elif kind == Kind.ORIGINAL and state is not None and state.has_original:
            check.problem(row, "kind", cells.get("kind") or _("Giao vốn"),
                          _("Dòng %(row)s: dòng kế hoạch vốn này đã có vốn giao ban đầu; thay đổi ghi là điều chỉnh."))
            continue
        elif kind == Kind.CARRY_OVER:
            source_state = states.get(values["from_key"])
            if source_state is None:
                check.problem(row, "origin_year", cells.get("origin_year"),
                              _("Dòng %(row)s: năm %(year)s không có dòng kế hoạch vốn tương ứng để chuyển nguồn."),
                              year=values["year"] - 1)
                continue
            if amount > source_state.remaining:
                check.problem(row, amount_key, cells.get(amount_key),
                              _("Dòng %(row)s: số chuyển nguồn vượt phần chưa giải ngân của năm %(year)s."),
                              year=values["year"] - 1)
                continue
            source_state.carried_out += amount
        if state is None:
            state = states[key] = LineState(pk=None)
            new_lines[key] = values
        state.amount += amount
        state.has_original = state.has_original or kind == Kind.ORIGINAL

    outcome.errors = check.errors()
    if outcome.errors:
        outcome.batch = _batch(outcome.kind, acting_user=acting_user, path=path, file_name=file_name,
                               status=BudgetImport.Status.REJECTED, rows=outcome.rows, created=0,
                               errors=outcome.errors)
        return outcome

    batch = _batch(outcome.kind, acting_user=acting_user, path=path, file_name=file_name,
                   status=BudgetImport.Status.COMMITTED, rows=outcome.rows, created=len(ready), errors=[])
    Allocation.objects.bulk_create([
        Allocation(fiscal_year=v["year"], origin_year=v["origin"], unit=v["unit"], project=v["project"],
                   subproject=v["subproject"], source=v["source"], capital_type=v["capital_type"])
        for v in new_lines.values()
    ], batch_size=2000)
    pks = {key: state.pk for key, state in _load_lines(set(states), lock=False).items()}
    plans = _plan_documents(ready)
    entries = [
        AllocationEntry(
            allocation_id=pks[v["key"]], kind=v["kind"], amount_vnd=v["amount"],
            carried_from_id=pks[v["from_key"]] if v["from_key"] else None, legal_basis_number=v["number"],
            legal_basis_date=v["date"], plan_document=plans.get(row), note=v["note"] or "", batch=batch,
            recorded_by=acting_user,
        )
        for row, _cells, v in ready
    ]
    AllocationEntry.objects.bulk_create(entries, batch_size=2000)
    allocation_totals_recompute(allocation_ids=set(pks.values()))
    outcome.batch, outcome.created, outcome.lines_created = batch, len(entries), len(new_lines)
    return outcome


# --- disbursements ---------------------------------------------------------------------------------------------------


@transaction.atomic
def disbursements_import(*, path, acting_user, file_name: str = "", rules: budget_rules.Rules | None = None
                         ) -> ImportOutcome:
    """Import a disbursement report, whole or nothing: each row is a payment against an existing line.

    Columns: Năm kế hoạch, Mã đơn vị, Mã dự án, Nguồn vốn, Loại vốn, Năm nguồn vốn (carried-over funds only),
    Ngày giải ngân, Số tiền (triệu đồng) or Số tiền (đồng), Số chứng từ, Ghi chú. A negative amount (a recovery)
    needs a note. The line's total stays between 0 and its amount less what was carried on; the date between
    1 January of the fiscal year and the line's deadline, and not in the future.
    """
    path = Path(path)
    rules = rules or budget_rules.load_rules()
    outcome, sheet = _start(BudgetImport.Kind.DISBURSEMENTS, path, DISBURSEMENT_COLUMNS)
    if sheet is None:
        outcome.batch = _batch(outcome.kind, acting_user=acting_user, path=path, file_name=file_name,
                               status=BudgetImport.Status.REJECTED, rows=0, created=0, errors=outcome.errors)
        return outcome
    check = Checker(sheet)
    today = timezone.localdate()
    amount_key = "amount_million" if "amount_million" in sheet.headers else "amount_vnd"
    parsed = []
    for row, cells in sheet.rows:
        values = _parse_common(check, row, cells)
        values["date"] = check.cell(row, cells, "disbursed_on", parse_date)
        values["amount"] = check.amount(row, cells, allow_negative=True)
        values["document"] = check.text(row, cells, "document", limit=100)
        if values["amount"] is not None and values["amount"] < 0 and not values["note"]:
            check.problem(row, "note", cells.get("note"),
                          _("Dòng %(row)s: khoản giảm trừ (số âm) phải ghi rõ lý do ở cột “%(column)s”."))
        parsed.append((row, cells, values))
    _resolve_common(check, parsed, acting_user)

    ready = []
    for row, cells, values in parsed:
        if any(values[name] is None for name in ("year", "unit", "project", "source", "capital_type", "amount",
                                                 "date", "document", "note")):
            continue
        if not _year_ok(check, row, cells, values):
            continue
        values["key"] = _line_key(values["year"], values["origin"], values["unit"], values["project"],
                                  values["subproject"], values["source"], values["capital_type"])
        ready.append((row, cells, values))
    states = _load_lines({v["key"] for _r, _c, v in ready}, lock=True)
    for row, cells, values in ready:
        state = states.get(values["key"])
        if state is None:
            check.problem(row, "project_code", cells.get("project_code"),
                          _("Dòng %(row)s: chưa có kế hoạch vốn năm %(year)s cho đơn vị, dự án, nguồn vốn và loại vốn "
                            "này: hãy nhập kế hoạch vốn trước."), year=values["year"])
            continue
        date, year = values["date"], values["year"]
        deadline = rules.deadline(fiscal_year=year, origin_year=values["origin"], capital_type=values["capital_type"])
        if date > today:
            check.problem(row, "disbursed_on", cells.get("disbursed_on"),
                          _("Dòng %(row)s: ngày giải ngân không được ở tương lai."))
            continue
        if date < datetime.date(year, 1, 1):
            check.problem(row, "disbursed_on", cells.get("disbursed_on"),
                          _("Dòng %(row)s: ngày giải ngân phải trong năm kế hoạch %(year)s."), year=year)
            continue
        if date > deadline:
            check.problem(row, "disbursed_on", cells.get("disbursed_on"),
                          _("Dòng %(row)s: ngày giải ngân sau hạn %(deadline)s của dòng vốn này (phải chuyển nguồn "
                            "trước)."), deadline=deadline.strftime("%d/%m/%Y"))
            continue
        after = state.disbursed + values["amount"]
        if after < 0:
            check.problem(row, amount_key, cells.get(amount_key),
                          _("Dòng %(row)s: giảm trừ vượt số đã giải ngân của dòng vốn này."))
            continue
        if after > state.amount - state.carried_out:
            check.problem(row, amount_key, cells.get(amount_key),
                          _("Dòng %(row)s: vượt kế hoạch vốn: cộng dồn giải ngân của dòng vốn này (kể cả các dòng "
                            "trên trong tệp) lớn hơn kế hoạch vốn."))
            continue
        state.disbursed = after

    outcome.errors = check.errors()
    if outcome.errors:
        outcome.batch = _batch(outcome.kind, acting_user=acting_user, path=path, file_name=file_name,
                               status=BudgetImport.Status.REJECTED, rows=outcome.rows, created=0,
                               errors=outcome.errors)
        return outcome
    batch = _batch(outcome.kind, acting_user=acting_user, path=path, file_name=file_name,
                   status=BudgetImport.Status.COMMITTED, rows=outcome.rows, created=len(ready), errors=[])
    Disbursement.objects.bulk_create([
        Disbursement(allocation_id=states[v["key"]].pk, disbursed_on=v["date"], amount_vnd=v["amount"],
                     document=v["document"], note=v["note"], batch=batch, recorded_by=acting_user)
        for _row, _cells, v in ready
    ], batch_size=2000)
    allocation_totals_recompute(allocation_ids={states[v["key"]].pk for _r, _c, v in ready})
    outcome.batch, outcome.created = batch, len(ready)
    return outcome


def template_xlsx(*, columns: list[Column]) -> bytes:
    """An empty workbook with the canonical headers of `columns` (frozen header row, text-formatted code column)."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("Số liệu"))
    header = workbook.add_format({"bold": True, "text_wrap": True, "border": 1, "bg_color": "#F2DCDB"})
    text = workbook.add_format({"num_format": "@"})
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.label, header)
        sheet.set_column(index, index, 18, text if column.key in ("unit_code", "project_code") else None)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return output.getvalue()
