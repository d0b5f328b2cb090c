"""The programmes pages: overview, targets (list, detail, form, cascading), indicators, models, plans.
Scoped reads, staff-only writes (403 and nothing changed), Vietnamese validation, constant query counts."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from programmes.models import Achievement, Indicator, IndicatorTarget, PlanDocument, PovertyModel, PovertyTarget
from programmes.services import (
    achievement_record,
    indicator_target_set,
    plan_document_save,
    poverty_model_save,
    poverty_target_set,
)
from tests.factories import DistrictFactory
from tests.programmes.conftest import add_reviews, login, set_total
from tests.provinces.conftest import add_communes


@pytest.fixture
def world(units, people, standard, structure):
    """Bắc Kạn end of 2022: Na Rì 400 poor of 2,000 (20%), Ba Bể 200 of 2,000 (10%, a poor district)."""
    units["ba_be"].is_poor_district = True
    units["ba_be"].save()
    for commune, total in (("kim_hy", 1000), ("yen_lac", 1000), ("cho_ra", 2000)):
        set_total(units[commune], 2022, total)
    add_reviews(units["kim_hy"], 2022, poor=300)
    add_reviews(units["yen_lac"], 2022, poor=100)
    add_reviews(units["cho_ra"], 2022, poor=200)
    return {**units, **people}


def province_target(world, points="2"):
    return poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value=points,
                              acting_user=world["staff"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/programmes/", "/programmes/targets/", "/programmes/indicators/", "/programmes/models/",
             "/programmes/plans/", "/programmes/targets/new/"],
)
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_overview_shows_the_settled_structure_as_fact(client, world, django_assert_num_queries):
    login(client, "canbo_nari")
    response = client.get("/programmes/", {"programme": "2021-2025"})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<tr class="table-light" data-code="(DA\d)"', html) == [f"DA{n}" for n in range(1, 8)]
    assert "Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp" in html
    assert 'data-code="DA7.1"' in html and 'data-code="DA4.2"' in html
    # Rule 11: no confidence badges (tests/test_officials_pages.py checks the page text as a whole).
    assert 'data-testid="unconfirmed"' not in html and "xác nhận" not in html
    assert "Số người đi làm việc ở nước ngoài theo hợp đồng" in html  # the indicator catalogue
    assert 'data-testid="structure-unconfirmed"' not in html
    assert "<script>" not in html
    # session, user with profile and unit (nav), programmes, projects, sub-projects, indicators
    with django_assert_num_queries(6):
        client.get("/programmes/", {"programme": "2021-2025"})


def test_overview_defaults_to_a_programme_with_its_structure(client, world):
    login(client, "canbo_nari")
    html = client.get("/programmes/").content.decode()
    assert 'data-code="DA1"' in html  # 2026–2030 has no structure loaded yet: 2021–2025 is shown


def test_overview_of_the_2026_programme(client, world):
    login(client, "so_bk")
    html = client.get("/programmes/", {"programme": "2026-2030"}).content.decode()
    assert 'data-testid="structure-unconfirmed"' in html
    assert "giảm nghèo bền vững và phát triển kinh tế – xã hội vùng đồng bào dân tộc thiểu số" in html
    assert 'data-code="DA1"' not in html
    assert client.get("/programmes/", {"programme": "1990"}).status_code == 404


def test_targets_list_is_scoped_and_constant(client, world, django_assert_num_queries):
    province_target(world)
    login(client, "so_bk")
    url = "/programmes/targets/?unit=06&year=2023"
    # session, user with profile and unit, unit in force, in scope?, may manage?, targets
    with django_assert_num_queries(8) as first:  # +2: the unit picker (its scope and units)
        response = client.get(url)
    html = response.content.decode()
    assert 'data-unit="06" data-group="all"' in html
    assert "15,00" in html and "13,00" in html  # Vietnamese decimals
    assert 'data-testid="status-rule"' in html and "số tháng trọn đã qua / 12" in html
    for district in (world["na_ri"], world["ba_be"]):
        poverty_target_set(unit=district, year=2023, group="all", entered_as="points", value="1",
                           acting_user=world["staff"])
    for n in range(3):
        poverty_target_set(unit=DistrictFactory(code=f"07{n}", parent=world["province"]), year=2023, group="all",
                           entered_as="points", value="1", acting_user=world["staff"])
    with django_assert_num_queries(len(first)):
        html = client.get(url).content.decode()
    assert html.count("data-group=") == 6
    # An officer sees their district's targets only, and nothing of another unit.
    login(client, "canbo_nari")
    html = client.get("/programmes/targets/?year=2023").content.decode()
    assert re.findall(r'data-unit="(\d+)"', html) == ["066"]
    html = client.get("/programmes/targets/?unit=06&year=2023").content.decode()
    assert "data-unit=" not in html and "Chọn một đơn vị trong phạm vi" in html


def test_staff_create_a_target_in_points_with_vietnamese_decimals(client, world):
    login(client, "so_bk")
    form = client.get("/programmes/targets/new/?unit=06&year=2023").content.decode()
    assert "không phải giảm 3% của tỷ lệ cũ" in form and "js/programmes.js" in form
    response = client.post(
        "/programmes/targets/new/?unit=06&year=2023",
        {"group": "all", "entered_as": "points", "value": "2,50", "note": "KH số 1"},
    )
    target = PovertyTarget.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/programmes/targets/{target.pk}/"
    assert (target.target_reduction_points, target.target_rate, target.households_to_exit) == (D("2.50"),
                                                                                              D("12.50"), 100)
    html = client.get(response["Location"]).content.decode()
    assert 'data-field="baseline_rate">15,00%' in html and "12,50%" in html
    assert 'data-field="households_to_exit">100' in html


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("value missing", {"group": "all", "entered_as": "points", "value": ""}, "bắt buộc"),
        ("zero points", {"group": "all", "entered_as": "points", "value": "0"}, "phải lớn hơn 0"),
        ("above 100", {"group": "all", "entered_as": "rate", "value": "120"}, "100"),
        ("above the baseline", {"group": "all", "entered_as": "points", "value": "16"},
         "lớn hơn tỷ lệ đầu kỳ 15.00%"),
        ("rate above the baseline", {"group": "all", "entered_as": "rate", "value": "16"},
         "không phải là giảm nghèo"),
        ("no entry kind", {"group": "all", "value": "2"}, "bắt buộc"),
    ],
)
def test_target_form_validates_in_vietnamese(client, world, _case, data, message):
    login(client, "so_bk")
    response = client.post("/programmes/targets/new/?unit=06&year=2023", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PovertyTarget.objects.exists()


@pytest.mark.parametrize(
    ("username", "unit", "status"),
    [("canbo_nari", "066", 403), ("lanhdao_bk", "06", 403), ("canbo_binhgia", "066", 404)],
)
def test_non_staff_cannot_write_targets(client, world, username, unit, status):
    target = province_target(world)
    before = list(PovertyTarget.objects.values_list("pk", "target_reduction_points", "version"))
    login(client, username)
    url = f"/programmes/targets/new/?unit={unit}&year=2023"
    assert client.get(url).status_code == status
    assert client.post(url, {"group": "all", "entered_as": "points", "value": "1"}).status_code == status
    own = 403 if username == "lanhdao_bk" else 404  # the province target is outside an officer's scope
    assert client.post(f"/programmes/targets/{target.pk}/edit/", {"entered_as": "points", "value": "1"}
                       ).status_code == own
    assert client.post(f"/programmes/targets/{target.pk}/delete/").status_code == own
    assert client.post(f"/programmes/targets/{target.pk}/cascade/", {"action": "save", "points_066": "9"}
                       ).status_code == own
    assert client.post(f"/programmes/targets/recompute/?unit={unit}&year=2023").status_code == status
    assert list(PovertyTarget.objects.values_list("pk", "target_reduction_points", "version")) == before


def test_leadership_reads_but_does_not_see_write_buttons(client, world):
    target = province_target(world)
    login(client, "lanhdao_bk")
    html = client.get(f"/programmes/targets/{target.pk}/").content.decode()
    assert 'data-testid="target-status"' in html and "/edit/" not in html
    html = client.get("/programmes/targets/?year=2023").content.decode()
    assert 'data-testid="target-add"' not in html


def test_edit_with_a_stale_version_is_refused(client, world):
    target = province_target(world)
    login(client, "so_bk")
    data = {"entered_as": "points", "value": "3", "version": target.version}
    assert client.post(f"/programmes/targets/{target.pk}/edit/", data).status_code == 302
    response = client.post(f"/programmes/targets/{target.pk}/edit/", {**data, "value": "1"})
    assert response.status_code == 400 and "vừa được người khác sửa" in response.content.decode()
    target.refresh_from_db()
    assert target.target_reduction_points == D("3.00")


def test_cascade_page_proposes_adjusts_and_saves(client, world):
    target = province_target(world)  # 15% → 13%: 80 households
    login(client, "so_bk")
    html = client.get(f"/programmes/targets/{target.pk}/cascade/").content.decode()
    assert re.findall(r'<tr data-unit="(\d+)">', html) == ["061", "066"]
    assert 'data-testid="cascade-sum">80 / 80' in html and 'data-adds-up="yes"' in html
    html = client.get(f"/programmes/targets/{target.pk}/cascade/", {"rule": "proportional", "floor": "5"}
                      ).content.decode()
    # Ba Bể 10% × 2 / 15 = 1.33, raised to 5 points (poor district): 100 households; Na Rì 2 × 20 / 15 = 2.67: 54.
    assert 'data-testid="cascade-sum">154 / 80' in html
    response = client.post(f"/programmes/targets/{target.pk}/cascade/",
                           {"rule": "same", "action": "preview", "points_061": "1", "points_066": "2"})
    html = response.content.decode()
    assert 'data-adds-up="no"' in html and "thiếu 20 hộ" in html
    response = client.post(f"/programmes/targets/{target.pk}/cascade/",
                           {"rule": "same", "action": "save", "points_061": "2", "points_066": "2,5"})
    assert response.status_code == 302
    saved = {t.unit.code: t for t in PovertyTarget.objects.filter(cascaded_from=target).select_related("unit")}
    assert {code: t.target_reduction_points for code, t in saved.items()} == {"061": D("2.00"), "066": D("2.50")}
    assert sum(t.households_to_exit for t in saved.values()) == 90
    html = client.get(f"/programmes/targets/{target.pk}/").content.decode()
    assert 'data-testid="cascaded"' in html


def test_ethnic_minority_denominator_form(client, world):
    target = poverty_target_set(unit=world["province"], year=2023, group="ethnic_minority", entered_as="points",
                                value="3", acting_user=world["staff"])
    login(client, "so_bk")
    assert "Tổng số hộ của nhóm" in client.get(f"/programmes/targets/{target.pk}/").content.decode()
    client.post(f"/programmes/targets/{target.pk}/group-total/", {"year": "2022", "total": "1.000"})
    target.refresh_from_db()
    assert target.baseline_total_households == 1000


def test_indicators_progress_and_constant_queries(client, world, django_assert_num_queries):
    login(client, "so_bk")
    jobs = Indicator.objects.get(code="workers_jobs")
    response = client.post("/programmes/indicators/targets/new/?unit=06&year=2023",
                           {"indicator": jobs.pk, "value": "20.000"})
    assert response.status_code == 302
    for month, value in ((1, "5000"), (4, "6.000")):
        response = client.post("/programmes/indicators/achievements/new/?unit=06&year=2023", {
            "indicator": jobs.pk, "period_kind": "quarter", "period_start": f"2023-{month:02d}-01",
            "value": value, "reporting_unit": "Sở LĐ-TB&XH Bắc Kạn",
        })
        assert response.status_code == 302
    response = client.post("/programmes/indicators/achievements/new/?unit=06&year=2023", {
        "indicator": jobs.pk, "period_kind": "quarter", "period_start": "2023-05-01", "value": "1",
        "reporting_unit": "x",
    })
    assert response.status_code == 400 and "đầu quý" in response.content.decode()
    url = "/programmes/indicators/?unit=06&year=2023"
    # session, user with profile and unit, unit, in scope?, indicators, targets, reports (progress and list),
    # may manage?
    with django_assert_num_queries(10) as first:  # +1: the unit picker's units
        html = client.get(url).content.decode()
    row = html.split('data-indicator="workers_jobs"')[1].split("</tr>")[0]
    assert "20.000" in row and "11.000" in row and "55,00%" in row
    staff = world["staff"]
    for indicator in Indicator.objects.exclude(pk=jobs.pk)[:5]:
        indicator_target_set(unit=world["province"], year=2023, indicator=indicator, value=10, acting_user=staff)
        achievement_record(unit=world["province"], indicator=indicator, period_kind="year",
                           period_start=datetime.date(2023, 1, 1), value=5, reporting_unit="Sở", acting_user=staff)
    with django_assert_num_queries(len(first)):
        client.get(url)
    login(client, "canbo_nari")
    assert client.post("/programmes/indicators/targets/new/?unit=066&year=2023",
                       {"indicator": jobs.pk, "value": "1"}).status_code == 403
    assert IndicatorTarget.objects.count() == 6 and Achievement.objects.count() == 7


def test_models_list_detail_form(client, world, django_assert_num_queries):
    login(client, "so_bk")
    communes = add_communes(world["na_ri"], 2)
    response = client.post("/programmes/models/new/?unit=066&year=2023", {
        "name": "Nuôi bò sinh sản Kim Hỷ", "kind": "community", "communes": [world["kim_hy"].pk, communes[0].pk],
        "households_poor": "12", "households_near_poor": "5", "households_newly_escaped": "3",
        "households_other": "0", "budget_vnd": "1.500.000.000", "status": "in_progress",
        "start_date": "2023-03-01", "end_date": "2024-12-31",
        "subproject": "", "project": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    model = PovertyModel.objects.get()
    assert model.budget_vnd == 1_500_000_000 and model.households_total == 20
    html = client.get(response["Location"]).content.decode()
    assert "Nuôi bò sinh sản Kim Hỷ" in html and "1.500.000.000" in html and "Xã Kim Hỷ" in html
    bad = client.post("/programmes/models/new/?unit=066&year=2023", {
        "name": "X", "kind": "community", "communes": [world["cho_ra"].pk], "households_poor": "0",
        "households_near_poor": "0", "households_newly_escaped": "0", "households_other": "0",
        "status": "planned", "start_date": "2024-01-01", "end_date": "2023-01-01",
    })
    text = bad.content.decode()
    assert bad.status_code == 400 and "Ngày kết thúc phải sau ngày bắt đầu" in text and "Chợ Rã" not in text
    url = "/programmes/models/?unit=06"
    # session, user with profile and unit, unit in force, in scope?, count, page, project codes (2), may manage?
    with django_assert_num_queries(10) as first:  # +1: the unit picker's units
        client.get(url)
    for n in range(8):
        poverty_model_save(unit=world["ba_be"], name=f"Mô hình {n}", kind="value_chain", communes=[world["cho_ra"]],
                           acting_user=world["staff"])
    with django_assert_num_queries(len(first)):
        html = client.get(url).content.decode()
    assert 'data-testid="models-count">9 mô hình' in html
    assert "Mô hình 1" in client.get(url, {"kind": "value_chain"}).content.decode()
    login(client, "canbo_babe")
    html = client.get("/programmes/models/?year=2023").content.decode()
    assert "Mô hình 1" in html and "Kim Hỷ" not in html
    assert client.get(f"/programmes/models/{model.pk}/").status_code == 404
    assert client.post(f"/programmes/models/{model.pk}/edit/", {"name": "x"}).status_code == 404
    assert client.get("/programmes/models/new/?unit=061&year=2023").status_code == 403


def test_plans_register_with_file_and_linked_targets(client, world, settings, tmp_path, django_assert_num_queries):
    settings.MEDIA_ROOT = tmp_path
    target = province_target(world)
    login(client, "so_bk")
    upload = SimpleUploadedFile("62-KH-UBND.pdf", b"%PDF-1.4 minh hoa", content_type="application/pdf")
    response = client.post("/programmes/plans/new/?unit=06&year=2023", {
        "kind": "plan", "number": "62/KH-UBND", "issued_on": "13/03/2023", "issuer": "UBND tỉnh",
        "title": "Kế hoạch thực hiện Chương trình năm 2023", "file": upload, "poverty_targets": [target.pk],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = PlanDocument.objects.get()
    assert plan.issued_on == datetime.date(2023, 3, 13) and list(plan.poverty_targets.all()) == [target]
    html = client.get(response["Location"]).content.decode()
    assert "Kế hoạch số 62/KH-UBND ngày 13/03/2023" in html
    download = client.get(f"/programmes/plans/{plan.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 minh hoa"
    bad = client.post("/programmes/plans/new/?unit=06&year=2023", {
        "kind": "plan", "number": "63/KH-UBND", "issued_on": "13/03/2023", "issuer": "UBND", "title": "x",
        "file": SimpleUploadedFile("virus.exe", b"MZ"),
    })
    assert bad.status_code == 400 and "Chỉ nhận tệp" in bad.content.decode()
    # session, user with profile and unit, unit in force, in scope?, count, page, may manage?
    with django_assert_num_queries(8) as first:  # +1: the unit picker
        client.get("/programmes/plans/?unit=06")
    for n in range(5):
        plan_document_save(unit=world["province"], number=f"{n}/QĐ-UBND", issued_on=datetime.date(2023, 5, 1),
                           issuer="UBND", title="Quyết định", acting_user=world["staff"], poverty_targets=[target])
    with django_assert_num_queries(len(first)):
        html = client.get("/programmes/plans/?unit=06").content.decode()
    assert html.count("/programmes/plans/") >= 6
    login(client, "canbo_binhgia")
    assert client.get(f"/programmes/plans/{plan.pk}/").status_code == 404
    assert client.get(f"/programmes/plans/{plan.pk}/file/").status_code == 404
    login(client, "canbo_nari")
    assert client.get(f"/programmes/plans/{plan.pk}/").status_code == 404  # a provincial plan: out of scope
    assert PlanDocument.objects.count() == 6


def test_static_script_exists():
    from pathlib import Path

    assert (Path(__file__).resolve().parents[2] / "static" / "js" / "programmes.js").exists()
