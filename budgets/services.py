"""Writes of the budgets app: allocation entries (original, adjustment, carry-over), distribution to districts,
disbursements, and the rebuild of the line counters. Spreadsheet imports are in budgets.importing.

Keyword-only functions named <entity>_<verb>, each in its own transaction; no signals. Every write checks scope:
provincial staff and administrators write within their province (`budgets.selectors.may_manage`); anyone else gets
PermissionDenied (403) and nothing changes. Pages find units and lines through the scoped selectors first, so
something out of the caller's scope is a 404 before a service is called. `acting_user=None` is a system write
(demo data, repairs).

Entries are never edited or deleted; the line counters move with F() expressions under a row lock, and the check
constraints on `Allocation` refuse an over-spent line whatever happens. What a write may do to a line (amounts,
years, dates, the line's counters) is decided by the pure rules in budgets.rules, which the spreadsheet import asks
too; this module words the answers for a form. A `reference` makes a write idempotent:
a second write with the same reference on the same line returns the first one and changes nothing.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets import rules as budget_rules
from budgets.formatting import million
from budgets.models import Allocation, AllocationEntry, CapitalType, Disbursement, Source
from budgets.selectors import may_manage
from config.errors import ApplicationError
from config.followups import after_commit
from programmes.models import PlanDocument, Project, SubProject
from provinces.models import AdministrativeUnit
from provinces.viewer import viewer_of

Kind = AllocationEntry.Kind


def _refresh_aggregates(*, unit_id: int | None, year: int | None, reason: str) -> None:
    """The disbursement aggregates of (unit, year) recomputed once the transaction commits (reports owns the task;
    asked once per transaction however many writes ask)."""
    after_commit("reports.aggregates_refresh", unit_id=unit_id, year=year, what="disbursement", reason=reason)


# --- checks ----------------------------------------------------------------------------------------------------------


def check_manage(*, acting_user, unit: AdministrativeUnit) -> None:
    if acting_user is not None and not may_manage(viewer=viewer_of(acting_user), unit=unit):
        raise PermissionDenied(_("Chỉ chuyên viên Sở của tỉnh mới được ghi kế hoạch vốn và giải ngân."))


def check_amount(value, *, field: str = "amount_vnd", allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError(_("Số tiền phải là số đồng nguyên."), field=field)
    problem = budget_rules.amount_problem(value, allow_negative=allow_negative)
    if problem in ("zero", "negative"):
        raise ApplicationError(
            _("Số tiền phải lớn hơn 0.") if not allow_negative else _("Số tiền phải khác 0."), field=field
        )
    if problem == "too_large":
        raise ApplicationError(_("Số tiền quá lớn: hãy kiểm tra lại (đơn vị là đồng)."), field=field)
    return value


def check_text(value, *, field: str, max_length: int, label: str, required: bool = False) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ApplicationError(_("Hãy nhập %(label)s.") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ApplicationError(
            _("%(label)s dài quá %(limit)s ký tự.") % {"label": label.capitalize(), "limit": max_length}, field=field
        )
    return text


def check_fiscal_year(*, fiscal_year, origin_year, project: Project) -> None:
    for name, value in (("fiscal_year", fiscal_year), ("origin_year", origin_year)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApplicationError(_("Năm phải là số nguyên."), field=name)
    programme = project.programme
    if not budget_rules.in_programme(origin_year, start_year=programme.start_year, end_year=programme.end_year):
        raise ApplicationError(
            _("Năm %(year)s nằm ngoài giai đoạn %(code)s của chương trình.") % {"year": origin_year,
                                                                                "code": programme.code},
            field="origin_year" if origin_year != fiscal_year else "fiscal_year",
        )
    if origin_year > fiscal_year:
        raise ApplicationError(_("Năm của nguồn vốn không được sau năm kế hoạch."), field="origin_year")
    if budget_rules.fiscal_year_too_late(fiscal_year, today=timezone.localdate()):
        raise ApplicationError(_("Chỉ ghi được kế hoạch vốn đến năm sau."), field="fiscal_year")


def check_unit_in_year(*, unit: AdministrativeUnit, year: int) -> None:
    if not budget_rules.unit_in_force_during(year, valid_from=unit.valid_from, valid_to=unit.valid_to):
        raise ApplicationError(
            _("%(unit)s không có hiệu lực trong năm %(year)s.") % {"unit": unit.name, "year": year}, field="unit"
        )


def check_legal_basis(
    *, number, date, fiscal_year: int, plan_document: PlanDocument | None, unit
) -> tuple[str, datetime.date]:
    if plan_document is not None:
        chain = {unit.pk, unit.parent_id, unit.parent.parent_id if unit.parent_id else None} - {None}
        if plan_document.unit_id not in chain:
            raise ApplicationError(
                _("Văn bản trong sổ kế hoạch phải của đơn vị này hoặc đơn vị cấp trên."), field="plan_document"
            )
        number = number or plan_document.number
        date = date or plan_document.issued_on
    number = check_text(number, field="legal_basis_number", max_length=100, label=_("số văn bản"), required=True)
    if not isinstance(date, datetime.date):
        raise ApplicationError(_("Hãy nhập ngày của văn bản."), field="legal_basis_date")
    problem = budget_rules.legal_date_problem(date, fiscal_year=fiscal_year, today=timezone.localdate())
    if problem == "future":
        raise ApplicationError(_("Ngày văn bản không được ở tương lai."), field="legal_basis_date")
    if problem == "out_of_range":
        raise ApplicationError(
            _("Ngày văn bản phải từ năm %(first)s đến năm %(last)s.") % {"first": fiscal_year - 1,
                                                                          "last": fiscal_year + 1},
            field="legal_basis_date",
        )
    return number, date


def _check_choices(*, source: str, capital_type: str, kind: str) -> None:
    if source not in Source.values:
        raise ApplicationError(_("Nguồn vốn không hợp lệ."), field="source")
    if capital_type not in CapitalType.values:
        raise ApplicationError(_("Loại vốn không hợp lệ."), field="capital_type")
    if kind not in Kind.values:
        raise ApplicationError(_("Loại bút toán không hợp lệ."), field="kind")


def _check_version(line: Allocation, expected_version: int | None) -> None:
    if expected_version is not None and line.version != expected_version:
        raise ApplicationError(
            _("Dòng kế hoạch vốn này vừa được người khác thay đổi. Hãy tải lại trang rồi nhập lại."), field="version"
        )


# --- lines -----------------------------------------------------------------------------------------------------------


def _line_filter(*, fiscal_year, origin_year, unit, project, subproject, source, capital_type) -> dict:
    return {
        "fiscal_year": fiscal_year, "origin_year": origin_year, "unit": unit, "project": project,
        "subproject": subproject, "source": source, "capital_type": capital_type,
    }


def _line_locked(**keys) -> Allocation | None:
    return Allocation.objects.select_for_update(of=("self",)).filter(**keys).order_by("pk").first()


def _line_get_or_create_locked(**keys) -> Allocation:
    """The line with these keys, created if missing (a concurrent creation is caught by the unique constraint),
    locked for the rest of the transaction."""
    line = _line_locked(**keys)
    if line is not None:
        return line
    try:
        with transaction.atomic():
            Allocation.objects.create(**keys)
    except IntegrityError:
        pass
    return _line_locked(**keys)


def _state(line: Allocation, *, has_original: bool = False) -> budget_rules.LineState:
    return budget_rules.LineState(amount=line.amount_vnd, disbursed=line.disbursed_vnd,
                                  carried_out=line.carried_out_vnd, has_original=has_original)


def _bump(line: Allocation, **deltas: int) -> None:
    """Move the line's counters by `deltas` in SQL and bump its version; refresh the instance."""
    Allocation.objects.filter(pk=line.pk).update(
        **{name: F(name) + delta for name, delta in deltas.items()}, version=F("version") + 1,
        updated_at=timezone.now(),
    )
    line.refresh_from_db(fields=["amount_vnd", "disbursed_vnd", "carried_out_vnd", "version", "updated_at"])
    # The SQL update bypasses save(): write the audit row (who, when, the new counters) explicitly.
    Allocation.history.bulk_history_create([line], update=True)


# --- allocation entries ----------------------------------------------------------------------------------------------


@transaction.atomic
def allocation_entry_record(
    *,
    acting_user,
    fiscal_year: int,
    unit: AdministrativeUnit,
    project: Project,
    source: str,
    capital_type: str,
    kind: str,
    amount_vnd: int,
    legal_basis_number: str = "",
    legal_basis_date: datetime.date | None = None,
    subproject: SubProject | None = None,
    origin_year: int | None = None,
    plan_document: PlanDocument | None = None,
    note: str = "",
    reference: str = "",
    expected_version: int | None = None,
    batch=None,
) -> AllocationEntry:
    """Record one dated entry on a budget line (creating the line for an original or a carry-over).

    * ``original``: the year's own funds (``origin_year`` = ``fiscal_year``); at most one per line; amount > 0.
    * ``adjustment``: a signed change to an existing line (own funds or carried-over funds); the line may not fall
      below what was already disbursed or carried on, nor below 0.
    * ``carry_over``: funds of ``origin_year`` (< ``fiscal_year``) brought into ``fiscal_year``; amount > 0. They
      are drawn from the same line of the year before (same unit, project, sub-project, source, capital type and
      origin year), which must have that much neither disbursed nor already carried on; that line's
      ``carried_out_vnd`` grows by the same amount.

    Legal basis (number and date) is required; a plans-register document fills them when they are blank.
    ``expected_version`` (from a form) rejects an entry based on a stale view of the line.
    """
    _check_choices(source=source, capital_type=capital_type, kind=kind)
    if origin_year is None:
        if kind == Kind.CARRY_OVER:
            raise ApplicationError(_("Chuyển nguồn phải ghi năm của nguồn vốn."), field="origin_year")
        origin_year = fiscal_year
    check_fiscal_year(fiscal_year=fiscal_year, origin_year=origin_year, project=project)
    years = budget_rules.entry_years_problem(kind=kind, fiscal_year=fiscal_year, origin_year=origin_year)
    if years == "carry_over_not_earlier":
        raise ApplicationError(_("Vốn chuyển nguồn phải từ một năm trước năm kế hoạch."), field="origin_year")
    if years == "original_not_own_year":
        raise ApplicationError(
            _("Vốn giao của năm có năm nguồn vốn bằng năm kế hoạch; vốn năm trước ghi là chuyển nguồn."),
            field="origin_year",
        )
    if subproject is not None and subproject.project_id != project.pk:
        raise ApplicationError(_("Tiểu dự án không thuộc dự án đã chọn."), field="subproject")
    amount_vnd = check_amount(amount_vnd, allow_negative=kind == Kind.ADJUSTMENT)
    check_unit_in_year(unit=unit, year=fiscal_year)
    legal_basis_number, legal_basis_date = check_legal_basis(
        number=legal_basis_number, date=legal_basis_date, fiscal_year=fiscal_year, plan_document=plan_document,
        unit=unit,
    )
    note = check_text(note, field="note", max_length=500, label=_("ghi chú"))
    reference = check_text(reference, field="reference", max_length=80, label=_("mã tham chiếu"))
    check_manage(acting_user=acting_user, unit=unit)

    keys = _line_filter(fiscal_year=fiscal_year, origin_year=origin_year, unit=unit, project=project,
                        subproject=subproject, source=source, capital_type=capital_type)
    if kind == Kind.ADJUSTMENT:
        line = _line_locked(**keys)
        if line is None:
            raise ApplicationError(
                _("Chưa có kế hoạch vốn cho dòng này để điều chỉnh: hãy ghi vốn giao (hoặc chuyển nguồn) trước."),
                field="kind",
            )
    else:
        line = _line_get_or_create_locked(**keys)
    if reference:
        existing = line.entries.filter(reference=reference).first()
        if existing is not None:
            return existing
    _check_version(line, expected_version)

    carried_from = _line_locked(**{**keys, "fiscal_year": fiscal_year - 1}) if kind == Kind.CARRY_OVER else None
    problem = budget_rules.entry_problem(
        kind=kind, amount=amount_vnd,
        line=_state(line, has_original=kind == Kind.ORIGINAL and line.entries.filter(kind=Kind.ORIGINAL).exists()),
        source=_state(carried_from) if carried_from is not None else None,
    )
    if problem == "original_exists":
        raise ApplicationError(
            _("Dòng này đã có vốn giao ban đầu; thay đổi sau đó ghi là điều chỉnh."), field="kind"
        )
    if problem == "adjustment_below_used":
        raise ApplicationError(
            _("Điều chỉnh giảm quá mức: dòng này đã giải ngân hoặc chuyển nguồn %(used)s triệu đồng, kế hoạch vốn "
              "còn lại sau điều chỉnh chỉ là %(after)s triệu đồng.")
            % {"used": million(line.disbursed_vnd + line.carried_out_vnd),
               "after": million(line.amount_vnd + amount_vnd)},
            field="amount_vnd",
        )
    if problem == "no_source_line":
        raise ApplicationError(
            _("Năm %(year)s không có dòng kế hoạch vốn tương ứng (nguồn năm %(origin)s) để chuyển nguồn.")
            % {"year": fiscal_year - 1, "origin": origin_year},
            field="origin_year",
        )
    if problem == "carry_over_exceeds_remaining":
        raise ApplicationError(
            _("Số chuyển nguồn vượt phần chưa giải ngân của năm %(year)s (%(remaining)s triệu đồng).")
            % {"year": fiscal_year - 1, "remaining": million(carried_from.remaining_vnd)},
            field="amount_vnd",
        )
    entry = AllocationEntry.objects.create(
        allocation=line, kind=kind, amount_vnd=amount_vnd, carried_from=carried_from,
        legal_basis_number=legal_basis_number, legal_basis_date=legal_basis_date, plan_document=plan_document,
        note=note, reference=reference, batch=batch, recorded_by=acting_user,
    )
    _bump(line, amount_vnd=amount_vnd)
    if carried_from is not None:
        _bump(carried_from, carried_out_vnd=amount_vnd)
    _refresh_aggregates(unit_id=line.unit_id, year=line.fiscal_year, reason="allocation entry")
    return entry


def allocation_adjust(
    *, acting_user, allocation: Allocation, amount_vnd: int, legal_basis_number: str = "",
    legal_basis_date: datetime.date | None = None, plan_document: PlanDocument | None = None, note: str = "",
    expected_version: int | None = None,
) -> AllocationEntry:
    """A signed adjustment to an existing line (the line page's form)."""
    return allocation_entry_record(
        acting_user=acting_user, fiscal_year=allocation.fiscal_year, origin_year=allocation.origin_year,
        unit=allocation.unit, project=allocation.project, subproject=allocation.subproject, source=allocation.source,
        capital_type=allocation.capital_type, kind=Kind.ADJUSTMENT, amount_vnd=amount_vnd,
        legal_basis_number=legal_basis_number, legal_basis_date=legal_basis_date, plan_document=plan_document,
        note=note, expected_version=expected_version,
    )


@transaction.atomic
def allocation_distribute(
    *, acting_user, allocation: Allocation, unit: AdministrativeUnit, amount_vnd: int, legal_basis_number: str = "",
    legal_basis_date: datetime.date | None = None, plan_document: PlanDocument | None = None, note: str = "",
    expected_version: int | None = None,
) -> tuple[AllocationEntry, AllocationEntry]:
    """Hand part of a line down to a unit below its unit (phân bổ cho huyện/xã), without double counting: a
    negative adjustment on `allocation` and, on the lower unit's line with the same project, source, capital type
    and years, an original (if the line is new) or a positive adjustment, in one transaction. The upper unit's
    total (own + below) does not change."""
    check_amount(amount_vnd)
    if unit.pk == allocation.unit_id or allocation.unit_id not in (unit.parent_id,
                                                                   unit.parent.parent_id if unit.parent_id else None):
        raise ApplicationError(_("Chỉ phân bổ được cho đơn vị cấp dưới của đơn vị giữ vốn."), field="unit")
    if allocation.is_carry_over:
        raise ApplicationError(_("Vốn chuyển nguồn được phân bổ bằng bút toán chuyển nguồn của từng đơn vị."),
                               field="allocation")
    check_manage(acting_user=acting_user, unit=allocation.unit)
    check_manage(acting_user=acting_user, unit=unit)
    note = note or _("Phân bổ cho %(unit)s") % {"unit": unit.name}
    taken = allocation_entry_record(
        acting_user=acting_user, fiscal_year=allocation.fiscal_year, origin_year=allocation.origin_year,
        unit=allocation.unit, project=allocation.project, subproject=allocation.subproject,
        source=allocation.source, capital_type=allocation.capital_type, kind=Kind.ADJUSTMENT,
        amount_vnd=-amount_vnd, legal_basis_number=legal_basis_number, legal_basis_date=legal_basis_date,
        plan_document=plan_document, note=note, expected_version=expected_version,
    )
    keys = _line_filter(fiscal_year=allocation.fiscal_year, origin_year=allocation.origin_year, unit=unit,
                        project=allocation.project, subproject=allocation.subproject, source=allocation.source,
                        capital_type=allocation.capital_type)
    existing = Allocation.objects.filter(**keys).first()
    given = allocation_entry_record(
        acting_user=acting_user, **{key: value for key, value in keys.items() if key != "origin_year"},
        kind=Kind.ADJUSTMENT if existing else Kind.ORIGINAL, amount_vnd=amount_vnd,
        legal_basis_number=legal_basis_number or taken.legal_basis_number,
        legal_basis_date=legal_basis_date or taken.legal_basis_date, plan_document=plan_document, note=note,
    )
    allocation.refresh_from_db(fields=["amount_vnd", "disbursed_vnd", "carried_out_vnd", "version", "updated_at"])
    return taken, given


# --- disbursements ---------------------------------------------------------------------------------------------------


@transaction.atomic
def disbursement_record(
    *,
    acting_user,
    allocation: Allocation,
    amount_vnd: int,
    disbursed_on: datetime.date,
    document: str = "",
    note: str = "",
    reference: str = "",
    expected_version: int | None = None,
    batch=None,
    rules: budget_rules.Rules | None = None,
) -> Disbursement:
    """Record a payment against a line on `disbursed_on`.

    The date lies between 1 January of the line's fiscal year and its deadline (budgets/data/rules.json; funds not
    spent by then must be carried over first), and not in the future. The line's total disbursed stays between 0
    and its amount less what was carried on. A negative amount (a recovery or a correction) needs a note.
    """
    amount_vnd = check_amount(amount_vnd, allow_negative=True)
    if not isinstance(disbursed_on, datetime.date):
        raise ApplicationError(_("Hãy nhập ngày giải ngân."), field="disbursed_on")
    rules = rules or budget_rules.load_rules()
    deadline = rules.deadline(fiscal_year=allocation.fiscal_year, origin_year=allocation.origin_year,
                              capital_type=allocation.capital_type)
    when = budget_rules.disbursement_date_problem(disbursed_on, fiscal_year=allocation.fiscal_year,
                                                  deadline=deadline, today=timezone.localdate())
    if when == "future":
        raise ApplicationError(_("Ngày giải ngân không được ở tương lai."), field="disbursed_on")
    if when == "before_year":
        raise ApplicationError(
            _("Ngày giải ngân phải trong năm kế hoạch %(year)s.") % {"year": allocation.fiscal_year},
            field="disbursed_on",
        )
    if when == "after_deadline":
        raise ApplicationError(
            _("Ngày giải ngân sau hạn %(deadline)s của dòng vốn này: phần chưa giải ngân phải được chuyển nguồn "
              "sang năm sau rồi giải ngân trên dòng chuyển nguồn.") % {"deadline": deadline.strftime("%d/%m/%Y")},
            field="disbursed_on",
        )
    document = check_text(document, field="document", max_length=100, label=_("số chứng từ"))
    note = check_text(note, field="note", max_length=500, label=_("ghi chú"), required=amount_vnd < 0)
    reference = check_text(reference, field="reference", max_length=80, label=_("mã tham chiếu"))
    check_manage(acting_user=acting_user, unit=allocation.unit)
    line = Allocation.objects.select_for_update(of=("self",)).get(pk=allocation.pk)
    if reference:
        existing = line.disbursements.filter(reference=reference).first()
        if existing is not None:
            return existing
    _check_version(line, expected_version)
    problem = budget_rules.disbursement_problem(amount=amount_vnd, line=_state(line))
    if problem == "below_zero":
        raise ApplicationError(
            _("Giảm trừ vượt số đã giải ngân (%(disbursed)s triệu đồng).") % {"disbursed": million(line.disbursed_vnd)},
            field="amount_vnd",
        )
    if problem == "over_plan":
        raise ApplicationError(
            _("Vượt kế hoạch vốn: dòng này còn %(remaining)s triệu đồng chưa giải ngân.")
            % {"remaining": million(line.remaining_vnd)},
            field="amount_vnd",
        )
    disbursement = Disbursement.objects.create(
        allocation=line, disbursed_on=disbursed_on, amount_vnd=amount_vnd, document=document, note=note,
        reference=reference, batch=batch, recorded_by=acting_user,
    )
    _bump(line, disbursed_vnd=amount_vnd)
    _refresh_aggregates(unit_id=line.unit_id, year=line.fiscal_year, reason="disbursement")
    allocation.refresh_from_db(fields=["amount_vnd", "disbursed_vnd", "carried_out_vnd", "version", "updated_at"])
    return disbursement


# --- counters --------------------------------------------------------------------------------------------------------


def _sum_of(queryset, field: str = "amount_vnd"):
    return Coalesce(Subquery(queryset.values(field).annotate(total=Sum("amount_vnd")).values("total")[:1]), Value(0))


@transaction.atomic
def allocation_totals_recompute(*, allocation_ids=None) -> int:
    """Rebuild the counters of the given lines (all lines when None) from their entries and disbursements, in one
    UPDATE (set-based; used after a bulk import and as a repair). Returns the number of lines updated."""
    queryset = Allocation.objects.all() if allocation_ids is None else Allocation.objects.filter(
        pk__in=list(allocation_ids)
    )
    _refresh_aggregates(unit_id=None, year=None, reason="budget line totals recomputed")
    return queryset.update(
        amount_vnd=_sum_of(AllocationEntry.objects.filter(allocation=OuterRef("pk")), "allocation"),
        disbursed_vnd=_sum_of(Disbursement.objects.filter(allocation=OuterRef("pk")), "allocation"),
        carried_out_vnd=_sum_of(AllocationEntry.objects.filter(carried_from=OuterRef("pk")), "carried_from"),
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
