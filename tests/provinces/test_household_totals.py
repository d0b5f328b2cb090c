"""Household totals: the service's checks, and roll-ups that never double-count."""

import pytest
from django.core.exceptions import PermissionDenied

from config.errors import ApplicationError
from provinces.models import HouseholdTotal
from provinces.selectors import household_totals_by_year, household_totals_effective, household_totals_rollup
from provinces.services import household_total_set


def put(unit, year, total):
    return household_total_set(unit=unit, year=year, total=total, note="test", acting_user=None)


def test_staff_set_a_total_with_its_source(people, units):
    row = household_total_set(
        unit=units["kim_hy"], year=2023, total=1_234, note="Niên giám thống kê 2023", acting_user=people["staff"]
    )
    assert (row.total_households, row.source, row.source_note, row.updated_by) == (
        1_234, HouseholdTotal.Source.ENTERED, "Niên giám thống kê 2023", people["staff"],
    )
    # Setting it again replaces that year's figure, never duplicates it.
    household_total_set(unit=units["kim_hy"], year=2023, total=1_240, acting_user=people["staff"])
    assert HouseholdTotal.objects.get(unit=units["kim_hy"], year=2023).total_households == 1_240
    assert HouseholdTotal.objects.count() == 1


@pytest.mark.parametrize(
    ("_case", "year", "total", "field"),
    [
        ("negative", 2023, -1, "total"),
        ("not an integer", 2023, 12.5, "total"),
        ("text", 2023, "100", "total"),
        ("boolean", 2023, True, "total"),
        ("absurd", 2023, 10**9, "total"),
        ("legacy unit after 2025", 2025, 100, "year"),
        ("year out of range", 1990, 100, "year"),
    ],
)
def test_bad_totals_are_refused(people, units, _case, year, total, field):
    with pytest.raises(ApplicationError) as error:
        household_total_set(unit=units["kim_hy"], year=year, total=total, acting_user=people["staff"])
    assert error.value.field == field
    assert not HouseholdTotal.objects.exists()


def test_zero_is_a_valid_total(people, units):
    assert household_total_set(unit=units["kim_hy"], year=2023, total=0, acting_user=people["staff"]).pk


def test_a_unit_of_the_2025_lists_takes_totals_from_2025(reorg):
    assert put(reorg["van_lang"], 2025, 3_000).pk
    with pytest.raises(ApplicationError):
        put(reorg["van_lang"], 2024, 3_000)


@pytest.mark.parametrize("who", ["officer", "leader", "officer_other"])
def test_only_provincial_staff_of_the_province_may_set_totals(people, units, who):
    with pytest.raises(PermissionDenied):
        household_total_set(unit=units["kim_hy"], year=2023, total=10, acting_user=people[who])
    assert not HouseholdTotal.objects.exists()


def test_staff_of_another_province_may_not_set_totals(people, units):
    with pytest.raises(PermissionDenied):
        household_total_set(unit=units["binh_gia"], year=2023, total=10, acting_user=people["staff"])


# --- roll-ups ------------------------------------------------------------------------------------------------


def test_district_with_commune_figures_sums_them_and_ignores_its_own(units):
    put(units["kim_hy"], 2023, 1_000)
    put(units["yen_lac"], 2023, 2_500)
    put(units["na_ri"], 2023, 10_060)  # a district figure beside complete commune figures: shown, not added
    assert household_totals_rollup(unit=units["na_ri"], year=2023) == 3_500
    detail = household_totals_effective(units=[units["na_ri"]], year=2023)[units["na_ri"].pk]
    assert (detail.basis, detail.own, detail.children_count, detail.children_with_total) == ("children", 10_060, 2, 2)


def test_district_without_commune_figures_uses_its_own(units):
    put(units["na_ri"], 2023, 10_060)
    assert household_totals_rollup(unit=units["na_ri"], year=2023) == 10_060


def test_district_with_some_commune_figures_uses_its_own_not_a_partial_sum(units):
    put(units["kim_hy"], 2023, 1_000)
    put(units["na_ri"], 2023, 10_060)
    detail = household_totals_effective(units=[units["na_ri"]], year=2023)[units["na_ri"].pk]
    assert (detail.total, detail.basis, detail.children_with_total, detail.children_sum) == (10_060, "own", 1, 1_000)


def test_incomplete_figures_without_a_unit_figure_are_unknown_never_zero(units):
    put(units["kim_hy"], 2023, 1_000)
    assert household_totals_rollup(unit=units["na_ri"], year=2023) is None
    assert household_totals_rollup(unit=units["ba_be"], year=2023) is None


def test_province_sums_its_districts_effective_totals(units):
    put(units["kim_hy"], 2023, 1_000)
    put(units["yen_lac"], 2023, 2_500)  # Na Rì: 3,500 from its communes
    put(units["ba_be"], 2023, 9_000)  # Ba Bể: its own figure (no commune figures)
    put(units["province"], 2023, 82_250)  # the province's own figure is not added
    assert household_totals_rollup(unit=units["province"], year=2023) == 12_500


def test_province_falls_back_to_its_own_figure(units):
    put(units["province"], 2023, 82_250)
    assert household_totals_rollup(unit=units["province"], year=2023) == 82_250
    put(units["ba_be"], 2023, 9_000)  # one district of two: still the province's own figure
    assert household_totals_rollup(unit=units["province"], year=2023) == 82_250


def test_each_household_is_counted_once_whatever_is_entered(units):
    """Commune, district and province figures all present: the total is the communes' sum."""
    for unit, total in [
        (units["kim_hy"], 100), (units["yen_lac"], 200), (units["cho_ra"], 300),
        (units["na_ri"], 999), (units["ba_be"], 999), (units["province"], 9_999),
    ]:
        put(unit, 2023, total)
    assert household_totals_rollup(unit=units["province"], year=2023) == 600


def test_after_2025_a_province_sums_its_communes(reorg):
    put(reorg["van_lang"], 2025, 3_000)
    put(reorg["na_ri_new"], 2025, 2_000)
    assert household_totals_rollup(unit=reorg["thai_nguyen"], year=2025) is None  # Chợ Rã missing, no own figure
    put(reorg["cho_ra_new"], 2025, 1_000)
    assert household_totals_rollup(unit=reorg["thai_nguyen"], year=2025) == 6_000


def test_rollups_for_many_units_and_years_take_three_queries(units, django_assert_num_queries):
    put(units["kim_hy"], 2022, 1_000)
    put(units["yen_lac"], 2022, 2_000)
    put(units["na_ri"], 2023, 10_060)
    with django_assert_num_queries(3):
        table = household_totals_by_year(
            units=[units["province"], units["na_ri"], units["ba_be"], units["other_province"]], years=[2022, 2023]
        )
    assert table[2022][units["na_ri"].pk].total == 3_000
    assert table[2023][units["na_ri"].pk].total == 10_060
    assert table[2022][units["province"].pk].total is None  # Ba Bể has nothing
    assert table[2023][units["other_province"].pk].total is None
