"""Household-list exports: a Celery job per request (queued → running → done, progress, owner-only file), scoped to
the user's unit, names and ID numbers only for roles that may see them, and no cell from user data ever a formula."""

import io
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from households.models import HouseholdReview, PersonalDataAccess
from reports.exports import households as household_export
from reports.exports.households import HouseholdListRequest, household_list_xlsx
from reports.exports.jobs import export_job_create, export_job_run
from reports.models import ExportJob
from tests.factories import TEST_PASSWORD, ProfileFactory
from tests.households import conftest as households_fixtures
from tests.households.factories import HouseholdFactory, record

pytestmark = pytest.mark.django_db
standards = households_fixtures.standards
registry = households_fixtures.registry

FORMULA_NAME = '=HYPERLINK("http://example.com/x","Bấm vào đây")'
HEADER_ROW = household_export.HEADER_ROW


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def listed(registry, units):
    """The registry (Kim Hỷ, Yến Lạc in Na Rì; Chợ Rã in Ba Bể; Bình Gia in Lạng Sơn) plus Kim Hỷ households whose
    texts look like formulas."""
    tricky = HouseholdFactory(commune=units["kim_hy"], code="-KH-002", head_name=FORMULA_NAME, id_number="+84123",
                              village="@thôn Nà Mòn", ethnicity="=1+1")
    record(tricky, 2024, "poor")
    return {**registry, "tricky": tricky}


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def run_export(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/exports/households/", {"year": 2024, **data})
    assert response.status_code == 302, response.status_code
    job = ExportJob.objects.latest("pk")
    assert response["Location"] == f"/reports/exports/jobs/{job.pk}/"
    return job


def workbook_of(response) -> bytes:
    return b"".join(response.streaming_content)


def rows_of(content: bytes) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_name(book.sheet_names[0]).to_python()


def formula_cells(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(archive.read(name).count(b"<f") for name in archive.namelist()
                   if name.startswith("xl/worksheets/"))


def test_officer_export_is_scoped_and_keeps_formula_text_as_text(client, listed, people,
                                                                  django_capture_on_commit_callbacks):
    login(client, people["officer"])
    job = run_export(client, django_capture_on_commit_callbacks, unit="066")
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows, job.owner, job.unit.code) == ("done", 100, 3, people["officer"], "066")
    page = client.get(f"/reports/exports/jobs/{job.pk}/")
    assert page.status_code == 200 and 'data-testid="export-download"' in page.content.decode()
    assert "hx-get" not in page.content.decode()  # finished: no more polling
    response = client.get(f"/reports/exports/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert 'filename="danh-sach-ho-066-2024-tat-ca.xlsx"' in response["Content-Disposition"]
    content = workbook_of(response)
    rows = rows_of(content)
    header = rows[HEADER_ROW]
    assert header[:4] == ["STT", "Mã hộ", "Họ và tên chủ hộ", "Mã xã"]  # ID numbers: only on the household page
    data = rows[HEADER_ROW + 1:]
    assert len(data) == job.rows == HouseholdReview.objects.filter(year=2024, commune__parent__code="066").count()
    by_code = {row[1]: row for row in data}
    assert set(by_code) == {"KH-001", "YL-001", "-KH-002"}  # not Chợ Rã (Ba Bể) nor Bình Gia (Lạng Sơn)
    tricky = by_code["-KH-002"]
    assert tricky[2] == FORMULA_NAME and "+84123" not in tricky
    assert header.index("Thôn/bản/tổ dân phố") and tricky[header.index("Thôn/bản/tổ dân phố")] == "@thôn Nà Mòn"
    assert tricky[header.index("Dân tộc")] == "=1+1"
    assert by_code["KH-001"][2] == "Nguyễn Văn An" and "006090001234" not in by_code["KH-001"]
    assert by_code["KH-001"][header.index("Biến động so với năm trước")] == "Hộ thoát nghèo"
    assert formula_cells(content) == 0
    log = PersonalDataAccess.objects.get(action="household_export")
    assert (log.user, log.unit.code, log.row_count) == (people["officer"], "066", 3)


def test_leadership_export_has_no_names_or_id_numbers(client, listed, people, django_capture_on_commit_callbacks):
    login(client, people["leader"])
    job = run_export(client, django_capture_on_commit_callbacks, unit="06")
    content = workbook_of(client.get(f"/reports/exports/jobs/{job.pk}/download/"))
    rows = rows_of(content)
    header = rows[HEADER_ROW]
    assert "Họ và tên chủ hộ" not in header and "Số CCCD/CMND chủ hộ" not in header
    assert header[:3] == ["STT", "Mã hộ", "Mã xã"]
    assert len(rows) - HEADER_ROW - 1 == 4  # Kim Hỷ ×2, Yến Lạc, Chợ Rã
    text = repr(rows)
    for household in listed.values():
        assert household.head_name not in text and household.id_number not in text
    assert "không có họ tên" in rows[2][0]
    assert not PersonalDataAccess.objects.filter(action="household_export").exists()


def test_classification_filter(client, listed, people, django_capture_on_commit_callbacks):
    login(client, people["staff"])
    job = run_export(client, django_capture_on_commit_callbacks, unit="06", classification="poor")
    rows = rows_of(workbook_of(client.get(f"/reports/exports/jobs/{job.pk}/download/")))
    assert "HỘ NGHÈO" in rows[0][0]
    assert sorted(row[1] for row in rows[HEADER_ROW + 1:]) == ["-KH-002", "CR-001", "YL-001"]
    assert job.parameters == {"classification": "poor"}


@pytest.mark.parametrize("intruder", ["officer_sibling", "officer_other", "staff", "leader"])
def test_job_status_and_file_are_the_owners_only(client, listed, people, intruder,
                                                  django_capture_on_commit_callbacks):
    login(client, people["officer"])
    job = run_export(client, django_capture_on_commit_callbacks, unit="066")
    client.logout()
    login(client, people[intruder])
    for suffix in ("", "status/", "download/"):
        assert client.get(f"/reports/exports/jobs/{job.pk}/{suffix}").status_code == 404
    assert client.get("/reports/exports/jobs/999999/download/").status_code == 404


def test_another_districts_unit_is_a_404_and_queues_nothing(client, listed, people):
    login(client, people["officer_sibling"])
    response = client.post("/reports/exports/households/", {"year": 2024, "unit": "066"})
    assert response.status_code == 404
    assert not ExportJob.objects.exists()
    assert client.get("/reports/exports/households/").status_code == 405


def test_job_progresses_from_queued_to_done(client, listed, people, monkeypatch):
    job = export_job_create(owner=people["staff"], kind=ExportJob.Kind.HOUSEHOLDS, unit=listed["an"].commune.parent
                            .parent, year=2024)  # on_commit not run: the job stays queued
    assert (job.status, job.progress) == ("queued", 0)
    login(client, people["staff"])
    status = client.get(f"/reports/exports/jobs/{job.pk}/status/").content.decode()
    assert 'data-status="queued"' in status and f'hx-get="/reports/exports/jobs/{job.pk}/status/"' in status
    assert client.get(f"/reports/exports/jobs/{job.pk}/download/").status_code == 404  # not ready yet

    seen = []
    monkeypatch.setattr(household_export, "BATCH", 1)
    original = ExportJob.objects.filter

    def spy(*args, **kwargs):
        queryset = original(*args, **kwargs)
        update = queryset.update

        def recording_update(**values):
            seen.append((values.get("status"), values.get("progress")))
            return update(**values)

        queryset.update = recording_update
        return queryset

    monkeypatch.setattr(ExportJob.objects, "filter", spy)
    done = export_job_run(job_id=job.pk)
    assert (done.status, done.progress, done.rows) == ("done", 100, 4)
    progress = [value for status, value in seen if status is None]
    assert progress == sorted(progress) and progress[0] == 25 and progress[-1] == 99
    assert seen[-1] == ("done", 100)
    assert done.started_at and done.finished_at and done.file.name.endswith(".xlsx")
    # A redelivered task finds the job done and leaves it alone.
    again = export_job_run(job_id=job.pk)
    assert (again.status, again.finished_at) == ("done", done.finished_at)
    status = client.get(f"/reports/exports/jobs/{job.pk}/status/").content.decode()
    assert 'data-status="done"' in status and "hx-get" not in status


def test_a_failing_job_is_marked_failed_without_a_file(listed, people, monkeypatch, media):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(household_export, "household_list_xlsx", broken)
    job = export_job_create(owner=people["staff"], kind=ExportJob.Kind.HOUSEHOLDS, unit=listed["an"].commune,
                            year=2024)
    failed = export_job_run(job_id=job.pk)
    assert failed.status == "failed" and "Không tạo được tệp" in failed.error and not failed.file
    assert not any(media.rglob("*.xlsx"))


def test_query_count_does_not_grow_with_the_list(listed, people, units, django_assert_max_num_queries, tmp_path):
    request = HouseholdListRequest(user=people["staff"], unit=units["province"], year=2024)
    with django_assert_max_num_queries(8):
        small = household_list_xlsx(request, tmp_path / "small.xlsx")
    for _n in range(60):
        record(HouseholdFactory(commune=units["cho_ra"]), 2024, "near_poor")
    with django_assert_max_num_queries(8):
        large = household_list_xlsx(request, tmp_path / "large.xlsx")
    assert (small, large) == (4, 64)


def test_a_commune_officer_sees_only_their_commune(client, listed, units, django_capture_on_commit_callbacks):
    from provinces.models import Role

    officer = ProfileFactory(user__username="canbo_kimhy", role=Role.DISTRICT_OFFICER, unit=units["kim_hy"]).user
    login(client, officer)
    assert client.post("/reports/exports/households/", {"year": 2024, "unit": "066"}).status_code == 404
    job = run_export(client, django_capture_on_commit_callbacks, unit="02146")
    rows = rows_of(workbook_of(client.get(f"/reports/exports/jobs/{job.pk}/download/")))
    assert sorted(row[1] for row in rows[HEADER_ROW + 1:]) == ["-KH-002", "KH-001"]


def test_sweeper_fails_stuck_jobs_and_deletes_old_files(client, listed, people, units, media):
    import datetime

    from django.utils import timezone

    from reports.exports.jobs import export_jobs_sweep

    now = timezone.now()
    old = export_job_create(owner=people["staff"], kind=ExportJob.Kind.HOUSEHOLDS, unit=units["province"], year=2024)
    old = export_job_run(job_id=old.pk)
    path = media / old.file.name
    assert path.exists()
    ExportJob.objects.filter(pk=old.pk).update(finished_at=now - datetime.timedelta(days=8))
    stuck = ExportJob.objects.create(owner=people["staff"], kind=ExportJob.Kind.HOUSEHOLDS, unit=units["province"],
                                     year=2024, status="running", started_at=now - datetime.timedelta(hours=1))
    fresh = ExportJob.objects.create(owner=people["staff"], kind=ExportJob.Kind.HOUSEHOLDS, unit=units["province"],
                                     year=2024, status="running", started_at=now - datetime.timedelta(minutes=5))
    assert export_jobs_sweep(now=now) == (1, 1)
    assert not path.exists()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, fresh.status) == ("failed", "running") and "gián đoạn" in stuck.error
    login(client, people["staff"])
    assert client.get(f"/reports/exports/jobs/{old.pk}/download/").status_code == 404
    assert "Tệp đã được xóa" in client.get(f"/reports/exports/jobs/{old.pk}/").content.decode()
