"""One test with the real reference data: the whole loader, the counts of the issue, the 2025 links via the API."""

import time

from django.db.models import Count

from provinces.models import AdministrativeUnit, UnitSuccession, end_of_year
from provinces.selectors import figures_to_current, units_in_force
from provinces.services import LoadSummary, domain_flags_load, units_reference_load
from tests.factories import TEST_PASSWORD


def by_level(year: int) -> dict[str, int]:
    return dict(units_in_force(on=end_of_year(year)).values_list("level").annotate(n=Count("pk")))


def test_units_reference_load_for_real(client, django_user_model):
    started = time.monotonic()
    first = units_reference_load()
    first_seconds = time.monotonic() - started
    assert first.created == 63 + 696 + 10_035 + 34 + 3_321
    assert by_level(2024) == {"province": 63, "district": 696, "commune": 10_035}
    assert by_level(2026) == {"province": 34, "commune": 3_321}
    assert units_in_force(on=end_of_year(2024)).filter(parent__code="06", level="district").count() == 8

    django_user_model.objects.create_superuser("root", password=TEST_PASSWORD)
    client.login(username="root", password=TEST_PASSWORD)
    kim_hy = client.get("/api/v1/units/02146/", {"year": 2024}).json()
    assert kim_hy["name"] == "Xã Kim Hỷ"
    assert kim_hy["parent"] == {"code": "066", "name": "Huyện Na Rì"}
    assert {"code": "02143", "name": "Xã Văn Lang", "default": True} in kim_hy["successors"]
    van_lang = client.get("/api/v1/units/02143/", {"year": 2026}).json()
    assert van_lang["parent"]["code"] == "19"
    assert "02146" in {p["code"] for p in van_lang["predecessors"]}
    assert client.get("/api/v1/units/", {"q": "bac kan", "level": "province", "year": 2024}).json()["count"] == 1

    # Every legacy commune of Bắc Kạn maps into the 2025 Thái Nguyên, and the count is conserved.
    communes = units_in_force(on=end_of_year(2024)).filter(parent__parent__code="06")
    figures = {pk: 1 for pk in communes.values_list("pk", flat=True)}
    current = figures_to_current(figures=figures)
    assert sum(current.values()) == len(figures) == 108
    assert set(AdministrativeUnit.objects.filter(pk__in=current).values_list("parent__code", flat=True)) == {"19"}

    flags = domain_flags_load()
    assert (flags.flagged, flags.missing) == (4, [])
    assert sorted(AdministrativeUnit.objects.filter(is_poor_district=True).values_list("code", "short_name")) == [
        ("060", "Pác Nặm"), ("062", "Ngân Sơn"), ("181", "Bình Gia"), ("184", "Văn Quan"),
    ]

    links = UnitSuccession.objects.count()
    started = time.monotonic()
    assert units_reference_load() == LoadSummary(0, 0, 0, 0)
    second_seconds = time.monotonic() - started
    assert UnitSuccession.objects.count() == links
    assert domain_flags_load().flagged == 0
    print(f"units_reference_load: first {first_seconds:.1f} s, second {second_seconds:.1f} s")
