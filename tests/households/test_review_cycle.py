"""The annual review cycle through the API (issue 17): submit, return with a comment, re-import, submit, approve,
publish; imports for the published year are refused (409) and the figures do not move; reopen with a reason,
import, publish again: two versions, the first unchanged. Plus the refusals of household changes and reverts, ad-hoc
reviews after publication, the access matrix per transition and the 2025+ commune level.

Units come from the reference package (Bắc Kạn: Na Rì 066 and Ba Bể 061), review year 2023 (districts submit)."""

import datetime
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command

from households import cycle
from households.importing.services import import_batch_revert
from households.models import HouseholdReview, ImportBatch, ReviewTransition, UnitReviewState
from households.services import review_record
from provinces.models import AdministrativeUnit
from reports.models_publications import Publication, PublicationFigure
from tests import DATA
from tests.factories import TEST_PASSWORD, CommuneFactory, ProfileFactory, ProvinceFactory

HEADER = ["Mã hộ", "Họ và tên chủ hộ", "Mã xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
          "Việc làm", "Người phụ thuộc trong hộ gia đình", "Dinh dưỡng", "Bảo hiểm y tế",
          "Trình độ giáo dục của người lớn", "Tình trạng đi học của trẻ em", "Chất lượng nhà ở",
          "Diện tích nhà ở bình quân đầu người", "Nguồn nước sinh hoạt", "Nhà tiêu hợp vệ sinh",
          "Sử dụng dịch vụ viễn thông", "Phương tiện phục vụ tiếp cận thông tin", "Phân loại"]
SAMPLE = DATA / "review-2023-066-600.xlsx"


def workbook(path: Path, rows: list[tuple[str, int, str]], commune: str = "02146") -> Path:
    """(code, income, declared) rows; income 1,000,000 with 3 deprivations is poor, 5,000,000 with none not poor."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, value in enumerate(HEADER):
        sheet.write(0, c, value)
    for r, (code, income, declared) in enumerate(rows, start=1):
        deprived = 3 if income < 1_500_000 else 0
        values = [code, "Người Thử", commune, 4, income, *([1] * deprived + [0] * (12 - deprived)), declared]
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    book.close()
    return path


def login(client, username):
    client.logout()
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def api_upload(client, path: Path, year: int, capture):
    with path.open("rb") as handle, capture(execute=True):
        response = client.post("/api/v1/imports/", {"file": handle, "year": year})
    return response


def poverty(client, code="06", year=2023):
    response = client.get(f"/api/v1/stats/poverty/?unit={code}&year={year}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def world(na_ri, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return na_ri


def test_the_done_when_flow_through_the_api(client, world, tmp_path, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    login(client, "canbo_nari")
    assert api_upload(client, SAMPLE, 2023, capture).status_code == 201
    assert ImportBatch.objects.get().status == ImportBatch.Status.COMMITTED

    # The officer "chốt" the year: submitted, named with the time.
    status = client.get("/api/v1/review-status/?unit=066&year=2023").json()
    assert status["state"] == "open"
    response = client.post("/api/v1/review-status/submit/", {"unit": "066", "year": 2023},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["submitted_by"] == "canbo_nari" and body["submitted_at"]
    assert body["completeness"] == {"submitted": 1, "approved": 0, "total": 1}
    # A submitted unit-year takes no import: 409 naming who submitted it and when.
    fix = workbook(tmp_path / "sua.xlsx", [("SUA-1", 1_000_000, "Hộ nghèo")])
    refused = api_upload(client, fix, 2023, capture)
    assert refused.status_code == 409
    assert "canbo_nari" in refused.json()["detail"] and "chốt" in refused.json()["detail"]
    # Submitting twice is a conflict too.
    again = client.post("/api/v1/review-status/submit/", {"unit": "066", "year": 2023},
                        content_type="application/json")
    assert again.status_code == 409

    # Staff return it with a comment; the officer sees it and may import again.
    login(client, "so_bk")
    province = client.get("/api/v1/review-status/?unit=06&year=2023").json()
    assert province["state"] == "open"
    assert {child["unit"]: child["state"] for child in province["children"]} == {"061": "open", "066": "submitted"}
    assert province["completeness"] == {"submitted": 1, "approved": 0, "total": 2}
    no_comment = client.post("/api/v1/review-status/return/", {"unit": "066", "year": 2023, "comment": ""},
                             content_type="application/json")
    assert no_comment.status_code == 400
    returned = client.post("/api/v1/review-status/return/",
                           {"unit": "066", "year": 2023, "comment": "Thiếu hộ SUA-1 ở xã Kim Hỷ"},
                           content_type="application/json")
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    login(client, "canbo_nari")
    mine = client.get("/api/v1/review-status/?unit=066&year=2023").json()
    assert mine["state"] == "returned" and mine["comment"] == "Thiếu hộ SUA-1 ở xã Kim Hỷ"
    assert "Thiếu hộ SUA-1" in client.get("/imports/?year=2023").content.decode()
    assert api_upload(client, fix, 2023, capture).status_code == 201
    assert ImportBatch.objects.filter(status=ImportBatch.Status.COMMITTED).count() == 2
    assert client.post("/api/v1/review-status/submit/", {"unit": "066", "year": 2023},
                       content_type="application/json").status_code == 200
    login(client, "canbo_babe")
    assert client.post("/api/v1/review-status/submit/", {"unit": "061", "year": 2023},
                       content_type="application/json").status_code == 200

    # Publishing is refused while a unit is not approved, naming it.
    login(client, "so_bk")
    publish = {"unit": "06", "year": 2023, "decision_number": "1234/QĐ-UBND", "decision_date": "2023-12-15"}
    early = client.post("/api/v1/publications/", publish, content_type="application/json")
    assert early.status_code == 409 and "Huyện Na Rì" in early.json()["detail"]
    for code in ("066", "061"):
        assert client.post("/api/v1/review-status/approve/", {"unit": code, "year": 2023},
                           content_type="application/json").json()["state"] == "approved"
    created = client.post("/api/v1/publications/", publish, content_type="application/json")
    assert created.status_code == 201, created.content
    first_id = created.json()["id"]
    assert created.json()["version"] == 1
    assert client.get("/api/v1/review-status/?unit=06&year=2023").json()["state"] == "published"

    official = poverty(client)
    assert official["official"] is True
    assert official["publication"] == {"id": first_id, "decision_number": "1234/QĐ-UBND",
                                       "decision_date": "2023-12-15", "version": 1}
    assert official["reviewed"] == 601

    # The published year takes no import (409) and its figures do not move, even after a recompute.
    login(client, "canbo_nari")
    late = workbook(tmp_path / "muon.xlsx", [("MUON-1", 1_000_000, "Hộ nghèo")])
    refused = api_upload(client, late, 2023, capture)
    assert refused.status_code == 409 and "công bố" in refused.json()["detail"]
    login(client, "so_bk")
    refused = api_upload(client, late, 2023, capture)
    assert refused.status_code == 409
    HouseholdReview.objects.filter(year=2023).first().delete()  # even a change behind the app's back
    call_command("recompute_stats", "--year", "2023")
    assert poverty(client) == official
    # A revert of a batch of the published year is refused too.
    with pytest.raises(cycle.Conflict):
        import_batch_revert(batch=ImportBatch.objects.filter(status="committed").last(), acting_user=world["staff"])

    # Reopen with a reason, import, submit and approve again, publish again: two versions, the first unchanged.
    assert client.post(f"/api/v1/publications/{first_id}/reopen/", {"reason": ""},
                       content_type="application/json").status_code == 400
    reopened = client.post(f"/api/v1/publications/{first_id}/reopen/",
                           {"reason": "Bổ sung hộ MUON-1 theo đơn khiếu nại"}, content_type="application/json")
    assert reopened.status_code == 200 and reopened.json()["is_current"] is False
    assert client.post(f"/api/v1/publications/{first_id}/reopen/", {"reason": "lần nữa"},
                       content_type="application/json").status_code == 409
    assert poverty(client)["official"] is False
    login(client, "canbo_nari")
    assert client.get("/api/v1/review-status/?unit=066&year=2023").json()["state"] == "returned"
    assert api_upload(client, late, 2023, capture).status_code == 201
    client.post("/api/v1/review-status/submit/", {"unit": "066", "year": 2023}, content_type="application/json")
    login(client, "canbo_babe")
    client.post("/api/v1/review-status/submit/", {"unit": "061", "year": 2023}, content_type="application/json")
    login(client, "so_bk")
    for code in ("066", "061"):
        client.post("/api/v1/review-status/approve/", {"unit": code, "year": 2023}, content_type="application/json")
    publish.update(decision_number="1301/QĐ-UBND", decision_date="2023-12-28")
    second = client.post("/api/v1/publications/", publish, content_type="application/json")
    assert second.status_code == 201, second.content
    assert second.json()["version"] == 2
    now = poverty(client)
    assert now["official"] is True and now["publication"]["version"] == 2
    assert now["reviewed"] == official["reviewed"]  # one review deleted behind the app's back, one imported
    versions = client.get("/api/v1/publications/?unit=06&year=2023").json()
    assert [item["version"] for item in versions["results"]] == [2, 1]
    first = versions["results"][1]
    assert first["figures"]["reviewed"] == official["reviewed"] and first["figures"]["poor"] == official["poor"]
    assert first["reopen_reason"] == "Bổ sung hộ MUON-1 theo đơn khiếu nại"
    assert PublicationFigure.objects.filter(publication_id=first_id).count() > 0

    # Every transition is in the history, with who, when and the comment or reason.
    actions = list(ReviewTransition.objects.filter(unit__code="066").order_by("pk").values_list("action", flat=True))
    assert actions == ["submit", "return", "submit", "approve", "reopen", "submit", "approve"]
    assert set(ReviewTransition.objects.filter(unit__code="06").values_list("action", flat=True)) == {
        "publish", "reopen"}


def test_roles_and_scope_for_each_transition(client, world):
    body = {"unit": "066", "year": 2023}
    # Leadership reads, never acts.
    login(client, "lanhdao_bk")
    assert client.get("/api/v1/review-status/?unit=06&year=2023").status_code == 200
    for action in ("submit", "approve"):
        assert client.post(f"/api/v1/review-status/{action}/", body, content_type="application/json").status_code == 403
    assert client.post("/api/v1/review-status/return/", {**body, "comment": "x"},
                       content_type="application/json").status_code == 403
    assert client.post("/api/v1/publications/", {"unit": "06", "year": 2023, "decision_number": "1",
                                                  "decision_date": "2023-12-01"},
                       content_type="application/json").status_code == 403
    # Another district's officer: Na Rì looks missing.
    login(client, "canbo_babe")
    assert client.get("/api/v1/review-status/?unit=066&year=2023").status_code == 404
    assert client.post("/api/v1/review-status/submit/", body, content_type="application/json").status_code == 404
    # An officer may not approve, even their own.
    login(client, "canbo_nari")
    client.post("/api/v1/review-status/submit/", body, content_type="application/json")
    assert client.post("/api/v1/review-status/approve/", body, content_type="application/json").status_code == 403
    # A commune does not submit a legacy year: its district does.
    assert client.post("/api/v1/review-status/submit/", {"unit": "02146", "year": 2023},
                       content_type="application/json").status_code == 400
    # Approving what was not submitted is a conflict.
    login(client, "so_bk")
    assert client.post("/api/v1/review-status/approve/", {"unit": "061", "year": 2023},
                       content_type="application/json").status_code == 409


def test_household_changes_follow_the_lock_and_adhoc_reviews_leave_the_published_figures_alone(
    client, world, django_capture_on_commit_callbacks,
):
    login(client, "canbo_nari")
    api_upload(client, SAMPLE, 2023, django_capture_on_commit_callbacks)
    district, province = world["units"]["066"], world["units"]["06"]
    review = HouseholdReview.objects.filter(year=2023).select_related("household").first()
    cycle.unit_review_submit(unit=district, year=2023, acting_user=world["officer"])
    with pytest.raises(cycle.Conflict, match="canbo_nari"):
        review_record(household=review.household, year=2023, area=None, income_per_capita=9_000_000,
                      deprivations=[])
    cycle.unit_review_submit(unit=world["units"]["061"], year=2023, acting_user=world["other"])
    for unit in (district, world["units"]["061"]):
        cycle.unit_review_approve(unit=unit, year=2023, acting_user=world["staff"])
    from reports.publications import publication_create

    publication_create(province=province, year=2023, decision_number="99/QĐ-UBND",
                       decision_date=datetime.date(2023, 12, 20), acting_user=world["staff"])
    before = poverty(login(client, "so_bk"))
    # An ad-hoc (monthly) review after publication is recorded as such; the published figures do not move.
    adhoc = review_record(household=review.household, year=2023, area=None, income_per_capita=9_000_000,
                          deprivations=[], kind="adhoc", review_date=datetime.date(2023, 12, 28))
    assert adhoc.kind == "adhoc"
    call_command("recompute_stats", "--year", "2023")
    assert poverty(client) == before
    assert Publication.objects.get().is_current


def test_communes_submit_straight_to_the_province_from_july_2025(client, db, standards):
    thai_nguyen = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", short_name="Thái Nguyên",
                                  valid_from=datetime.date(2025, 7, 1), valid_to=None)
    communes = [CommuneFactory(code=code, name=f"Xã {code}", short_name=code, parent=thai_nguyen,
                               valid_from=datetime.date(2025, 7, 1), valid_to=None)
                for code in ("01840", "01841", "01842")]
    ProfileFactory(user__username="canbo_xa", role="district_officer", unit=communes[0])
    ProfileFactory(user__username="so_tn", role="provincial_staff", unit=thai_nguyen)
    assert cycle.submitting_level(2026) == AdministrativeUnit.Level.COMMUNE
    assert cycle.submitting_level(2024) == AdministrativeUnit.Level.DISTRICT
    login(client, "canbo_xa")
    assert client.post("/api/v1/review-status/submit/", {"unit": "01840", "year": 2026},
                       content_type="application/json").json()["state"] == "submitted"
    login(client, "so_tn")
    client.post("/api/v1/review-status/submit/", {"unit": "01841", "year": 2026}, content_type="application/json")
    client.post("/api/v1/review-status/approve/", {"unit": "01841", "year": 2026}, content_type="application/json")
    body = client.get("/api/v1/review-status/?unit=19&year=2026").json()
    assert body["submitting_level"] == "commune"
    assert body["completeness"] == {"submitted": 2, "approved": 1, "total": 3}
    assert [child["state"] for child in body["children"]] == ["submitted", "approved", "open"]
    assert UnitReviewState.objects.count() == 2
