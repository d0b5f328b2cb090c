"""budgets_demo_create(): the published figures, exactly, and idempotent."""

import pytest

from budgets.demo import budgets_demo_create, split
from budgets.models import Allocation, AllocationEntry, Disbursement
from budgets.selectors import budget_unit, disbursement_progress, totals_by_source_sql
from budgets.services import allocation_totals_recompute
from tests.factories import ProvinceFactory

M = 1_000_000


@pytest.fixture
def four_provinces(world):
    ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", short_name="Thái Nguyên")
    ProvinceFactory(code="42", name="Tỉnh Hà Tĩnh", short_name="Hà Tĩnh")
    return world


def table_counts():
    return Allocation.objects.count(), AllocationEntry.objects.count(), Disbursement.objects.count()


def test_split_is_exact():
    assert split(10_048, [4, 1, 2]) == [5742, 1435, 2871]
    assert sum(split(334_913, [55, 45])) == 334_913


def test_the_published_figures(four_provinces):
    summary = budgets_demo_create()
    assert summary.provinces == ["Lạng Sơn", "Thái Nguyên", "Bắc Kạn", "Hà Tĩnh"] and summary.skipped == []

    def progress(code, year):
        return disbursement_progress(unit=budget_unit(code=code, year=year), year=year)

    lang_son = progress("20", 2023)
    assert lang_son.total.allocated == 344_961 * M
    assert (lang_son.by_source["central"].allocated, lang_son.by_source["local"].allocated) == (334_913 * M,
                                                                                                10_048 * M)
    assert [row.project.code for row in lang_son.by_project] == [f"DA{n}" for n in range(1, 8)]
    assert 0 < lang_son.total.disbursed < lang_son.total.allocated
    assert sum(1 for row in lang_son.by_month if row.disbursed) >= 9  # a monthly history
    # Adjustments are part of the story, and the published totals still hold.
    assert AllocationEntry.objects.filter(kind="adjustment", allocation__unit__code="20").count() == 2

    thai_nguyen = [progress("19", year) for year in (2021, 2022, 2023)]
    assert sum(p.total.allocated for p in thai_nguyen) == 117_325 * M
    assert sum(p.by_source["central"].allocated for p in thai_nguyen) == 108_779 * M
    assert sum(p.by_source["local"].allocated for p in thai_nguyen) == 8_546 * M

    bac_kan = [progress("06", year) for year in range(2021, 2026)]
    central = sum(p.by_source["central"].allocated for p in bac_kan)
    assert central > 473_000 * M
    assert all(p.by_source["local"].allocated == 0 for p in bac_kan)
    assert budget_unit(code="06", year=2025) == four_provinces["province"]  # legacy Bắc Kạn's 2025 budget
    assert any(row.unit.code == "066" for row in bac_kan[2].by_unit)  # Na Rì's officer has something to read

    ha_tinh_2023 = progress("42", 2023)
    assert ha_tinh_2023.total.carried_over > 0
    carried = Allocation.objects.filter(unit__code="42", fiscal_year=2023, origin_year=2022)
    assert carried.exists() and all(line.entries.get().kind == "carry_over" for line in carried)
    assert progress("42", 2022).total.carried_out == ha_tinh_2023.total.carried_over

    sql = totals_by_source_sql(unit=budget_unit(code="20", year=2023), year=2023)
    assert sql["central"]["allocated"] == 334_913 * M and sql["local"]["allocated"] == 10_048 * M


def test_the_demo_is_idempotent(world):
    budgets_demo_create()
    before = table_counts()
    counters = list(Allocation.objects.order_by("pk").values_list("amount_vnd", "disbursed_vnd", "carried_out_vnd"))
    again = budgets_demo_create()
    assert table_counts() == before
    assert (again.entries, again.disbursements) == (0, 0)
    assert again.skipped == ["Thái Nguyên (19)", "Hà Tĩnh (42)"]
    allocation_totals_recompute()
    assert list(Allocation.objects.order_by("pk").values_list("amount_vnd", "disbursed_vnd",
                                                              "carried_out_vnd")) == counters
