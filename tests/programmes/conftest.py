"""Programmes fixtures on top of tests/conftest.py's `units` and `people`.

`registry_rows` writes household totals and periodic reviews straight into the tables the selectors read, so
the tests fix exact counts (the households app's own services are tested there).
"""

import pytest

from households.models import Household, HouseholdReview, PovertyStandard
from programmes.services import programme_structure_load
from provinces.models import HouseholdTotal, Role
from tests.factories import TEST_PASSWORD, ProfileFactory


@pytest.fixture
def structure(db):
    return programme_structure_load()


@pytest.fixture
def standard(db):
    standard, _created = PovertyStandard.objects.get_or_create(
        code="2022-2025", defaults={"name": "Chuẩn nghèo 2022–2025", "data": {}}
    )
    return standard


@pytest.fixture
def lang_son_staff(units):
    return ProfileFactory(user__username="so_ls", role=Role.PROVINCIAL_STAFF, unit=units["other_province"]).user


def login(client, username):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def set_total(unit, year: int, total: int) -> None:
    HouseholdTotal.objects.update_or_create(
        unit=unit, year=year, defaults={"total_households": total, "source": HouseholdTotal.Source.ENTERED}
    )


def add_reviews(commune, year: int, *, poor: int = 0, near_poor: int = 0, other: int = 1,
                ethnic_minority_poor: int = 0, standard=None) -> None:
    """Periodic reviews of `year` in `commune`: `poor` poor households (of which `ethnic_minority_poor` are
    ethnic-minority), `near_poor` near-poor, `other` not poor. Households are numbered within the commune and
    shared across years, so a commune's 2022 and 2023 reviews are of the same households."""
    standard = standard or PovertyStandard.objects.get(code="2022-2025")
    labels = (
        [("poor", n < ethnic_minority_poor) for n in range(poor)]
        + [("near_poor", False)] * near_poor
        + [("not_poor", False)] * other
    )
    codes = [f"{commune.code}-{index:05d}" for index in range(len(labels))]
    Household.objects.bulk_create(
        [
            Household(commune=commune, code=code, head_name="Chủ hộ", is_ethnic_minority=minority)
            for code, (_label, minority) in zip(codes, labels, strict=True)
        ],
        ignore_conflicts=True,
    )
    by_code = {h.code: h for h in Household.objects.filter(commune=commune, code__in=codes)}
    households = [(by_code[code], label) for code, (label, _minority) in zip(codes, labels, strict=True)]
    HouseholdReview.objects.bulk_create(
        HouseholdReview(
            household=household, commune=commune, year=year, kind=HouseholdReview.Kind.PERIODIC, standard=standard,
            area=commune.area, income_per_capita=1_000_000, members=4, deprivation_count=0,
            classification=classification,
        )
        for household, classification in households
    )
