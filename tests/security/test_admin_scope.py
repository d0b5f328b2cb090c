"""The Django admin and personal data outside the user's scope (docs/access-matrix.md, "The Django admin").

The hostile tester's account: an administrator of Bắc Kạn, flagged staff and superuser as `add_user` used to make
it. Through /admin/ it must not open a Hà Tĩnh household (its page, its history, its review), nor find it by
searching any table; whatever it sees of a household in its own province is in the personal-data access log. No
table holding household names or ID numbers is in the admin, even for the system account, and `add_user` no longer
makes administrators staff or superusers.
"""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command

from config.text import fold
from households.models import HouseholdReview, PersonalDataAccess, PovertyStandard
from provinces.models import Role
from tests.factories import TEST_PASSWORD, CommuneFactory, DistrictFactory, ProfileFactory, ProvinceFactory
from tests.households.factories import HouseholdFactory, record

HA_TINH_NAME = "Phan Thị Hường"
HA_TINH_ID = "042190007788"
PERSONAL_FIELDS = {"head_name", "head_name_search", "id_number"}


@pytest.fixture
def ha_tinh(registry):
    """A household of another province, with a 2024 review."""
    province = ProvinceFactory(code="42", name="Tỉnh Hà Tĩnh", short_name="Hà Tĩnh")
    district = DistrictFactory(code="436", name="Huyện Hương Khê", short_name="Hương Khê", parent=province)
    commune = CommuneFactory(code="18352", name="Xã Hương Thủy", short_name="Hương Thủy", parent=district)
    household = HouseholdFactory(commune=commune, code="HK-001", head_name=HA_TINH_NAME, id_number=HA_TINH_ID)
    record(household, 2024, "poor")
    return household


@pytest.fixture
def quantri(units):
    """The administrator of Bắc Kạn as earlier versions of `add_user` made it: a Django staff superuser."""
    return ProfileFactory(
        user__username="quantri_bk", user__is_staff=True, user__is_superuser=True, role=Role.ADMIN,
        unit=units["province"],
    ).user


def _household_pages(household) -> list[str]:
    """The admin pages that showed one household (its change page, its history, its review's change page)."""
    review = HouseholdReview.objects.filter(household=household).order_by("pk").first()
    return [
        f"/admin/households/household/{household.pk}/change/",
        f"/admin/households/household/{household.pk}/history/",
        f"/admin/households/householdreview/{review.pk}/change/",
    ]


def _changelists() -> list[str]:
    """Every list in the admin: the registered tables', and the household and review lists the tester used."""
    registered = [f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry]
    return sorted({"/admin/households/household/", "/admin/households/householdreview/", *registered})


def _shows(response, *texts: str) -> bool:
    body = response.content.decode("utf-8", errors="replace")
    return any(text in body for text in texts)


def test_scoped_admin_cannot_open_a_household_of_another_province_in_the_admin(client, quantri, ha_tinh):
    client.force_login(quantri)
    for url in _household_pages(ha_tinh):
        response = client.get(url)
        assert response.status_code != 200, url
        assert not _shows(response, HA_TINH_NAME, HA_TINH_ID), url


def test_scoped_admin_cannot_find_a_household_of_another_province_by_admin_search(client, quantri, ha_tinh):
    client.force_login(quantri)
    for url in _changelists():
        for text in (HA_TINH_NAME, fold(HA_TINH_NAME), HA_TINH_ID, ha_tinh.code):
            response = client.get(url, {"q": text})
            # A list echoes its query in the search box: look for the data the query does not already hold.
            assert not _shows(response, *({HA_TINH_NAME, HA_TINH_ID} - {text})), (url, text)


def test_what_the_admin_sees_of_a_household_in_scope_is_in_the_personal_data_log(client, quantri, registry):
    household = registry["an"]  # Kim Hỷ, Na Rì: in Bắc Kạn
    client.force_login(quantri)
    seen = []
    urls = [*_household_pages(household), *_changelists(), f"/households/{household.pk}/"]
    for url in urls:
        logged = PersonalDataAccess.objects.filter(user=quantri, household=household).count()
        response = client.get(url, {"q": fold(household.head_name)} if url in _changelists() else {})
        if _shows(response, household.head_name, household.id_number):
            seen.append(url)
            assert PersonalDataAccess.objects.filter(user=quantri, household=household).count() > logged, url
    assert seen == [f"/households/{household.pk}/"]  # the household page: scoped, logged, the only way in


def test_no_table_with_household_names_or_id_numbers_is_in_the_admin(client, django_user_model, registry):
    for model in admin.site._registry:
        fields = {field.name for field in model._meta.get_fields()}
        assert not fields & PERSONAL_FIELDS, model
        assert model._meta.app_label != "households" or model is PovertyStandard, model
        assert not model.__name__.startswith("Historical"), model  # django-simple-history's tables

    # The system account (a superuser without a profile) keeps the admin, without the registry.
    client.force_login(django_user_model.objects.create_superuser("hethong", password=TEST_PASSWORD))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/households/povertystandard/").status_code == 200
    for url in ["/admin/households/household/", *_household_pages(registry["an"])]:
        assert client.get(url).status_code == 404, url


def test_add_user_gives_administrators_no_django_admin(client, monkeypatch, units, quantri):
    monkeypatch.setenv("NEW_USER_PASSWORD", TEST_PASSWORD)
    for username in ("quantri_moi", quantri.username):  # a new administrator; the earlier superuser, updated
        call_command("add_user", username, "--role", "admin", "--unit", "06", "--year", "2024", stdout=io.StringIO())
        user = type(quantri).objects.get(username=username)
        assert (user.is_staff, user.is_superuser) == (False, False), username
        client.force_login(user)
        assert client.get("/admin/").status_code == 302, username  # to the admin's login page
