"""Allocation entries, adjustments, carry-over and disbursements through the services: validation at the
boundaries, scope (403 and nothing changed), optimistic versions, idempotent references, exact counters."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from budgets.models import Allocation, AllocationEntry, Disbursement
from budgets.selectors import disbursement_progress
from budgets.services import allocation_adjust, allocation_entry_record, allocation_totals_recompute
from config.errors import ApplicationError
from tests.budgets.conftest import M, allocate, disburse, project

D = datetime.date


def counts():
    return Allocation.objects.count(), AllocationEntry.objects.count(), Disbursement.objects.count()


def test_an_original_allocation_creates_the_line_with_exact_counters(world):
    entry = allocate(world["province"], 1_234_567_891, user=world["staff"])
    line = entry.allocation
    assert (line.fiscal_year, line.origin_year, line.source, line.capital_type) == (2023, 2023, "central",
                                                                                     "recurrent")
    assert line.amount_vnd == 1_234_567_891 and isinstance(line.amount_vnd, int)
    assert entry.recorded_by == world["staff"] and entry.legal_basis_number == "01/QĐ-UBND"
    with pytest.raises(ApplicationError, match="đã có vốn giao ban đầu"):
        allocate(world["province"], 5 * M, user=world["staff"])
    assert counts() == (1, 1, 0)


def test_adjustments_are_dated_entries_never_overwrites(world):
    line = allocate(world["province"], 100 * M).allocation
    allocation_adjust(acting_user=world["staff"], allocation=line, amount_vnd=25 * M, legal_basis_number="15/QĐ",
                      legal_basis_date=D(2023, 6, 1))
    allocation_adjust(acting_user=world["staff"], allocation=line, amount_vnd=-40 * M, legal_basis_number="30/QĐ",
                      legal_basis_date=D(2023, 9, 1), note="Giảm để điều chuyển")
    line.refresh_from_db()
    assert line.amount_vnd == 85 * M
    assert list(line.entries.order_by("legal_basis_date").values_list("kind", "amount_vnd")) == [
        ("original", 100 * M), ("adjustment", 25 * M), ("adjustment", -40 * M),
    ]
    assert line.version == 4  # created, then three entries


def test_a_reduction_may_go_down_to_what_was_disbursed_and_no_further(world):
    line = allocate(world["province"], 100 * M).allocation
    disburse(line, 60 * M, D(2023, 5, 1))
    with pytest.raises(ApplicationError, match="Điều chỉnh giảm quá mức"):
        allocation_adjust(acting_user=None, allocation=line, amount_vnd=-(40 * M + 1),
                          legal_basis_number="x", legal_basis_date=D(2023, 6, 1))
    allocation_adjust(acting_user=None, allocation=line, amount_vnd=-40 * M, legal_basis_number="x",
                      legal_basis_date=D(2023, 6, 1))
    line.refresh_from_db()
    assert (line.amount_vnd, line.disbursed_vnd, line.remaining_vnd) == (60 * M, 60 * M, 0)


def test_an_adjustment_needs_an_existing_line(world):
    with pytest.raises(ApplicationError, match="Chưa có kế hoạch vốn"):
        allocate(world["province"], 10 * M, kind="adjustment")
    assert counts() == (0, 0, 0)


def test_carry_over_takes_the_unspent_funds_into_the_next_year(world):
    line_2022 = allocate(world["province"], 100 * M, year=2022, capital="investment").allocation
    disburse(line_2022, 70 * M, D(2022, 11, 30))
    with pytest.raises(ApplicationError, match="vượt phần chưa giải ngân"):
        allocate(world["province"], 30 * M + 1, year=2023, origin=2022, kind="carry_over", capital="investment")
    carried = allocate(world["province"], 30 * M, year=2023, origin=2022, kind="carry_over", capital="investment",
                       number="Nghị quyết 04/NQ-HĐND")
    line_2022.refresh_from_db()
    assert line_2022.carried_out_vnd == 30 * M and line_2022.remaining_vnd == 0
    assert carried.carried_from == line_2022
    assert carried.allocation.is_carry_over and carried.allocation.amount_vnd == 30 * M
    own_2023 = allocate(world["province"], 200 * M, year=2023, capital="investment").allocation
    assert own_2023 != carried.allocation
    disburse(carried.allocation, 30 * M, D(2023, 4, 1))
    disburse(own_2023, 62 * M, D(2023, 4, 1))
    progress_2023 = disbursement_progress(unit=world["province"], year=2023, today=D(2023, 12, 1))
    assert progress_2023.total.allocated == 200 * M  # carried funds are never counted as the year's allocation
    assert progress_2023.total.carried_over == 30 * M
    assert progress_2023.total.disbursed == 92 * M
    assert str(progress_2023.total.rate) == "40.00"  # 92 / (200 + 30)
    progress_2022 = disbursement_progress(unit=world["province"], year=2022, today=D(2023, 12, 1))
    assert (progress_2022.total.allocated, progress_2022.total.carried_out, progress_2022.total.rate) == (
        100 * M, 30 * M, 70)
    assert progress_2022.flags == []  # nothing left on the 2022 line: disbursed or carried over
    # Over the two years each đồng is allocated once: 100 + 200, not 100 + 30 + 200.
    assert progress_2022.total.allocated + progress_2023.total.allocated == 300 * M


def test_carry_over_needs_the_line_of_the_year_before(world):
    with pytest.raises(ApplicationError, match="không có dòng kế hoạch vốn tương ứng"):
        allocate(world["province"], 5 * M, year=2023, origin=2022, kind="carry_over")
    with pytest.raises(ApplicationError, match="năm trước năm kế hoạch"):
        allocate(world["province"], 5 * M, year=2023, origin=2023, kind="carry_over")
    assert counts() == (0, 0, 0)


def test_funds_carried_twice_keep_their_origin_year(world):
    line_2022 = allocate(world["province"], 100 * M, year=2022).allocation
    into_2023 = allocate(world["province"], 100 * M, year=2023, origin=2022, kind="carry_over").allocation
    disburse(into_2023, 40 * M, D(2023, 6, 1))
    into_2024 = allocate(world["province"], 60 * M, year=2024, origin=2022, kind="carry_over",
                         date=D(2024, 1, 5)).allocation
    into_2023.refresh_from_db()
    line_2022.refresh_from_db()
    assert (into_2024.fiscal_year, into_2024.origin_year, into_2024.amount_vnd) == (2024, 2022, 60 * M)
    assert into_2023.carried_out_vnd == 60 * M and line_2022.carried_out_vnd == 100 * M


@pytest.mark.parametrize(
    ("_case", "amount", "on", "note", "message"),
    [
        ("one đồng over the plan", 100 * M + 1, D(2023, 5, 1), "", "Vượt kế hoạch vốn"),
        ("before the fiscal year", 1 * M, D(2022, 12, 31), "", "trong năm kế hoạch 2023"),
        ("after the deadline", 1 * M, D(2024, 1, 1), "", "sau hạn 31/12/2023"),
        ("in the future", 1 * M, datetime.date.today() + datetime.timedelta(days=400), "", "tương lai"),
        ("a recovery without a reason", -1 * M, D(2023, 5, 1), "", "Hãy nhập ghi chú"),
        ("a recovery larger than what was paid", -(10 * M + 1), D(2023, 5, 1), "Thu hồi", "Giảm trừ vượt"),
        ("zero", 0, D(2023, 5, 1), "", "khác 0"),
    ],
)
def test_disbursement_checks(world, _case, amount, on, note, message):
    line = allocate(world["province"], 100 * M).allocation
    disburse(line, 10 * M, D(2023, 3, 1))
    with pytest.raises(ApplicationError, match=message):
        disburse(line, amount, on, note=note)
    line.refresh_from_db()
    assert line.disbursed_vnd == 10 * M and Disbursement.objects.count() == 1


def test_disbursement_boundaries_are_allowed(world):
    line = allocate(world["province"], 100 * M).allocation
    disburse(line, 100 * M, D(2023, 12, 31))  # all of it, on the deadline
    disburse(line, -100 * M, D(2023, 12, 31), note="Thu hồi do chứng từ sai")
    line.refresh_from_db()
    assert line.disbursed_vnd == 0 and line.disbursements.count() == 2


def test_a_stale_version_is_refused(world):
    line = allocate(world["province"], 100 * M).allocation
    version = line.version
    disburse(line, 1 * M, D(2023, 3, 1), expected_version=version)  # bumps the version
    with pytest.raises(ApplicationError, match="vừa được người khác thay đổi"):
        disburse(line, 1 * M, D(2023, 3, 2), expected_version=version)
    with pytest.raises(ApplicationError, match="vừa được người khác thay đổi"):
        allocation_adjust(acting_user=None, allocation=line, amount_vnd=M, legal_basis_number="x",
                          legal_basis_date=D(2023, 6, 1), expected_version=version)
    assert Disbursement.objects.count() == 1


def test_a_reference_makes_writes_idempotent(world):
    first = allocate(world["province"], 100 * M, reference="ext-1")
    again = allocate(world["province"], 100 * M, reference="ext-1")
    assert first.pk == again.pk
    paid = disburse(first.allocation, 5 * M, D(2023, 3, 1), reference="ct-1")
    assert disburse(first.allocation, 5 * M, D(2023, 3, 1), reference="ct-1").pk == paid.pk
    first.allocation.refresh_from_db()
    assert first.allocation.disbursed_vnd == 5 * M and counts() == (1, 1, 1)


@pytest.mark.parametrize("who", ["officer", "officer_sibling", "officer_other", "leader", "staff_ls"])
def test_only_the_provinces_staff_write(world, who):
    line = allocate(world["na_ri"], 100 * M, user=world["staff"]).allocation  # staff of 06 write in Na Rì
    before = counts()
    with pytest.raises(PermissionDenied):
        allocate(world["na_ri"], 5 * M, code="DA3.1", user=world[who])
    with pytest.raises(PermissionDenied):
        disburse(line, 5 * M, D(2023, 3, 1), user=world[who])
    with pytest.raises(PermissionDenied):
        allocation_adjust(acting_user=world[who], allocation=line, amount_vnd=M, legal_basis_number="x",
                          legal_basis_date=D(2023, 6, 1))
    assert counts() == before
    line.refresh_from_db()
    assert (line.amount_vnd, line.disbursed_vnd) == (100 * M, 0)


@pytest.mark.parametrize(
    ("_case", "changes", "field"),
    [
        ("a sub-project of another project", {"code": "DA3.1", "subproject_of": "DA4.1"}, "subproject"),
        ("an unknown source", {"source": "bank"}, "source"),
        ("a negative original", {"amount": -5 * M}, "amount_vnd"),
        ("a fraction of a đồng", {"amount": 1.5}, "amount_vnd"),
        ("no legal basis", {"number": ""}, "legal_basis_number"),
        ("a decision dated two years early", {"date": D(2021, 6, 1)}, "legal_basis_date"),
        ("a year outside the programme", {"year": 2020}, "fiscal_year"),
    ],
)
def test_invalid_allocations_name_the_field(world, _case, changes, field):
    changes = dict(changes)
    if "subproject_of" in changes:
        project_, _ = project(changes.pop("code"))
        _, other = project(changes.pop("subproject_of"))
        with pytest.raises(ApplicationError) as error:
            allocation_entry_record(acting_user=None, fiscal_year=2023, unit=world["province"], project=project_,
                                    subproject=other, source="central", capital_type="recurrent", kind="original",
                                    amount_vnd=M, legal_basis_number="1", legal_basis_date=D(2023, 1, 1))
    else:
        amount = changes.pop("amount", 10 * M)
        with pytest.raises(ApplicationError) as error:
            allocate(world["province"], amount, **changes)
    assert error.value.field == field
    assert counts() == (0, 0, 0)


def test_the_database_refuses_an_overspent_line_whatever_the_code_path(world):
    line = allocate(world["province"], 100 * M).allocation
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=line.pk).update(disbursed_vnd=100 * M + 1)


def test_counters_equal_the_entries_after_a_recompute(world):
    line = allocate(world["province"], 100 * M).allocation
    allocation_adjust(acting_user=None, allocation=line, amount_vnd=-7, legal_basis_number="x",
                      legal_basis_date=D(2023, 6, 1))
    disburse(line, 33_333_333, D(2023, 4, 1))
    snapshot = Allocation.objects.values_list("amount_vnd", "disbursed_vnd", "carried_out_vnd").get()
    Allocation.objects.update(amount_vnd=0, disbursed_vnd=0)  # wreck them
    assert allocation_totals_recompute() == 1
    assert Allocation.objects.values_list("amount_vnd", "disbursed_vnd", "carried_out_vnd").get() == snapshot
    assert snapshot == (100 * M - 7, 33_333_333, 0)
