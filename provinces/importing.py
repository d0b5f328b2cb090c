"""The reference spreadsheet imports' columns and row checks (household totals, programme flags).

Reading, header matching, cell parsing and the error shape are the shared core's (`spreadsheets.sheet`,
`.headers`, `.cells`, `.problems`); what is here is the provinces' own: the columns, the year range, and unit
codes resolved for the whole file (one query per year) within the user's reach. Nothing here writes: the services
in ``provinces.services`` read a file through :func:`read_outcome`, check every row with a :class:`RowChecker`,
and write only when no row has an error.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from provinces.models import LEGACY_VALID_FROM, PROGRAMME_FLAGS, AdministrativeUnit, end_of_year
from provinces.selectors import units_in_force, units_manageable_by
from provinces.viewer import viewer_of
from spreadsheets.cells import is_blank, parse_integer
from spreadsheets.headers import Column
from spreadsheets.problems import RowProblems
from spreadsheets.sheet import MissingColumns, Sheet, SheetError, read_sheet

FIRST_YEAR = LEGACY_VALID_FROM.year


def latest_year() -> int:
    """Figures may be entered up to next year (plans are made ahead)."""
    return timezone.localdate().year + 1


def flag_label(name: str) -> str:
    """The flag's Vietnamese name, capitalised ("Huyện nghèo"): the label on the page and the column header."""
    return capfirst(str(AdministrativeUnit._meta.get_field(name).verbose_name))


@dataclass
class ImportOutcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        return not self.errors


CODE_COLUMN = Column("unit_code", "Mã đơn vị", ("Mã", "Mã ĐVHC", "Mã đơn vị hành chính", "Mã số"), required=True)
YEAR_COLUMN = Column("year", "Năm", ("Năm số liệu",), required=True)
TOTAL_COLUMNS = [
    CODE_COLUMN,
    YEAR_COLUMN,
    Column("total_households", "Tổng số hộ", ("Số hộ", "Tổng số hộ dân", "Tổng hộ"), required=True),
    Column("note", "Ghi chú", ("Nguồn", "Ghi chú nguồn")),
]
FLAG_ALIASES = {
    "is_poor_district": ("Huyện nghèo",),
    "is_extremely_difficult": ("Xã ĐBKK", "ĐBKK", "Đặc biệt khó khăn"),
    "is_coastal": ("Bãi ngang, ven biển, hải đảo", "Xã bãi ngang", "Bãi ngang", "Ven biển"),
    "is_ethnic_minority_area": ("Vùng đồng bào DTTS", "Vùng DTTS", "DTTS"),
    "is_mountainous": ("Vùng miền núi",),
}


def flag_columns() -> list[Column]:
    return [
        CODE_COLUMN,
        Column("year", "Năm", ("Năm số liệu",)),
        *(Column(name, flag_label(name), FLAG_ALIASES[name]) for name in PROGRAMME_FLAGS),
    ]


class RowChecker(RowProblems):
    """Collects row errors in the contract's shape (spreadsheets.problems) and resolves unit codes for the whole
    file at once."""

    def __init__(self, sheet: Sheet, acting_user):
        super().__init__(sheet.headers)
        self.sheet = sheet
        self.acting_user = acting_user

    def problem(self, row: int, key: str, cell, message: str, **params) -> None:
        """Record an error on `cell` of column `key`; `message` may use %(row)s, %(column)s and %(value)s."""
        self.add(row, key, cell, message, **params)

    def year(self, row: int, value, *, required: bool = True, default: int | None = None) -> int | None:
        year = self.cell(row, "year", value, parse_integer, required=required)
        if year is None:
            return default if is_blank(value) else None
        if not FIRST_YEAR <= year <= latest_year():
            self.problem(
                row, "year", value, _("Dòng %(row)s: năm phải từ %(first)s đến %(last)s."),
                first=FIRST_YEAR, last=latest_year(),
            )
            return None
        return year

    def resolve_units(self, wanted: list[tuple[int, object, tuple[str, ...], int]]) -> dict[int, AdministrativeUnit]:
        """`wanted`: (row, raw code, candidate codes, year). Returns row → unit, with a row error for every code
        that is unknown at the end of its year, out of the user's reach (same message: scope errors never reveal
        whether a code exists elsewhere), or ambiguous because a number lost its leading zeros."""
        by_year: dict[int, set[str]] = {}
        for _row, _raw, candidates, year in wanted:
            by_year.setdefault(year, set()).update(candidates)
        found: dict[tuple[int, str], AdministrativeUnit] = {}
        for year, codes in by_year.items():  # one query per distinct year in the file (usually one)
            for unit in units_in_force(on=end_of_year(year)).filter(code__in=codes):
                found[(year, unit.code)] = unit
        manageable = None
        if self.acting_user is not None:
            manageable = set(
                units_manageable_by(viewer=viewer_of(self.acting_user))
                .filter(pk__in=[unit.pk for unit in found.values()])
                .values_list("pk", flat=True)
            )
        resolved = {}
        for row, raw, candidates, year in wanted:
            units = [found[(year, code)] for code in candidates if (year, code) in found]
            units = [unit for unit in units if manageable is None or unit.pk in manageable]
            if len(units) == 1:
                resolved[row] = units[0]
            elif len(units) > 1:
                self.problem(
                    row, "unit_code", raw,
                    _("Dòng %(row)s: mã “%(value)s” bị mất số 0 ở đầu và ứng với nhiều đơn vị (%(codes)s); "
                      "hãy định dạng cột “%(column)s” là Văn bản và ghi đủ mã."),
                    codes=", ".join(unit.code for unit in units),
                )
            else:
                self.problem(
                    row, "unit_code", raw,
                    _("Dòng %(row)s: không có đơn vị mã “%(value)s” có hiệu lực vào cuối năm %(year)s "
                      "trong phạm vi bạn được sửa."),
                    year=year,
                )
        return resolved

    def duplicates(self, keys: dict[int, tuple], raw_codes: dict[int, object], what: str) -> set[int]:
        """A row error on every repeat of the same key; returns the repeated rows."""
        first_row: dict[tuple, int] = {}
        repeated = set()
        for row, key in sorted(keys.items()):
            if key in first_row:
                repeated.add(row)
                self.problem(
                    row, "unit_code", raw_codes[row], _("Dòng %(row)s: trùng %(what)s với dòng %(first)s."),
                    what=what, first=first_row[key],
                )
            else:
                first_row[key] = row
        return repeated


def read_outcome(path: Path, columns: list[Column], outcome: ImportOutcome) -> Sheet | None:
    """The sheet, or None with the file's problem as the outcome's one error (on row 1)."""
    try:
        sheet = read_sheet(Path(path), columns, fill="")
    except MissingColumns as error:
        outcome.errors = [{"row": 1, "column": "", "value": "", "message": error.listing()}]
        return None
    except SheetError as error:
        outcome.errors = [{"row": 1, "column": "", "value": "", "message": error.message}]
        return None
    outcome.rows = len(sheet.rows)
    if sheet.ignored_headers:
        outcome.warnings.append(
            _("Bỏ qua các cột không dùng: %(columns)s.") % {"columns": ", ".join(sheet.ignored_headers)}
        )
    if not sheet.rows:
        outcome.errors = [
            {"row": sheet.header_row, "column": "", "value": "", "message": _("Tệp không có dòng số liệu nào.")}
        ]
        return None
    return sheet
