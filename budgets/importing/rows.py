"""The rows of a budget spreadsheet: checked, then written, whole or nothing.

Every row is checked against budgets.rules (the rules budgets.services applies to a form: amounts, years, dates,
what an entry or a payment may do to its line), in row order, against the state of the database *plus the rows
above it* (so an adjustment may follow the original in the same file). Lookups run once per file, never per row.
Any problem rejects the whole file: nothing is written. Problems are spreadsheets.problems entries
``{"row", "column", "value", "message": "Dòng N: …"}`` with the row number Excel shows, sorted by row, column and
message; problems with the file itself are on row 1 (or the header row).

`allocations_write` and `disbursements_write` run inside the caller's transaction (budgets.importing.pipeline),
which also holds the lines' row locks taken while checking.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets import rules as budget_rules
from budgets.importing.columns import (
    MONEY_KEYS,
    parse_capital_type,
    parse_kind,
    parse_project_code,
    parse_source,
    parse_unit_code,
)
from budgets.models import Allocation, AllocationEntry, Disbursement
from budgets.services import allocation_totals_recompute
from programmes.models import PlanDocument, Project, SubProject
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import units_manageable_by
from provinces.viewer import viewer_of
from spreadsheets.cells import cell_text, is_blank, parse_date, parse_million, parse_vnd, parse_year
from spreadsheets.problems import RowProblems
from spreadsheets.sheet import Sheet, SheetError

Kind = AllocationEntry.Kind
LineKey = tuple  # (fiscal year, origin year, unit pk, project pk, sub-project pk or None, source, capital type)


def check_sheet_shape(sheet: Sheet) -> None:
    """Exactly one money column that says its unit, and at least one data row (SheetError otherwise)."""
    if len(set(sheet.headers) & set(MONEY_KEYS)) != 1:
        raise SheetError(
            _("Cần đúng một cột số tiền ghi rõ đơn vị: “Số tiền (triệu đồng)” hoặc “Số tiền (đồng)”."),
            row=sheet.header_row,
        )
    if not sheet.rows:
        raise SheetError(_("Tệp không có dòng số liệu nào."), row=sheet.header_row)


# --- the outcome of a check ----------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a checked file would write: its problems (none: it may be written), counts, and the writes."""

    rows: int
    problems: list[dict] = field(default_factory=list)
    rejected_rows: int = 0
    ready: list[tuple[int, dict]] = field(default_factory=list)  # (row, values) to write, in row order
    states: dict[LineKey, budget_rules.LineState] = field(default_factory=dict)
    pks: dict[LineKey, int | None] = field(default_factory=dict)  # None: a line the file creates
    touched: set[LineKey] = field(default_factory=set)  # lines whose figures the file changes
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def updated(self) -> int:
        """Lines that existed before the file and whose figures it changes."""
        return sum(1 for key in self.touched if self.pks.get(key) is not None)


class Problems(RowProblems):
    """The row problems of one budget sheet, with the budget sheets' text and amount cells."""

    def __init__(self, sheet: Sheet):
        super().__init__(sheet.headers)
        self.amount_key = next(key for key in MONEY_KEYS if key in sheet.headers)

    def text(self, row: int, cells: dict, key: str, *, limit: int, required: bool = False) -> str | None:
        value = cells.get(key)
        text = " ".join(cell_text(value).split()) if not is_blank(value) else ""
        if required and not text:
            self.add(row, key, value, _("Dòng %(row)s: thiếu “%(column)s”."))
            return None
        if len(text) > limit:
            self.add(row, key, value, _("Dòng %(row)s: “%(column)s” dài quá %(limit)s ký tự."), limit=limit)
            return None
        return text

    def amount(self, row: int, cells: dict, *, allow_negative: bool) -> int | None:
        key = self.amount_key
        amount = self.cell(row, key, cells.get(key), parse_million if key == "amount_million" else parse_vnd)
        if amount is None:
            return None
        problem = budget_rules.amount_problem(amount, allow_negative=allow_negative)
        if problem in ("zero", "negative"):
            self.add(row, key, cells.get(key), _("Dòng %(row)s: số tiền phải lớn hơn 0.") if not allow_negative
                     else _("Dòng %(row)s: số tiền phải khác 0."))
            return None
        if problem == "too_large":
            self.add(row, key, cells.get(key), _("Dòng %(row)s: số tiền quá lớn, hãy kiểm tra đơn vị tính."))
            return None
        return amount

    def rows_with_problems(self) -> int:
        return len({problem.row for problem in self.problems})


# --- lookups, once per file ------------------------------------------------------------------------------------------


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
        manageable = set(units_manageable_by(viewer=viewer_of(acting_user)).filter(
            pk__in=[unit.pk for unit in found.values()]).values_list("pk", flat=True))
    return found, manageable


def _resolve_unit(check: Problems, row: int, raw, candidates, year, found, manageable) -> AdministrativeUnit | None:
    units = [found[(year, code)] for code in candidates if (year, code) in found]
    units = [unit for unit in units if manageable is None or unit.pk in manageable]
    if len(units) == 1:
        return units[0]
    if len(units) > 1:
        check.add(row, "unit_code", raw,
                  _("Dòng %(row)s: mã “%(value)s” bị mất số 0 ở đầu và ứng với nhiều đơn vị (%(codes)s); hãy định "
                    "dạng cột “%(column)s” là Văn bản và ghi đủ mã."),
                  codes=", ".join(unit.code for unit in units))
    else:
        check.add(row, "unit_code", raw,
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
            return budget_rules.in_programme(year, start_year=programme.start_year, end_year=programme.end_year)

        if "." in code:
            for subproject in self.subprojects.get(code, []):
                if covers(subproject.project.programme):
                    return subproject.project, subproject
            return None
        for project in self.projects.get(code, []):
            if covers(project.programme):
                return project, None
        return None


def _line_key(year, origin, unit, project, subproject, source, capital_type) -> LineKey:
    return (year, origin, unit.pk, project.pk, subproject.pk if subproject else None, source, capital_type)


def _load_lines(keys: set[LineKey], *, lock: bool) -> tuple[dict[LineKey, budget_rules.LineState], dict]:
    """The existing lines among `keys` (their states, and their pks), locked for the transaction when `lock`: one
    query (the lines of the file's units and years, filtered here)."""
    if not keys:
        return {}, {}
    queryset = Allocation.objects.filter(fiscal_year__in={key[0] for key in keys},
                                         unit_id__in={key[2] for key in keys}).order_by("pk")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    lines = queryset.annotate(
        has_original=Exists(AllocationEntry.objects.filter(allocation=OuterRef("pk"), kind=Kind.ORIGINAL))
    ).values_list("pk", "fiscal_year", "origin_year", "unit_id", "project_id", "subproject_id", "source",
                  "capital_type", "amount_vnd", "disbursed_vnd", "carried_out_vnd", "has_original")
    states, pks = {}, {}
    for (pk, year, origin, unit_id, project_id, subproject_id, source, capital_type, amount, disbursed, carried_out,
         has_original) in lines:
        key = (year, origin, unit_id, project_id, subproject_id, source, capital_type)
        if key in keys:
            states[key] = budget_rules.LineState(amount, disbursed, carried_out, has_original)
            pks[key] = pk
    return states, pks


# --- the columns every budget sheet has --------------------------------------------------------------------------


def _parse_common(check: Problems, row: int, cells: dict) -> dict:
    return {
        "year": check.cell(row, "fiscal_year", cells.get("fiscal_year"), parse_year),
        "codes": check.cell(row, "unit_code", cells.get("unit_code"), parse_unit_code),
        "project_code": check.cell(row, "project_code", cells.get("project_code"), parse_project_code),
        "source": check.cell(row, "source", cells.get("source"), parse_source),
        "capital_type": check.cell(row, "capital_type", cells.get("capital_type"), parse_capital_type),
        "origin": check.cell(row, "origin_year", cells.get("origin_year"), parse_year, required=False),
        "note": check.text(row, cells, "note", limit=500),
    }


def _parse_rows(check: Problems, sheet: Sheet, acting_user, parse_own) -> list[tuple[int, dict, dict]]:
    """Every row as (row, cells, values): the common cells, the sheet's own (`parse_own(row, cells, values)`), then
    the units and projects resolved for the whole file at once."""
    parsed = []
    for row, cells in sheet.rows:
        values = _parse_common(check, row, cells)
        parse_own(row, cells, values)
        parsed.append((row, cells, values))
    _resolve_common(check, parsed, acting_user)
    return parsed


def _resolve_common(check: Problems, rows: list[tuple[int, dict, dict]], acting_user) -> None:
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
                check.add(row, "project_code", cells.get("project_code"),
                          _("Dòng %(row)s: không có dự án/tiểu dự án “%(value)s” trong chương trình của năm "
                            "%(year)s."), year=values["origin"])
            else:
                values["project"], values["subproject"] = match


def _refused(check: Problems, row: int, cells: dict, problem: str | None, reasons: dict, **params) -> bool:
    """Whether a rule refused the row: `reasons` maps the rule's code to the column at fault and the message (and
    the value shown when that cell is blank); that problem is added. A code not in `reasons` (or None) passes."""
    if problem not in reasons:
        return False
    key, message, *blank = reasons[problem]
    cell = cells.get(key)
    check.add(row, key, (cell or blank[0]) if blank else cell, message, **params)
    return True


def _year_ok(check: Problems, row: int, cells: dict, values: dict, today: datetime.date) -> bool:
    year, origin, project, unit = values["year"], values["origin"], values["project"], values["unit"]
    ok = True
    if budget_rules.entry_years_problem(kind="", fiscal_year=year, origin_year=origin) == "origin_after_fiscal_year":
        check.add(row, "origin_year", cells.get("origin_year"),
                  _("Dòng %(row)s: năm nguồn vốn không được sau năm kế hoạch."))
        ok = False
    if budget_rules.fiscal_year_too_late(year, today=today):
        check.add(row, "fiscal_year", cells.get("fiscal_year"),
                  _("Dòng %(row)s: chỉ ghi được kế hoạch vốn đến năm sau."))
        ok = False
    if project is not None and not budget_rules.in_programme(origin, start_year=project.programme.start_year,
                                                             end_year=project.programme.end_year):
        check.add(row, "origin_year", cells.get("origin_year") or year,
                  _("Dòng %(row)s: năm %(year)s nằm ngoài giai đoạn của chương trình."), year=origin)
        ok = False
    if unit is not None and not budget_rules.unit_in_force_during(year, valid_from=unit.valid_from,
                                                                  valid_to=unit.valid_to):
        check.add(row, "unit_code", cells.get("unit_code"),
                  _("Dòng %(row)s: đơn vị không có hiệu lực trong năm %(year)s."), year=year)
        ok = False
    return ok


def _lines_to_check(check: Problems, parsed, required: tuple[str, ...], today: datetime.date):
    """The parsed rows with every value in `required` and years the rules accept, each with its line's key."""
    for row, cells, values in parsed:
        if any(values[name] is None for name in required) or not _year_ok(check, row, cells, values, today):
            continue
        values["key"] = _line_key(values["year"], values["origin"], values["unit"], values["project"],
                                  values["subproject"], values["source"], values["capital_type"])
        yield row, cells, values


def _plan_checked(plan: Plan, check: Problems) -> Plan:
    """The plan with the file's problems (sorted by row, column and message) and the rows they reject."""
    plan.problems = check.errors(by_message=True)
    plan.rejected_rows = check.rows_with_problems()
    return plan


def _plan_documents(ready: list[tuple[int, dict]]) -> dict[int, PlanDocument]:
    """Row → the plans-register document with the row's legal basis number and date, issued by the row's unit or
    a unit above it (one query): the link the form makes by hand."""
    numbers = {values["number"] for _row, values in ready}
    documents = defaultdict(list)
    for document in PlanDocument.objects.filter(number__in=numbers):
        documents[(document.number, document.issued_on)].append(document)
    linked = {}
    for row, values in ready:
        unit = values["unit"]
        chain = {unit.pk, unit.parent_id, unit.parent.parent_id if unit.parent_id else None} - {None}
        for document in documents.get((values["number"], values["date"]), []):
            if document.unit_id in chain:
                linked[row] = document
                break
    return linked


def _warnings(sheet: Sheet) -> list[str]:
    if not sheet.ignored:
        return []
    return [_("Bỏ qua các cột không dùng: %(columns)s.") % {"columns": ", ".join(sheet.ignored)}]


# --- allocations -----------------------------------------------------------------------------------------------------


def allocations_check(sheet: Sheet, *, acting_user) -> Plan:
    """Check an allocations sheet (original, adjustment, carry-over entries); locks the lines it touches.

    Columns: Năm kế hoạch, Mã đơn vị, Mã dự án (DA1…DA7 or a sub-project DA3.1), Nguồn vốn, Loại vốn,
    Loại bút toán (Giao vốn — the default —, Điều chỉnh, Chuyển nguồn), Năm nguồn vốn (carry-over only),
    Số tiền (triệu đồng) or Số tiền (đồng), Số quyết định, Ngày quyết định, Ghi chú.
    """
    check_sheet_shape(sheet)
    check = Problems(sheet)
    today = timezone.localdate()

    def parse_entry(row: int, cells: dict, values: dict) -> None:
        values["kind"] = check.cell(row, "kind", cells.get("kind"), parse_kind, required=False) or (
            None if not is_blank(cells.get("kind")) else Kind.ORIGINAL)
        values["amount"] = check.amount(row, cells, allow_negative=values["kind"] == Kind.ADJUSTMENT)
        values["number"] = check.text(row, cells, "legal_basis_number", limit=100, required=True)
        values["date"] = check.cell(row, "legal_basis_date", cells.get("legal_basis_date"), parse_date)

    parsed = _parse_rows(check, sheet, acting_user, parse_entry)
    ready = []
    required = ("year", "unit", "project", "source", "capital_type", "kind", "amount", "number", "date")
    dates = {
        "future": ("legal_basis_date", _("Dòng %(row)s: ngày văn bản không được ở tương lai.")),
        "out_of_range": ("legal_basis_date", _("Dòng %(row)s: ngày văn bản phải từ năm %(first)s đến năm %(last)s.")),
    }
    years_reasons = {
        "carry_over_not_earlier": (
            "origin_year", _("Dòng %(row)s: chuyển nguồn phải ghi “%(column)s” là một năm trước năm kế hoạch.")),
        "original_not_own_year": (
            "origin_year", _("Dòng %(row)s: vốn giao của năm có năm nguồn vốn bằng năm kế hoạch; vốn năm trước ghi "
                             "là chuyển nguồn.")),
    }
    for row, cells, values in _lines_to_check(check, parsed, required, today):
        dated = budget_rules.legal_date_problem(values["date"], fiscal_year=values["year"], today=today)
        if _refused(check, row, cells, dated, dates, first=values["year"] - 1, last=values["year"] + 1):
            continue
        kind, year, origin = values["kind"], values["year"], values["origin"]
        years = budget_rules.entry_years_problem(kind=kind, fiscal_year=year, origin_year=origin)
        if _refused(check, row, cells, years, years_reasons):
            continue
        values["from_key"] = (year - 1, *values["key"][1:]) if kind == Kind.CARRY_OVER else None
        ready.append((row, cells, values))

    keys = {v["key"] for _r, _c, v in ready} | {v["from_key"] for _r, _c, v in ready if v["from_key"]}
    states, pks = _load_lines(keys, lock=True)
    plan = Plan(rows=len(sheet.rows), states=states, pks=pks, warnings=_warnings(sheet))
    amount_key = check.amount_key
    reasons = {
        "no_line_to_adjust": ("kind", _("Dòng %(row)s: chưa có kế hoạch vốn cho dòng này để điều chỉnh (hãy ghi vốn "
                                        "giao hoặc chuyển nguồn trước, ở dòng trên hoặc trong hệ thống).")),
        "adjustment_below_used": (amount_key, _("Dòng %(row)s: điều chỉnh giảm quá mức: kế hoạch vốn sau điều chỉnh "
                                                "nhỏ hơn số đã giải ngân hoặc chuyển nguồn.")),
        "original_exists": ("kind", _("Dòng %(row)s: dòng kế hoạch vốn này đã có vốn giao ban đầu; thay đổi ghi là "
                                      "điều chỉnh."), _("Giao vốn")),
        "no_source_line": ("origin_year", _("Dòng %(row)s: năm %(year)s không có dòng kế hoạch vốn tương ứng để "
                                            "chuyển nguồn.")),
        "carry_over_exceeds_remaining": (amount_key, _("Dòng %(row)s: số chuyển nguồn vượt phần chưa giải ngân của "
                                                       "năm %(year)s.")),
    }
    for row, cells, values in sorted(ready, key=lambda item: (item[2]["year"], item[0])):
        key, kind, amount = values["key"], values["kind"], values["amount"]
        line, source = states.get(key), states.get(values["from_key"]) if values["from_key"] else None
        problem = budget_rules.entry_problem(kind=kind, amount=amount, line=line, source=source)
        if _refused(check, row, cells, problem, reasons, year=values["year"] - 1):
            continue
        if line is None:
            line = states[key] = budget_rules.LineState()
            pks[key] = None
        budget_rules.entry_apply(kind=kind, amount=amount, line=line, source=source)
        plan.touched.update(k for k in (key, values["from_key"]) if k is not None)
        plan.ready.append((row, values))
    plan.ready.sort(key=lambda item: item[0])
    return _plan_checked(plan, check)


def allocations_write(plan: Plan, *, acting_user, job) -> int:
    """Write a checked allocations plan (new lines, then the entries, then the counters, set-based). Returns the
    entries written."""
    new_keys = [key for key, pk in plan.pks.items() if pk is None]
    first = {}
    for _row, values in plan.ready:
        first.setdefault(values["key"], values)
    Allocation.objects.bulk_create([
        Allocation(fiscal_year=v["year"], origin_year=v["origin"], unit=v["unit"], project=v["project"],
                   subproject=v["subproject"], source=v["source"], capital_type=v["capital_type"])
        for v in (first[key] for key in new_keys)
    ], batch_size=2000)
    _states, pks = _load_lines(set(plan.pks), lock=False)
    documents = _plan_documents(plan.ready)
    entries = [
        AllocationEntry(
            allocation_id=pks[v["key"]], kind=v["kind"], amount_vnd=v["amount"],
            carried_from_id=pks[v["from_key"]] if v["from_key"] else None, legal_basis_number=v["number"],
            legal_basis_date=v["date"], plan_document=documents.get(row), note=v["note"] or "", batch=job,
            recorded_by=acting_user,
        )
        for row, v in plan.ready
    ]
    AllocationEntry.objects.bulk_create(entries, batch_size=2000)
    allocation_totals_recompute(allocation_ids={pks[key] for key in plan.touched})
    return len(entries)


# --- disbursements ---------------------------------------------------------------------------------------------------


def disbursements_check(sheet: Sheet, *, acting_user) -> Plan:
    """Check a disbursement report: each row a payment against an existing line; locks those lines.

    Columns: Năm kế hoạch, Mã đơn vị, Mã dự án, Nguồn vốn, Loại vốn, Năm nguồn vốn (carried-over funds only),
    Ngày giải ngân, Số tiền (triệu đồng) or Số tiền (đồng), Số chứng từ, Ghi chú. A negative amount (a recovery)
    needs a note. The line's total stays between 0 and its amount less what was carried on; the date between
    1 January of the fiscal year and the line's deadline, and not in the future.
    """
    check_sheet_shape(sheet)
    rules = budget_rules.load_rules()
    check = Problems(sheet)
    today = timezone.localdate()
    amount_key = check.amount_key

    def parse_payment(row: int, cells: dict, values: dict) -> None:
        values["date"] = check.cell(row, "disbursed_on", cells.get("disbursed_on"), parse_date)
        values["amount"] = check.amount(row, cells, allow_negative=True)
        values["document"] = check.text(row, cells, "document", limit=100)
        if values["amount"] is not None and values["amount"] < 0 and not values["note"]:
            check.add(row, "note", cells.get("note"),
                      _("Dòng %(row)s: khoản giảm trừ (số âm) phải ghi rõ lý do ở cột “%(column)s”."))

    parsed = _parse_rows(check, sheet, acting_user, parse_payment)
    required = ("year", "unit", "project", "source", "capital_type", "amount", "date", "document", "note")
    ready = list(_lines_to_check(check, parsed, required, today))
    states, pks = _load_lines({v["key"] for _r, _c, v in ready}, lock=True)
    plan = Plan(rows=len(sheet.rows), states=states, pks=pks, warnings=_warnings(sheet))
    dates = {
        "future": ("disbursed_on", _("Dòng %(row)s: ngày giải ngân không được ở tương lai.")),
        "before_year": ("disbursed_on", _("Dòng %(row)s: ngày giải ngân phải trong năm kế hoạch %(year)s.")),
        "after_deadline": ("disbursed_on", _("Dòng %(row)s: ngày giải ngân sau hạn %(deadline)s của dòng vốn này "
                                             "(phải chuyển nguồn trước).")),
    }
    reasons = {
        "below_zero": (amount_key, _("Dòng %(row)s: giảm trừ vượt số đã giải ngân của dòng vốn này.")),
        "over_plan": (amount_key, _("Dòng %(row)s: vượt kế hoạch vốn: cộng dồn giải ngân của dòng vốn này (kể cả "
                                    "các dòng trên trong tệp) lớn hơn kế hoạch vốn.")),
    }
    for row, cells, values in ready:
        line = states.get(values["key"])
        if line is None:
            check.add(row, "project_code", cells.get("project_code"),
                      _("Dòng %(row)s: chưa có kế hoạch vốn năm %(year)s cho đơn vị, dự án, nguồn vốn và loại vốn "
                        "này: hãy nhập kế hoạch vốn trước."), year=values["year"])
            continue
        year = values["year"]
        deadline = rules.deadline(fiscal_year=year, origin_year=values["origin"], capital_type=values["capital_type"])
        when = budget_rules.disbursement_date_problem(values["date"], fiscal_year=year, deadline=deadline,
                                                      today=today)
        if _refused(check, row, cells, when, dates, year=year, deadline=deadline.strftime("%d/%m/%Y")):
            continue
        problem = budget_rules.disbursement_problem(amount=values["amount"], line=line)
        if _refused(check, row, cells, problem, reasons):
            continue
        line.disbursed += values["amount"]
        plan.touched.add(values["key"])
        plan.ready.append((row, values))
    return _plan_checked(plan, check)


def disbursements_write(plan: Plan, *, acting_user, job) -> int:
    """Write a checked disbursement plan (the payments, then the lines' counters). Returns the payments written."""
    Disbursement.objects.bulk_create([
        Disbursement(allocation_id=plan.pks[v["key"]], disbursed_on=v["date"], amount_vnd=v["amount"],
                     document=v["document"], note=v["note"], batch=job, recorded_by=acting_user)
        for _row, v in plan.ready
    ], batch_size=2000)
    allocation_totals_recompute(allocation_ids={plan.pks[key] for key in plan.touched})
    return len(plan.ready)
