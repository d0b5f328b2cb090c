"""Find the header row(s), map columns and validate every row. Pure: lookups come in as plain data."""

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import is_

from django.utils.translation import gettext as _

from config.text import fold, thousands
from households.importing import normalise
from households.importing.columns import BY_KEY, GROUP_HEADERS, LOOKUP, Kind
from spreadsheets import headers, legacy_text
from spreadsheets.problems import Problem  # the import core's row problem; `validate.Problem` still names it

HEADER_SCAN_ROWS = 30
MAX_INCOME = 100_000_000
MAX_MEMBERS = 50
COMMUNE_CODE_WIDTH = 5


class HeaderError(Exception):
    """The workbook cannot be read as a review list; `problem` says why (row 1 or the header row)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    short_name: str
    area: str


@dataclass
class HeaderMap:
    rows: tuple[int, ...]
    columns: dict[str, tuple[int, str]]  # key → (index, header as written)
    unknown: list[tuple[int, str]] = field(default_factory=list)

    def header(self, key: str) -> str:
        return self.columns[key][1] if key in self.columns else BY_KEY[key].header


@dataclass
class ParsedRow:
    row: int
    household_code: str
    head_name: str
    id_number: str
    commune_code: str
    village: str
    area: str
    ethnicity: str
    members: int
    income_per_capita: int
    deprivations: frozenset[str]
    declared_classification: str
    female_head: bool
    has_disabled: bool
    has_merit: bool
    social_protection: bool
    note: str
    extra: dict[str, str]


def find_header(rows: Iterator[tuple[int, list]]) -> tuple[HeaderMap, Iterator[tuple[int, list]]]:
    """Scan the first rows for the header: one row, or two where a group header is merged over the indicators
    (spreadsheets.headers.find_header, the row matching most columns among those naming the household)."""
    match, rest = headers.find_header(
        rows, LOOKUP, scan_rows=HEADER_SCAN_ROWS, two_rows=True, group_headers=GROUP_HEADERS,
        stop_when_complete=False,
        plausible=lambda found: len(found.columns) >= 3 and (
            "household_code" in found.columns or "head_name" in found.columns),
    )
    if match is None:
        raise HeaderError(Problem(1, "", "", _(
            "Không tìm thấy dòng tiêu đề (cần có các cột như “Mã hộ”, “Họ và tên chủ hộ”, “Số nhân khẩu”) "
            "trong %(count)s dòng đầu. Hãy dùng mẫu tải về từ hệ thống."
        ) % {"count": HEADER_SCAN_ROWS}))
    return HeaderMap(match.rows, match.columns, match.unknown), rest


def check_required(header: HeaderMap, *, indicators: Iterable[str]) -> None:
    required = ["household_code", "head_name", "members", "income_per_capita"]
    if "commune_code" not in header.columns and "commune_name" not in header.columns:
        required.append("commune_code")
    required.extend(indicators)
    missing = [BY_KEY[key].header for key in required if key not in header.columns]
    if missing:
        found = ", ".join(text for _index, text in sorted(header.columns.values())) or "—"
        raise HeaderError(Problem(header.rows[0], "", "", _(
            "Thiếu cột bắt buộc: %(missing)s. Các cột tìm thấy ở dòng %(row)s: %(found)s."
        ) % {"missing": ", ".join(f"“{name}”" for name in missing), "row": header.rows[0], "found": found}))


class RowValidator:
    """Validates rows one by one; cross-row rules (duplicate codes) run as rows arrive, in file order."""

    def __init__(self, *, header: HeaderMap, indicators: Iterable[str], communes: dict[str, Commune],
                 scope_name: str, elsewhere: Mapping[str, tuple[str, str]] | None = None, year: int | None = None,
                 warnings: list | None = None):
        """`communes`: those the upload may touch; `elsewhere`: code → (name, name of the unit above) of the
        communes in force outside that scope, to tell an officer whose a code is; `year`: the review year;
        `warnings`: where the warnings of `validate` go (a cell typed in a legacy font, converted)."""
        self.header = header
        self.warnings = warnings if warnings is not None else []
        self.indicators = tuple(indicators)
        self.communes = communes
        self.scope_name = scope_name
        self.elsewhere = elsewhere or {}
        self.year = year
        self._by_name: dict[str, list[Commune]] | None = None
        self.seen_codes: dict[str, int] = {}
        self.extra_columns = [(index, text) for index, text in header.unknown]
        columns = header.columns
        self._at = {key: columns[key][0] for key in columns}
        self._flag_indexes = tuple(
            (key, columns[key][0] if key in columns else None)
            for key in (*self.indicators, "female_head", "has_disabled", "has_merit", "social_protection")
        )
        # The fast path needs a commune code column; a workbook naming communes only goes row by row.
        self._fast = "commune_code" in columns and "household_code" in columns
        self._width = 1 + max(index for index, _text in columns.values())
        self._memo: dict[tuple[str, str], object] = {}

    @property
    def by_name(self) -> dict[str, list[Commune]]:
        """Communes by folded name and short name, built on first use (only rows naming a commune need it)."""
        if self._by_name is None:
            self._by_name = {}
            for commune in self.communes.values():
                for name in {fold(commune.short_name), fold(commune.name)}:
                    self._by_name.setdefault(name, []).append(commune)
        return self._by_name

    def fast_many(self, chunk: list[tuple[int, list]]) -> list[ParsedRow | None]:
        """Column-wise quick parse of a chunk of rows: for each row its ParsedRow when every cell is plainly clean,
        None otherwise (the caller then runs `validate`, which gives the exact messages). Each column is checked
        once per distinct value (codes and marks repeat), so the work is a few C-level passes per column. Values
        accepted here are the ones `validate` would give. Duplicate codes are left to the caller, in file order.
        """
        count = len(chunk)
        if not self._fast or not count:
            return [None] * count
        width = self._width
        filler = [None] * width
        table = [cells if len(cells) >= width else [*cells, *filler[len(cells):]] for _number, cells in chunk]
        columns = list(zip(*table, strict=False))
        missing = (None,) * count

        def column(key, convert, *, distinct: bool = True):
            index = self._at.get(key)
            cells = columns[index] if index is not None else missing
            # Codes and names differ on every row: a table of distinct values would only add work.
            return _by_distinct(cells, convert) if distinct or index is None else list(map(convert, cells))

        communes = self.communes
        values = {
            "household_code": column("household_code", _required_code, distinct=False),
            "head_name": column("head_name", _required_text, distinct=False),
            "id_number": column("id_number", _id_number),
            "commune": column("commune_code", lambda value: communes.get(
                _fast_code(value, width=COMMUNE_CODE_WIDTH), _BAD)),
            "members": column("members", _members),
            "income": column("income_per_capita", _income),
            "area": column("area", lambda value: self._memoised("area", value, normalise.parse_area, None)),
            "declared": column("declared_classification", lambda value: self._memoised(
                "declared", value, normalise.parse_classification, "")),
            "village": column("village", _optional_text),
            "ethnicity": column("ethnicity", _optional_text),
            "note": column("note", _optional_text),
        }
        bad = set()
        for values_of_column in values.values():
            if any(map(is_, values_of_column, repeat(_BAD))):
                bad.update(position for position, value in enumerate(values_of_column) if value is _BAD)
        # The 0/1 columns together: one conversion per distinct combination of marks in the chunk (a row's marks
        # repeat far more than its codes). _flag gives cells that compare equal (1, 1.0, True) the same result,
        # so combinations equal as tuples may share it.
        raw_marks = list(zip(*(columns[index] if index is not None else missing
                               for _key, index in self._flag_indexes), strict=True))
        flag, indicators = self._flag, self.indicators
        by_marks, bad_marks = {}, set()
        for raw in set(raw_marks):
            row_marks = tuple(map(flag, raw))
            if any(map(is_, row_marks, repeat(_BAD))):
                bad_marks.add(raw)
            by_marks[raw] = (frozenset(key for key, mark in zip(indicators, row_marks, strict=False) if mark is True),
                             *row_marks[-4:])
        if bad_marks:
            bad.update(position for position, raw in enumerate(raw_marks) if raw in bad_marks)
        deprivations, *person_flags = zip(*map(by_marks.__getitem__, raw_marks), strict=True)
        extra = self.extra_columns
        extras = ([{text: normalise.cell_text(cells[index]) for index, text in extra
                    if index < len(cells) and not normalise.is_blank(cells[index])} for _number, cells in chunk]
                  if extra else [{} for _number in range(count)])
        if extra:  # a cell typed in a legacy font: the row goes to `validate`, which converts it with a warning
            bad.update(position for position, row_extra in enumerate(extras)
                       if any(map(_legacy_conversion, row_extra.values())))
        row_communes = values["commune"]
        # Built column by column, positionally (in ParsedRow's field order): a call with 18 keywords per row cost
        # more than the rest of the fast path. Rows with a bad cell are built too, then replaced by None.
        parsed: list[ParsedRow | None] = list(map(
            ParsedRow, [number for number, _cells in chunk], values["household_code"], values["head_name"],
            values["id_number"], [commune.code if commune is not _BAD else None for commune in row_communes],
            values["village"],
            [area or commune.area if commune is not _BAD else None
             for area, commune in zip(values["area"], row_communes, strict=True)],
            values["ethnicity"], values["members"], values["income"], deprivations, values["declared"],
            *person_flags, values["note"], extras,
        ))
        for position in bad:
            parsed[position] = None
        return parsed

    def _flag(self, value):
        flag = _FAST_FLAGS.get(value, _BAD)
        return flag if flag is not _BAD else self._memoised("flag", value, normalise.parse_flag, False)

    def _memoised(self, kind: str, value, parser, default):
        """parser(value) for a text cell, remembered per distinct text (the same few words fill a column);
        `default` for a blank cell, _BAD when the cell is not text or does not parse."""
        if value is None or value == "":
            return default
        if type(value) is not str:
            return _BAD
        key = (kind, value)
        result = self._memo.get(key)
        if result is None:
            if normalise.is_blank(value):
                result = default
            else:
                try:
                    result = parser(value)
                except ValueError:
                    result = _BAD
            self._memo[key] = result
        return result

    def _cell(self, cells: list, key: str):
        index = self.header.columns.get(key, (None, ""))[0]
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def validate(self, number: int, cells: list) -> tuple[ParsedRow | None, list[Problem]]:
        problems: list[Problem] = []

        def problem(key: str, value, message: str) -> None:
            problems.append(Problem(number, self.header.header(key), normalise.cell_text(value), message))

        def parse(key: str, parser, *, required: bool = False, default=None, **kwargs):
            value = self._cell(cells, key)
            if normalise.is_blank(value):
                if required:
                    problem(key, value, _("Dòng %(row)s: thiếu “%(column)s”.")
                            % {"row": number, "column": self.header.header(key)})
                return default
            try:
                return parser(value, **kwargs)
            except ValueError as error:
                problem(key, value, _("Dòng %(row)s: “%(column)s” %(reason)s.")
                        % {"row": number, "column": self.header.header(key), "reason": error})
                return default

        household_code = parse("household_code", normalise.parse_code, required=True)
        head_name = self._unlegacy(number, "head_name", parse("head_name", normalise.parse_text, required=True))
        id_number = parse("id_number", normalise.parse_code, default="")
        if id_number and not (id_number.isdigit() and len(id_number) in (9, 12)):
            problem("id_number", self._cell(cells, "id_number"),
                    _("Dòng %(row)s: số CCCD/CMND phải có 9 hoặc 12 chữ số.") % {"row": number})
        commune = self._commune(number, cells, problem)
        members = parse("members", normalise.parse_integer, required=True)
        if members is not None and not 1 <= members <= MAX_MEMBERS:
            problem("members", self._cell(cells, "members"), _(
                "Dòng %(row)s: số nhân khẩu phải từ 1 đến %(max)s."
            ) % {"row": number, "max": MAX_MEMBERS})
            members = None
        income = parse("income_per_capita", normalise.parse_money, required=True)
        if income is not None and income < 0:
            problem("income_per_capita", self._cell(cells, "income_per_capita"),
                    _("Dòng %(row)s: thu nhập không được âm.") % {"row": number})
            income = None
        elif income is not None and income > MAX_INCOME:
            problem("income_per_capita", self._cell(cells, "income_per_capita"), _(
                "Dòng %(row)s: thu nhập %(value)s đồng/người/tháng vượt quá %(max)s: hãy kiểm tra lại đơn vị tính."
            ) % {"row": number, "value": thousands(income), "max": thousands(MAX_INCOME)})
            income = None
        area = parse("area", normalise.parse_area)
        deprivations = set()
        for key in self.indicators:
            if parse(key, normalise.parse_flag, default=False):
                deprivations.add(key)
        declared = parse("declared_classification", normalise.parse_classification, default="")
        flags = {key: parse(key, normalise.parse_flag, default=False)
                 for key in ("female_head", "has_disabled", "has_merit", "social_protection")}

        if household_code:
            first = self.seen_codes.get(household_code)
            if first is not None:
                problem("household_code", household_code, _(
                    "Dòng %(row)s: mã hộ %(code)s trùng với dòng %(first)s."
                ) % {"row": number, "code": household_code, "first": first})
                household_code = None
            else:
                self.seen_codes[household_code] = number

        if problems or None in (household_code, head_name, commune, members, income):
            return None, problems
        return ParsedRow(
            row=number, household_code=household_code, head_name=head_name, id_number=id_number,
            commune_code=commune.code,
            village=self._unlegacy(number, "village", parse("village", normalise.parse_text, default="")),
            area=area or commune.area,
            ethnicity=self._unlegacy(number, "ethnicity", parse("ethnicity", normalise.parse_text, default="")),
            members=members, income_per_capita=income, deprivations=frozenset(deprivations),
            declared_classification=declared,
            note=self._unlegacy(number, "note", parse("note", normalise.parse_text, default="")),
            extra={text: self._unlegacy(number, None, normalise.cell_text(cells[index]), column=text)
                   for index, text in self.extra_columns
                   if index < len(cells) and not normalise.is_blank(cells[index])},
            **flags,
        ), []

    def _unlegacy(self, number: int, key: str | None, text, *, column: str = ""):
        """`text` in Unicode when it was typed in a legacy font (TCVN3, VNI: domain.md §11, rule 14), with a
        warning showing both, so that nothing changes silently; else `text` as it is."""
        conversion = _legacy_conversion(text) if text else None
        if conversion is None:
            return text
        column = self.header.header(key) if key else column
        self.warnings.append(Problem(number, column, text, _(
            "Dòng %(row)s: ô “%(column)s” được gõ bằng phông %(font)s, đã chuyển sang Unicode: “%(original)s” → "
            "“%(converted)s”. Hãy kiểm tra lại."
        ) % {"row": number, "column": column, "font": legacy_text.LABELS[conversion.encoding], "original": text,
             "converted": conversion.text}))
        return conversion.text

    def _commune(self, number: int, cells: list, problem) -> Commune | None:
        code_value = self._cell(cells, "commune_code")
        if not normalise.is_blank(code_value):
            try:
                code = normalise.parse_code(code_value, width=COMMUNE_CODE_WIDTH)
            except ValueError as error:
                problem("commune_code", code_value, _("Dòng %(row)s: “%(column)s” %(reason)s.") % {
                    "row": number, "column": self.header.header("commune_code"), "reason": error})
                return None
            commune = self.communes.get(code)
            if commune is None:
                problem("commune_code", code_value, self._commune_unknown(number, code))
            return commune
        name_value = self._cell(cells, "commune_name")
        if normalise.is_blank(name_value):
            key = "commune_code" if "commune_code" in self.header.columns else "commune_name"
            problem(key, name_value, _("Dòng %(row)s: thiếu mã xã (hoặc tên xã).") % {"row": number})
            return None
        folded = fold(self._unlegacy(number, "commune_name", normalise.parse_text(name_value)))
        matches = self.by_name.get(folded, [])
        if len(matches) != 1:
            problem("commune_name", name_value, _(
                "Dòng %(row)s: tên xã “%(name)s” không khớp đúng một xã thuộc %(scope)s; hãy ghi mã xã."
            ) % {"row": number, "name": normalise.cell_text(name_value), "scope": self.scope_name})
            return None
        return matches[0]


    def _commune_unknown(self, number: int, code: str) -> str:
        """A code outside the upload's scope: whose commune it is (the officer typed a neighbour's code), or that
        no commune has it (a typo, or a code from an older catalogue)."""
        other = self.elsewhere.get(code)
        if other is None:
            if self.year is None:
                return _("Dòng %(row)s: không có xã nào mang mã %(code)s trong danh mục đơn vị hành chính; "
                         "hãy kiểm tra lại mã xã.") % {"row": number, "code": code}
            return _("Dòng %(row)s: không có xã nào mang mã %(code)s trong danh mục đơn vị hành chính năm "
                     "%(year)s; hãy kiểm tra lại mã xã.") % {"row": number, "code": code, "year": self.year}
        name, parent = other
        if parent:
            return _("Dòng %(row)s: mã %(code)s là của %(name)s thuộc %(parent)s, không thuộc %(scope)s; chỉ "
                     "nhập được các xã thuộc %(scope)s.") % {
                "row": number, "code": code, "name": name, "parent": parent, "scope": self.scope_name}
        return _("Dòng %(row)s: mã %(code)s là của %(name)s, không thuộc %(scope)s; chỉ nhập được các xã thuộc "
                 "%(scope)s.") % {"row": number, "code": code, "name": name, "scope": self.scope_name}


_BAD = object()
# Cells parse_flag reads without folding (True/1/1.0 and False/0/0.0 share dictionary keys, as they do there).
_FAST_FLAGS = {None: False, "": False, "0": False, "1": True, "x": True, "X": True, 0: False, 1: True}
_PLAIN_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")


def _by_distinct(cells: tuple, convert) -> list:
    """[convert(cell) for cell in cells], calling convert once per distinct (type, value): 1, 1.0 and True are
    equal as keys but not as cells."""
    if len(set(map(type, cells))) == 1:
        converted = {cell: convert(cell) for cell in set(cells)}
        return list(map(converted.__getitem__, cells))
    keys = list(zip(map(type, cells), cells, strict=True))
    converted = {key: convert(key[1]) for key in set(keys)}
    return list(map(converted.__getitem__, keys))


def _required_code(value):
    code = _fast_code(value)
    return _BAD if code is None else code


def _id_number(value):
    if value is None or value == "":
        return ""
    code = _fast_code(value)
    return code if code is not None and code.isdigit() and len(code) in (9, 12) else _BAD


def _required_text(value):
    return _fast_text(value) or _BAD


def _optional_text(value):
    if value is None or value == "":
        return ""
    text = _fast_text(value)
    return _BAD if text is None else text


def _members(value):
    number = _fast_integer(value)
    return number if number is not None and 1 <= number <= MAX_MEMBERS else _BAD


def _income(value):
    number = _fast_integer(value)
    return number if number is not None and 0 <= number <= MAX_INCOME else _BAD


def _fast_code(value, *, width: int | None = None) -> str | None:
    """normalise.parse_code for plain ASCII codes and whole numbers; None for anything else."""
    kind = type(value)
    if kind is str:
        if not value.isascii() or not _PLAIN_CODE.fullmatch(value) or normalise.SCIENTIFIC.match(value):
            return None
        text = value
    elif kind is int:
        if not 0 <= value < 10**15:
            return None
        text = str(value)
    elif kind is float:
        if not value.is_integer() or not 0 <= value < 1e15:
            return None
        text = str(int(value))
    else:
        return None
    if width and text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


def _fast_text(value) -> str | None:
    """normalise.parse_text for text already in NFC: whitespace collapsed as nfc() does; None otherwise, and for
    text typed in a legacy font (`validate` converts it, with a warning)."""
    if type(value) is not str or not unicodedata.is_normalized("NFC", value):
        return None
    text = " ".join(value.split())
    if not text.isascii() and max(text) <= "\xff" and legacy_text.legacy_conversion(text) is not None:
        return None  # the pre-filter inline: genuine Vietnamese almost always has a letter above U+00FF
    return text


def _legacy_conversion(text: str) -> legacy_text.Conversion | None:
    return legacy_text.legacy_conversion(text) if legacy_text.may_be_legacy(text) else None


def _fast_integer(value) -> int | None:
    """normalise.parse_integer / parse_money for numbers and plain digit strings; None for anything else."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float:
        return int(value) if value.is_integer() else None
    if kind is str and value.isascii() and value.isdigit():
        return int(value)
    return None


def unknown_column_warnings(header: HeaderMap) -> list[Problem]:
    return [
        Problem(header.rows[0], text, "", _(
            "Cột “%(column)s” không có trong mẫu: dữ liệu được giữ lại nhưng không dùng để tính toán."
        ) % {"column": text})
        for _index, text in header.unknown
    ]


def row_is_blank(cells: list) -> bool:
    return all(normalise.is_blank(cell) for cell in cells)


__all__ = [
    "Commune", "HeaderError", "HeaderMap", "Kind", "ParsedRow", "Problem", "RowValidator", "check_required",
    "find_header", "row_is_blank", "unknown_column_warnings",
]
