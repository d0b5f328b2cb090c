"""The reconciliation rule (budgets/selectors.py): a unit's figure is its own lines plus the lines of every unit
below it, each line counted once; province = own + Σ districts; distribution moves money without double counting;
the figures by source, project and unit add up to the total; the line counters agree with SQL sums of the
entries and disbursements."""

import datetime

import pytest

from budgets.selectors import disbursement_progress, totals_by_source_sql
from budgets.services import allocation_distribute
from config.errors import ApplicationError
from tests.budgets.conftest import M, allocate, disburse

D = datetime.date
TODAY = D(2023, 12, 1)


@pytest.fixture
def bac_kan(world):
    """Province 06 own 500 (central) + 20 (local); Na Rì 300 + its commune Kim Hỷ 50; Ba Bể 100 (credit)."""
    lines = {
        "province": allocate(world["province"], 500 * M, code="DA7.1").allocation,
        "province_local": allocate(world["province"], 20 * M, code="DA7.1", source="local").allocation,
        "na_ri": allocate(world["na_ri"], 300 * M, code="DA3.1").allocation,
        "kim_hy": allocate(world["kim_hy"], 50 * M, code="DA3.1").allocation,
        "ba_be": allocate(world["ba_be"], 100 * M, code="DA4.1", source="credit").allocation,
        "lang_son": allocate(world["binh_gia_district"], 999 * M).allocation,  # another province: never included
    }
    disburse(lines["province"], 100 * M, D(2023, 2, 10))
    disburse(lines["na_ri"], 150 * M, D(2023, 5, 10))
    disburse(lines["kim_hy"], 50 * M, D(2023, 5, 20))
    disburse(lines["ba_be"], 25 * M, D(2023, 7, 1))
    return {**world, "lines": lines}


def test_province_is_its_own_lines_plus_its_districts(bac_kan):
    province = disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY)
    na_ri = disbursement_progress(unit=bac_kan["na_ri"], year=2023, today=TODAY)
    ba_be = disbursement_progress(unit=bac_kan["ba_be"], year=2023, today=TODAY)
    assert na_ri.total.allocated == 350 * M  # Na Rì's own 300 + Kim Hỷ's 50
    assert ba_be.total.allocated == 100 * M
    own = {row.unit.code: row.figures for row in province.by_unit}
    assert own["06"].allocated == 520 * M
    assert province.total.allocated == own["06"].allocated + na_ri.total.allocated + ba_be.total.allocated
    assert province.total.allocated == 970 * M
    assert province.total.disbursed == 325 * M
    assert str(province.total.rate) == "33.51"  # 325 / 970
    assert province.line_count == 5


def test_the_breakdowns_add_up_to_the_total(bac_kan):
    progress = disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY)
    for breakdown in (progress.by_source.values(), progress.by_capital_type.values(),
                      [row.figures for row in progress.by_project], [row.figures for row in progress.by_unit]):
        figures = list(breakdown)
        assert sum(f.allocated for f in figures) == progress.total.allocated
        assert sum(f.disbursed for f in figures) == progress.total.disbursed
    assert progress.by_source["credit"].allocated == 100 * M
    assert [row.unit.code for row in progress.by_unit] == ["06", "061", "066"]  # own first, then districts
    for row in progress.by_project:
        assert sum(f.allocated for f in row.by_source.values()) == row.figures.allocated


def test_line_counters_agree_with_sql_sums_of_the_entries(bac_kan):
    progress = disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY)
    sql = totals_by_source_sql(unit=bac_kan["province"], year=2023)
    for source, figures in progress.by_source.items():
        assert (figures.allocated, figures.disbursed) == (sql[source]["allocated"], sql[source]["disbursed"])


def test_distribution_moves_money_down_without_double_counting(bac_kan):
    line = bac_kan["lines"]["province"]
    before = disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY)
    taken, given = allocation_distribute(
        acting_user=bac_kan["staff"], allocation=line, unit=bac_kan["na_ri"], amount_vnd=150 * M,
        legal_basis_number="25/QĐ-UBND", legal_basis_date=D(2023, 4, 1),
    )
    assert (taken.kind, taken.amount_vnd) == ("adjustment", -150 * M)
    assert (given.kind, given.amount_vnd, given.allocation.unit) == ("original", 150 * M, bac_kan["na_ri"])
    after = disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY)
    assert after.total.allocated == before.total.allocated  # the province total does not change
    own = {row.unit.code: row.figures.allocated for row in after.by_unit}
    assert own == {"06": 370 * M, "066": 500 * M, "061": 100 * M}
    # A second distribution to the same district adds to its line.
    allocation_distribute(acting_user=bac_kan["staff"], allocation=line, unit=bac_kan["kim_hy"], amount_vnd=10 * M,
                          legal_basis_number="26/QĐ-UBND", legal_basis_date=D(2023, 4, 2))
    assert disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY).total.allocated == 970 * M


def test_distribution_cannot_hand_down_what_was_already_spent(bac_kan):
    line = bac_kan["lines"]["province"]  # 500, of which 100 disbursed
    with pytest.raises(ApplicationError):
        allocation_distribute(acting_user=bac_kan["staff"], allocation=line, unit=bac_kan["na_ri"],
                              amount_vnd=400 * M + 1, legal_basis_number="x", legal_basis_date=D(2023, 4, 1))
    with pytest.raises(ApplicationError, match="cấp dưới"):
        allocation_distribute(acting_user=bac_kan["staff"], allocation=line, unit=bac_kan["binh_gia_district"],
                              amount_vnd=M, legal_basis_number="x", legal_basis_date=D(2023, 4, 1))
    assert disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY).total.allocated == 970 * M


def test_monthly_cumulative_disbursement_and_plan(bac_kan):
    progress = disbursement_progress(unit=bac_kan["province"], year=2023, today=D(2023, 6, 15))
    months = {row.month: row for row in progress.by_month}
    assert months[2].disbursed == 100 * M and months[5].disbursed == 200 * M and months[7].disbursed == 25 * M
    assert months[12].cumulative == 325 * M == progress.total.disbursed
    assert months[6].plan_cumulative == 970 * M * 35 // 100
    assert months[12].plan_cumulative == 970 * M
    assert months[7].is_future and not months[6].is_future


def test_flags_on_the_overview(bac_kan):
    # 30/6: plan 35%, threshold 10 → behind below 25%. Province 100/500 = 20% behind; Ba Bể 25/100 = 25% not;
    # Na Rì 150/300 fine; the local line (0/20) behind.
    progress = disbursement_progress(unit=bac_kan["province"], year=2023, today=D(2023, 6, 30))
    behind = {(flag.allocation.unit.code, flag.allocation.source) for flag in progress.behind}
    assert behind == {("06", "central"), ("06", "local")}
    after = disbursement_progress(unit=bac_kan["province"], year=2023, today=D(2024, 1, 1))
    assert {flag.allocation.unit.code for flag in after.overdue} == {"06", "066", "061"}
    assert {flag.allocation.unit.code for flag in after.flags} == {"06", "066", "061"}  # Kim Hỷ's line is done


def test_counterpart_on_the_province(bac_kan):
    progress = disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY)
    # own-year central 500 + 300 + 50 = 850; local 20 → 2.35% < 3%
    assert (progress.counterpart.central, progress.counterpart.local) == (850 * M, 20 * M)
    assert str(progress.counterpart.ratio) == "2.35" and progress.counterpart.is_below
    allocate(bac_kan["na_ri"], 5_500_000, code="DA3.1", source="local")  # 25.5 / 850 = 3.00% exactly
    progress = disbursement_progress(unit=bac_kan["province"], year=2023, today=TODAY)
    assert progress.counterpart.local * 100 == 3 * progress.counterpart.central
    assert not progress.counterpart.is_below
