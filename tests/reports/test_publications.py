"""Published figures on the pages (issue 17): leadership land on the latest published year even after a partial upload
of a new year, every figure area says official or provisional, the published figures come from the snapshot, the
completeness page (late units first, its query count pinned), and the publish / reopen forms."""

import datetime

import pytest
from django.core.management import call_command
from django.test import TestCase

from households import cycle
from households.importing.services import import_batch_create
from households.models import HouseholdReview, ImportBatch
from reports.publications import publication_create
from tests import DATA
from tests.factories import TEST_PASSWORD
from tests.households.conftest import na_ri, standards  # noqa: F401  (fixtures)
from tests.households.test_review_cycle import workbook

SAMPLE = DATA / "review-2023-066-600.xlsx"


def upload(path, *, user, year):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = import_batch_create(uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()), year=year,
                                    acting_user=user, original_name=path.name)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    return batch


def login(client, username):
    client.logout()
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def published(na_ri, settings, tmp_path):  # noqa: F811
    """Bắc Kạn 2023: Na Rì's 600 households imported, both districts submitted and approved, published."""
    settings.MEDIA_ROOT = tmp_path / "media"
    upload(SAMPLE, user=na_ri["officer"], year=2023)
    units = na_ri["units"]
    cycle.unit_review_submit(unit=units["066"], year=2023, acting_user=na_ri["officer"])
    cycle.unit_review_submit(unit=units["061"], year=2023, acting_user=na_ri["other"])
    for code in ("066", "061"):
        cycle.unit_review_approve(unit=units[code], year=2023, acting_user=na_ri["staff"])
    publication = publication_create(province=units["06"], year=2023, decision_number="1234/QĐ-UBND",
                                     decision_date=datetime.date(2023, 12, 15), acting_user=na_ri["staff"])
    return {**na_ri, "publication": publication}


def test_leadership_land_on_the_latest_published_year_after_a_partial_upload(client, published, tmp_path):
    # A partial upload of 2024 (17 households of one commune): the newest year with data, but provisional.
    rows = [(f"P-{n}", 1_000_000, "Hộ nghèo") for n in range(17)]
    upload(workbook(tmp_path / "2024.xlsx", rows), user=published["officer"], year=2024)
    login(client, "lanhdao_bk")
    page = client.get("/").content.decode()
    assert "Giảm nghèo: Tỉnh Bắc Kạn · năm 2023" in page
    assert "Số liệu chính thức (QĐ số 1234/QĐ-UBND ngày 15/12/2023)" in page
    assert 'data-testid="later-year"' in page and "Năm 2024: số liệu tạm tính, 0/2 huyện đã chốt" in page
    later = client.get("/?unit=06&year=2024").content.decode()
    assert "Số liệu tạm tính" in later and "Số liệu chính thức" not in later


def test_published_figures_on_the_dashboard_come_from_the_snapshot(client, published):
    login(client, "lanhdao_bk")
    before = client.get("/?unit=06&year=2023").content.decode()
    ids = list(HouseholdReview.objects.filter(year=2023, classification="poor").values_list("pk", flat=True)[:50])
    HouseholdReview.objects.filter(pk__in=ids).delete()  # behind the app's back
    call_command("recompute_stats", "--year", "2023")
    after = client.get("/?unit=06&year=2023").content.decode()
    rate = before.split('data-testid="poverty-rate">')[1].split("<")[0]
    assert rate == after.split('data-testid="poverty-rate">')[1].split("<")[0]
    stats = client.get("/api/v1/stats/poverty/?unit=066&year=2023").json()
    assert stats["official"] is True and stats["publication"]["decision_number"] == "1234/QĐ-UBND"


def test_publish_and_reopen_invalidate_the_cached_answers(client, published):
    login(client, "so_bk")
    assert client.get("/api/v1/stats/poverty/?unit=06&year=2023").json()["official"] is True
    response = client.post(f"/review/publications/{published['publication'].pk}/reopen/", {"reason": "Bổ sung"})
    assert response.status_code == 302
    assert client.get("/api/v1/stats/poverty/?unit=06&year=2023").json()["official"] is False
    assert "Số liệu tạm tính" in client.get("/?unit=06&year=2023").content.decode()


def test_completeness_page_late_units_first_and_its_query_count(client, published, django_assert_max_num_queries):
    units = published["units"]
    login(client, "so_bk")
    page = client.get("/review/?unit=06&year=2023").content.decode()
    assert "2/2 huyện đã chốt" in page and "Số liệu chính thức (QĐ số 1234/QĐ-UBND" in page
    assert 'data-testid="reopen-form"' in page and 'data-testid="publish-form"' not in page
    # 2024: Na Rì submitted, Ba Bể open: the open one first, with the approve and return buttons on Na Rì.
    cycle.unit_review_submit(unit=units["066"], year=2024, acting_user=published["officer"])
    page = client.get("/review/?unit=06&year=2024").content.decode()
    assert page.index('data-unit="061"') < page.index('data-unit="066"')
    assert 'data-testid="approve-066"' in page and 'data-testid="return-066"' in page
    assert "1/2 huyện đã chốt" in page
    with django_assert_max_num_queries(16):
        client.get("/review/?unit=06&year=2024")


def test_publish_form_refuses_with_the_apis_message(client, published):
    units = published["units"]
    login(client, "so_bk")
    cycle.unit_review_submit(unit=units["066"], year=2024, acting_user=published["officer"])
    response = client.post("/review/publish/", {"unit": "06", "year": "2024", "decision_number": "9/QĐ-UBND",
                                                "decision_date": "2024-12-20"}, follow=True)
    page = response.content.decode()
    assert "Chưa công bố được năm 2024" in page and "Huyện Ba Bể" in page


def test_officer_sees_the_state_and_submits_on_the_import_page(client, published):
    login(client, "canbo_nari")
    page = client.get("/imports/?year=2024").content.decode()
    assert 'data-testid="review-submit"' in page and "Chốt số liệu" in page
    response = client.post("/review/submit/", {"unit": "066", "year": "2024", "next": "/imports/?year=2024"})
    assert response.status_code == 302 and response["Location"] == "/imports/?year=2024"
    page = client.get("/imports/?year=2024").content.decode()
    assert 'data-state="submitted"' in page and 'data-testid="review-submit"' not in page
    published_page = client.get("/imports/?year=2023").content.decode()
    assert 'data-state="published"' in published_page
