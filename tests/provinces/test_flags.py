"""Programme flags: the domain list (ruling 10) loaded by name, and the edit form's permissions."""

import json

import pytest

from provinces.models import AdministrativeUnit
from provinces.services import PROGRAMME_FLAGS_FILE, domain_flags_load, unit_flags_update
from tests.factories import TEST_PASSWORD, DistrictFactory


def test_the_data_file_holds_ruling_10_with_its_source():
    data = json.loads(PROGRAMME_FLAGS_FILE.read_text(encoding="utf-8"))
    assert "353/QĐ-TTg" in data["legal_basis"]
    assert "quangninh.gov.vn" in data["source"]
    assert {entry["province"]: entry["districts"] for entry in data["poor_districts"]} == {
        "Lạng Sơn": ["Bình Gia", "Văn Quan"], "Bắc Kạn": ["Pác Nặm", "Ngân Sơn"], "Hà Tĩnh": [], "Thái Nguyên": [],
    }


def test_domain_flags_are_found_by_name_within_the_province_and_load_idempotently(units):
    pac_nam = DistrictFactory(code="060", name="Huyện Pác Nặm", short_name="Pác Nặm", parent=units["province"])
    ngan_son = DistrictFactory(code="062", name="Huyện Ngân Sơn", short_name="Ngân Sơn", parent=units["province"])
    van_quan = DistrictFactory(code="185", name="Huyện Văn Quan", short_name="Văn Quan", parent=units["other_province"])
    decoy = DistrictFactory(code="999", name="Huyện Văn Quan", short_name="Văn Quan")  # same name, other province
    summary = domain_flags_load()
    assert (summary.flagged, summary.already, summary.missing) == (4, 0, [])
    flagged = set(AdministrativeUnit.objects.filter(is_poor_district=True).values_list("pk", flat=True))
    binh_gia = AdministrativeUnit.objects.get(code="181")
    assert flagged == {pac_nam.pk, ngan_son.pk, van_quan.pk, binh_gia.pk}
    assert decoy.pk not in flagged
    again = domain_flags_load()
    assert (again.flagged, again.already) == (0, 4)


def test_names_not_found_are_reported(units):
    summary = domain_flags_load()
    assert summary.flagged == 1  # only Bình Gia exists in the fixture
    assert summary.missing == ["Văn Quan (Lạng Sơn)", "Pác Nặm (Bắc Kạn)", "Ngân Sơn (Bắc Kạn)"]
    assert "không tìm thấy" in str(summary)


def test_a_flag_that_does_not_fit_the_level_is_refused(people, units):
    from config.errors import ApplicationError

    with pytest.raises(ApplicationError):
        unit_flags_update(unit=units["kim_hy"], flags={"is_poor_district": True}, acting_user=people["staff"])
    unit_flags_update(unit=units["kim_hy"], flags={"is_coastal": True}, acting_user=people["staff"])
    assert AdministrativeUnit.objects.get(pk=units["kim_hy"].pk).is_coastal


# --- the edit form on the unit page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),  # anonymous: to the login page
        ("canbo_nari", 403),  # sees Na Rì, may not change it
        ("lanhdao_bk", 403),  # leadership: read only
        ("canbo_binhgia", 404),  # another province: the unit does not exist for them
        ("so_bk", 302),  # provincial staff: saved, back to the unit page
    ],
)
def test_flags_form_permissions(client, people, units, who, status):
    if who:
        assert client.login(username=who, password=TEST_PASSWORD)
    response = client.post(
        "/units/066/flags/?period=legacy", {"is_poor_district": "on", "is_mountainous": "on"}
    )
    assert response.status_code == status
    na_ri = AdministrativeUnit.objects.get(pk=units["na_ri"].pk)
    if who == "so_bk":
        assert response["Location"] == "/units/066/?period=legacy"
        assert (na_ri.is_poor_district, na_ri.is_mountainous, na_ri.is_coastal) == (True, True, False)
    else:
        assert not (na_ri.is_poor_district or na_ri.is_mountainous)


def test_only_staff_see_the_flags_form(client, people, units):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    assert 'data-testid="flags-form"' not in client.get("/units/066/?period=legacy").content.decode()
    client.login(username="so_bk", password=TEST_PASSWORD)
    html = client.get("/units/066/?period=legacy").content.decode()
    assert 'data-testid="flags-form"' in html
    assert "Huyện nghèo" in html
    assert "Xã bãi ngang" not in html.split('data-testid="flags-form"')[1].split("</form>")[0]  # not for a district


def test_unticking_clears_a_flag(client, people, units):
    AdministrativeUnit.objects.filter(pk=units["na_ri"].pk).update(is_poor_district=True)
    client.login(username="so_bk", password=TEST_PASSWORD)
    client.post("/units/066/flags/?period=legacy", {})
    assert not AdministrativeUnit.objects.get(pk=units["na_ri"].pk).is_poor_district
