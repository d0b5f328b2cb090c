"""`poverty_counts`: totals from provinces.HouseholdTotal, counts from the periodic reviews, by group, in a fixed
number of queries."""

from decimal import Decimal as D

import pytest

from households.models import HouseholdReview
from programmes.groups import HouseholdGroup
from programmes.models import HouseholdGroupTotal
from programmes.selectors import poverty_counts, poverty_counts_for_units
from tests.programmes.conftest import add_reviews, set_total
from tests.provinces.conftest import add_communes


@pytest.fixture
def bac_kan_2022(units, standard):
    """Na Rì 20% (kim_hy 300 poor of 1,000, 100 of them ethnic minority; yen_lac 100 of 1,000); Ba Bể 10%
    (cho_ra 200 of 2,000). Ba Bể is a poor district, Chợ Rã an extremely difficult commune."""
    units["ba_be"].is_poor_district = True
    units["ba_be"].save()
    units["cho_ra"].is_extremely_difficult = True
    units["cho_ra"].save()
    for commune, total in (("kim_hy", 1000), ("yen_lac", 1000), ("cho_ra", 2000)):
        set_total(units[commune], 2022, total)
    add_reviews(units["kim_hy"], 2022, poor=300, near_poor=50, ethnic_minority_poor=100)
    add_reviews(units["yen_lac"], 2022, poor=100, near_poor=30)
    add_reviews(units["cho_ra"], 2022, poor=200, near_poor=20)
    return units


def test_counts_of_a_province_and_a_district(bac_kan_2022):
    units = bac_kan_2022
    province = poverty_counts(unit=units["province"], year=2022)
    assert (province.total_households, province.poor, province.near_poor) == (4000, 600, 100)
    assert province.is_complete and (province.communes_reviewed, province.communes_total) == (3, 3)
    assert (province.poverty_rate, province.near_poverty_rate) == (D("15.00"), D("2.50"))
    na_ri = poverty_counts(unit=units["na_ri"], year=2022)
    assert (na_ri.total_households, na_ri.poor, na_ri.poverty_rate) == (2000, 400, D("20.00"))
    commune = poverty_counts(unit=units["kim_hy"], year=2022)
    assert (commune.total_households, commune.poor, commune.poverty_rate) == (1000, 300, D("30.00"))


def test_ad_hoc_reviews_do_not_count_in_the_annual_figure(bac_kan_2022, standard):
    units = bac_kan_2022
    review = HouseholdReview.objects.filter(commune=units["kim_hy"], classification="poor").first()
    HouseholdReview.objects.create(
        household=review.household, commune=units["kim_hy"], year=2022, kind=HouseholdReview.Kind.ADHOC,
        review_date="2022-06-01", standard=standard, area="rural", income_per_capita=1, members=1,
        deprivation_count=3, classification="poor",
    )
    assert poverty_counts(unit=units["kim_hy"], year=2022).poor == 300


def test_a_partial_review_is_not_complete_and_has_no_rate(bac_kan_2022):
    units = bac_kan_2022
    add_reviews(units["kim_hy"], 2023, poor=200)
    set_total(units["kim_hy"], 2023, 1000)
    counts = poverty_counts(unit=units["province"], year=2023)
    assert (counts.communes_reviewed, counts.communes_total, counts.is_complete) == (1, 3, False)
    assert counts.poverty_rate is None
    assert counts.total_households is None  # not every commune has a 2023 total: unknown, never a partial sum
    assert (counts.poor, counts.previous_poor_in_reviewed) == (200, 300)


def test_groups(bac_kan_2022):
    units = bac_kan_2022
    poor_district = poverty_counts(unit=units["province"], year=2022, group=HouseholdGroup.POOR_DISTRICT)
    assert (poor_district.total_households, poor_district.poor, poor_district.communes_total) == (2000, 200, 1)
    assert poverty_counts(unit=units["na_ri"], year=2022, group=HouseholdGroup.POOR_DISTRICT) is None
    assert poverty_counts(unit=units["cho_ra"], year=2022, group=HouseholdGroup.POOR_DISTRICT).poor == 200
    high = poverty_counts(unit=units["province"], year=2022, group=HouseholdGroup.HIGH_POVERTY_COMMUNE)
    assert (high.total_households, high.poor) == (2000, 200)
    minority = poverty_counts(unit=units["province"], year=2022, group=HouseholdGroup.ETHNIC_MINORITY)
    assert (minority.poor, minority.total_households, minority.is_complete) == (100, None, True)
    assert minority.poverty_rate is None  # no denominator for ethnic-minority households yet
    HouseholdGroupTotal.objects.create(unit=units["province"], year=2022, group=HouseholdGroup.ETHNIC_MINORITY,
                                       total_households=2000)
    minority = poverty_counts(unit=units["province"], year=2022, group=HouseholdGroup.ETHNIC_MINORITY)
    assert minority.poverty_rate == D("5.00")


def test_query_count_does_not_grow_with_units_or_households(bac_kan_2022, django_assert_num_queries):
    units = bac_kan_2022
    with django_assert_num_queries(5):
        poverty_counts(unit=units["province"], year=2022)
    extra = add_communes(units["na_ri"], 6)
    for commune in extra:
        set_total(commune, 2022, 500)
        add_reviews(commune, 2022, poor=10)
    many = [units["province"], units["na_ri"], units["ba_be"], *extra]
    with django_assert_num_queries(5):
        counts = poverty_counts_for_units(units=many, year=2022)
    assert counts[units["province"].pk].poor == 660 and counts[units["province"].pk].total_households == 7000
    with django_assert_num_queries(6):  # + the entered group totals
        poverty_counts_for_units(units=many, year=2022, group=HouseholdGroup.ETHNIC_MINORITY)
