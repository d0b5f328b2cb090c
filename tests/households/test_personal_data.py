"""Personal data: masked for leadership everywhere, ID numbers only on the household page, every look recorded,
and the audit history of households and reviews on the household page for provincial staff."""

import pytest

from households.models import Household, PersonalDataAccess
from households.personal_data import personal_data_access_record
from households.services import household_upsert
from tests.factories import TEST_PASSWORD, ProfileFactory
from tests.households.factories import record

ID_NUMBER = "006090001234"  # Nguyễn Văn An's, in the registry fixture


def login(client, username):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def detail(household) -> str:
    return f"/households/{household.pk}/"


# --- masking and where ID numbers appear --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["canbo_nari", "so_bk", "lanhdao_bk"])
def test_id_numbers_never_leave_the_household_page(client, registry, username):
    login(client, username)
    for path in ("/households/?year=2024", "/api/v1/reviews/?year=2024", "/api/v1/reviews/?year=2023"):
        body = client.get(path).content.decode()
        assert "Kim Hỷ" in body or "02146" in body, path  # the household is listed
        assert ID_NUMBER not in body, (username, path)
    page = client.get(detail(registry["an"])).content.decode()
    assert (ID_NUMBER in page) == (username != "lanhdao_bk")


def test_leadership_sees_no_name_anywhere(client, registry):
    login(client, "lanhdao_bk")
    for path in ("/households/?year=2024", "/api/v1/reviews/?year=2024", detail(registry["an"]),
                 detail(registry["cuong"]), "/households/?year=2024&q=nguyen"):
        body = client.get(path).content.decode()
        for name in ("Nguyễn Văn An", "Trần Văn Cường", "Hoàng Thị Bích", ID_NUMBER):
            assert name not in body, (path, name)
    assert "N*** V** A*" in client.get(detail(registry["an"])).content.decode()


# --- the access log ------------------------------------------------------------------------------------------------


def test_every_household_page_view_is_recorded(client, registry):
    household = registry["an"]
    login(client, "canbo_nari").get(detail(household))
    login(client, "lanhdao_bk").get(detail(household))
    rows = list(PersonalDataAccess.objects.order_by("pk"))
    assert [(row.username, row.role, row.action, row.household_id, row.unit_id) for row in rows] == [
        ("canbo_nari", "district_officer", "household_view", household.pk, household.commune_id),
        ("lanhdao_bk", "leadership", "household_view", household.pk, household.commune_id),
    ]
    assert rows[0].description == "KH-001" and rows[0].at is not None


def test_a_refused_view_is_not_recorded(client, registry):
    response = login(client, "canbo_nari").get(detail(registry["dung"]))  # another province
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_the_log_page_is_scoped_and_for_staff_only(client, registry, units, django_assert_max_num_queries):
    for key in ("an", "cuong", "dung"):
        household = registry[key]
        personal_data_access_record(user=None, action="household_view", unit=household.commune, household=household,
                                    description=f"LOG-{household.code}")
    personal_data_access_record(user=None, action="household_export", unit=units["na_ri"],
                                description="EXPORT-NA-RI", row_count=120)
    login(client, "so_bk")
    with django_assert_max_num_queries(8):
        response = client.get("/households/access-log/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "LOG-KH-001" in body and "LOG-CR-001" in body and "EXPORT-NA-RI" in body
    assert "LOG-BG-001" not in body  # Lạng Sơn's household: not in Bắc Kạn's log
    only = client.get(f"/households/access-log/?household={registry['an'].pk}").content.decode()
    assert "LOG-KH-001" in only and "LOG-CR-001" not in only
    for username in ("canbo_nari", "lanhdao_bk"):
        client.logout()
        assert login(client, username).get("/households/access-log/").status_code == 403


def test_an_administrator_of_the_other_province_sees_only_theirs(client, registry, units):
    ProfileFactory(user__username="quantri_ls", role="admin", unit=units["other_province"])
    for key in ("an", "dung"):
        household = registry[key]
        personal_data_access_record(user=None, action="household_view", unit=household.commune, household=household,
                                    description=f"LOG-{household.code}")
    body = login(client, "quantri_ls").get("/households/access-log/").content.decode()
    assert "LOG-BG-001" in body and "LOG-KH-001" not in body


# --- audit history on the household page --------------------------------------------------------------------------


def test_household_history_shows_who_changed_what(client, registry, people):
    household = registry["an"]
    household_upsert(commune=household.commune, code="KH-001", head_name="Nguyễn Văn Ân", id_number=ID_NUMBER,
                     acting_user=people["staff"])
    assert Household.history.filter(id=household.pk).count() == 2  # created, then renamed
    client.force_login(people["staff"])
    record(household, 2025, "poor")
    page = client.get(detail(household)).content.decode()
    assert 'data-testid="audit-history"' in page
    assert "Nguyễn Văn Ân" in page and "<del>Nguyễn Văn An</del>" in page
    assert "Kết quả rà soát năm 2025" in page
    assert 'data-testid="bulk-note"' in page  # imports are audited by their ImportBatch, said on the page
    client.logout()
    for username in ("canbo_nari", "lanhdao_bk"):
        other = login(client, username).get(detail(household)).content.decode()
        assert 'data-testid="audit-history"' not in other
        assert "<del>" not in other
        client.logout()


def test_history_records_the_user_of_the_request(client, registry, people):
    """A write made during a page request is attributed to the signed-in user (HistoryRequestMiddleware)."""
    from programmes.models import PovertyTarget
    from programmes.services import poverty_target_set

    target = poverty_target_set(unit=registry["an"].commune.parent, year=2024, group="all", entered_as="points",
                                value="1", acting_user=None)
    login(client, "so_bk")
    response = client.post(f"/programmes/targets/{target.pk}/edit/",
                           {"entered_as": "points", "value": "2", "version": target.version})
    assert response.status_code == 302
    latest = PovertyTarget.history.filter(id=target.pk).order_by("-history_date").first()
    assert latest.history_user == people["staff"] and latest.history_type == "~"
    assert str(latest.target_reduction_points) == "2.00"


def test_import_paths_keep_fast_deletes_and_write_no_row_history(registry):
    """Households and reviews are deleted only by the import paths (set-based, audited by their ImportBatch): no
    delete receiver may turn those DELETEs into one history INSERT per row."""
    from django.db.models.deletion import Collector

    from households.models import HouseholdReview

    assert Collector(using="default").can_fast_delete(HouseholdReview.objects.all())
    before = HouseholdReview.history.count()
    HouseholdReview.objects.filter(year=2024).delete()
    assert HouseholdReview.history.count() == before


@pytest.mark.parametrize(("username", "shown"), [("so_bk", True), ("canbo_nari", False), ("lanhdao_bk", False)])
def test_the_list_links_to_the_log_for_staff(client, registry, username, shown):
    body = login(client, username).get("/households/?year=2024").content.decode()
    assert ('data-testid="access-log-link"' in body) == shown
