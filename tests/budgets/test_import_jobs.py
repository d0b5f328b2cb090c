"""Budget imports as jobs: the API (`/api/v1/budget-imports/`), the command (`manage.py import_budgets`), the task,
and the whole-or-nothing rule through them. The workbooks come from tests/budgets/test_import.py."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from budgets.importing.pipeline import budget_import_create, budget_import_process
from budgets.models import Allocation, AllocationEntry, BudgetImport, Disbursement
from budgets.tasks import budget_import_process_task
from tests.budgets.conftest import M, allocate
from tests.budgets.test_import import (
    ALLOCATION_HEADERS,
    BAD_ALLOCATIONS,
    DISBURSEMENT_HEADERS,
    GOOD_ALLOCATIONS,
    counts,
    run_import,
    workbook,
)
from tests.factories import TEST_PASSWORD

FIELDS = {"id", "kind", "status", "progress", "rows", "created", "updated", "rejected", "error_count", "errors",
          "file_name", "created_at"}


def api(username: str) -> APIClient:
    client = APIClient()
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def upload(client, path, kind="allocations", capture=None):
    with path.open("rb") as handle:
        data = {"kind": kind, "file": SimpleUploadedFile(path.name, handle.read())}
    if capture is None:
        return client.post("/api/v1/budget-imports/", data, format="multipart")
    with capture(execute=True):
        return client.post("/api/v1/budget-imports/", data, format="multipart")


# --- the API -----------------------------------------------------------------------------------------------------


def test_api_upload_a_good_file_then_follow_it(world, tmp_path, django_capture_on_commit_callbacks):
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    client = api("so_bk")
    response = upload(client, path, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "status"}
    job = BudgetImport.objects.get(pk=body["id"])
    # The answer is built before the test's transaction "commits" (then the eager task runs): still queued there.
    assert (body["status"], job.status) == ("queued", "committed")
    assert job.file.name.startswith("budgets/budgetimport/") and job.file.read().startswith(b"PK")  # the file is kept
    detail = client.get(f"/api/v1/budget-imports/{job.pk}/").json()
    assert set(detail) == FIELDS
    assert {key: detail[key] for key in ("kind", "status", "progress", "rows", "created", "updated", "rejected",
                                         "error_count", "errors", "file_name")} == {
        "kind": "allocations", "status": "committed", "progress": 100, "rows": 6, "created": 6, "updated": 0,
        "rejected": 0, "error_count": 0, "errors": [], "file_name": "kh.xlsx",
    }
    assert AllocationEntry.objects.filter(batch=job).count() == 6 and Allocation.objects.count() == 5


def test_api_a_bad_file_is_rejected_and_keeps_nothing(world, tmp_path, django_capture_on_commit_callbacks):
    allocate(world["province"], 7 * M, code="DA6.1")
    before = counts()
    path = workbook(tmp_path / "kh-loi.xlsx", ALLOCATION_HEADERS, BAD_ALLOCATIONS)
    client = api("so_bk")
    response = upload(client, path, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 201 and response.json()["status"] == "queued"
    assert counts() == before
    detail = client.get(f"/api/v1/budget-imports/{response.json()['id']}/").json()
    assert detail["status"] == "rejected" and detail["created"] == 0 and detail["rejected"] == 6
    assert detail["error_count"] == len(detail["errors"]) > 0
    assert all(set(error) == {"row", "column", "value", "message"} for error in detail["errors"])
    assert detail["errors"][0]["row"] == 4 and detail["errors"][0]["column"] == "Mã đơn vị"


def test_api_updated_counts_existing_lines(world, tmp_path, django_capture_on_commit_callbacks):
    allocate(world["na_ri"], 100 * M, code="DA3.1")
    rows = [[2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", "2023-04-25", 40_000_000, "UNC 01", ""],
            [2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", "2023-05-25", 10_000_000, "UNC 02", ""]]
    path = workbook(tmp_path / "gn.xlsx", DISBURSEMENT_HEADERS, rows, title=None)
    client = api("so_bk")
    job_id = upload(client, path, kind="disbursements", capture=django_capture_on_commit_callbacks).json()["id"]
    detail = client.get(f"/api/v1/budget-imports/{job_id}/").json()
    assert (detail["status"], detail["rows"], detail["created"], detail["updated"]) == ("committed", 2, 2, 1)
    assert Disbursement.objects.filter(batch_id=job_id).count() == 2


def test_api_upload_refusals(world, tmp_path):
    client = api("so_bk")
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    assert upload(client, path, kind="budgets").status_code == 400
    empty = client.post("/api/v1/budget-imports/", {"kind": "allocations", "file": SimpleUploadedFile("x.xlsx", b"")},
                        format="multipart")
    assert empty.status_code == 400 and "file" in empty.json()
    assert client.post("/api/v1/budget-imports/", {"kind": "allocations"}, format="multipart").status_code == 400
    assert not BudgetImport.objects.exists()


def test_api_the_same_content_committed_twice_is_refused(world, tmp_path, django_capture_on_commit_callbacks):
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    client = api("so_bk")
    first = upload(client, path, capture=django_capture_on_commit_callbacks).json()
    again = upload(client, path, capture=django_capture_on_commit_callbacks)
    assert again.status_code == 400 and again.json()["duplicate_of"] == first["id"]
    assert BudgetImport.objects.count() == 1 and AllocationEntry.objects.count() == 6


@pytest.mark.parametrize("username", ["canbo_nari", "lanhdao_bk"])
def test_api_roles_that_may_not_import(world, tmp_path, username):
    job = BudgetImport.objects.create(kind="allocations", unit=world["province"], original_name="a.xlsx")
    client = api(username)
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    assert upload(client, path).status_code == 403
    assert client.get("/api/v1/budget-imports/").status_code == 403
    assert client.get(f"/api/v1/budget-imports/{job.pk}/").status_code == 403
    assert BudgetImport.objects.count() == 1 and counts() == (0, 0, 0)


def test_api_list_and_detail_are_scoped(world, tmp_path):
    bac_kan = [BudgetImport.objects.create(kind="allocations", unit=world["province"], original_name=f"{n}.xlsx")
               for n in ("a", "b")]
    na_ri = BudgetImport.objects.create(kind="disbursements", unit=world["na_ri"], original_name="c.xlsx")
    lang_son = BudgetImport.objects.create(kind="allocations", unit=world["other_province"], original_name="d.xlsx")
    system = BudgetImport.objects.create(kind="allocations", unit=None, original_name="e.xlsx")
    client = api("so_bk")
    listing = client.get("/api/v1/budget-imports/").json()
    assert listing["count"] == 3
    assert [item["id"] for item in listing["results"]] == [na_ri.pk, bac_kan[1].pk, bac_kan[0].pk]  # newest first
    assert set(listing["results"][0]) == FIELDS
    assert client.get(f"/api/v1/budget-imports/{na_ri.pk}/").status_code == 200
    assert client.get(f"/api/v1/budget-imports/{lang_son.pk}/").status_code == 404  # another province's job
    assert client.get(f"/api/v1/budget-imports/{system.pk}/").status_code == 404
    assert client.get("/api/v1/budget-imports/999999/").status_code == 404
    other = api("so_ls")
    assert [item["id"] for item in other.get("/api/v1/budget-imports/").json()["results"]] == [lang_son.pk]
    assert other.get(f"/api/v1/budget-imports/{na_ri.pk}/").status_code == 404


# --- the task ------------------------------------------------------------------------------------------------------


def test_the_task_runs_a_queued_job_once(world, tmp_path):
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    with path.open("rb") as handle:
        job = budget_import_create(acting_user=world["staff"], file=handle, kind="allocations", enqueue=False)
    assert job.status == "queued" and job.progress == 0
    assert budget_import_process_task.apply(args=[job.pk]).get() == "committed"
    assert budget_import_process_task.apply(args=[job.pk]).get() == "committed"  # redelivered: nothing more
    assert AllocationEntry.objects.count() == 6
    assert budget_import_process(job_id=job.pk).created == 6


def test_a_job_whose_uploader_was_removed_does_not_run_as_the_system(world, tmp_path):
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    with path.open("rb") as handle:
        job = budget_import_create(acting_user=world["staff"], file=handle, kind="allocations", enqueue=False)
    BudgetImport.objects.filter(pk=job.pk).update(uploaded_by=None)
    job = budget_import_process(job_id=job.pk)
    assert job.status == "rejected" and job.error_count == 1 and counts() == (0, 0, 0)


# --- the command ---------------------------------------------------------------------------------------------------


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_budgets", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_the_command_commits_a_good_file(world, tmp_path):
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    code, out, _err = run(str(path), "--kind", "allocations", "--user", "so_bk")
    assert code == 0
    job = BudgetImport.objects.get()
    assert f"Lần nhập số {job.pk}: đọc 6 dòng, ghi 6, cập nhật 0 dòng kế hoạch vốn, lỗi 0 dòng." in out
    assert job.status == "committed" and job.uploaded_by == world["staff"] and job.unit == world["province"]
    assert AllocationEntry.objects.count() == 6


def test_the_command_rejects_a_bad_file_and_prints_the_problems(world, tmp_path):
    path = workbook(tmp_path / "kh-loi.xlsx", ALLOCATION_HEADERS, BAD_ALLOCATIONS)
    code, out, err = run(str(path), "--kind", "allocations", "--user", "so_bk")
    assert code == 1
    assert "lỗi 6 dòng" in out and "Bị từ chối" in err
    assert "dòng 5 [Mã đơn vị] Dòng 5: không có đơn vị mã “181”" in err
    assert counts() == (0, 0, 0) and BudgetImport.objects.get().status == "rejected"


def test_the_command_dry_run_writes_nothing(world, tmp_path):
    good = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    code, out, err = run(str(good), "--kind", "allocations", "--dry-run")
    assert (code, err) == (0, "") and "đọc 6 dòng, lỗi 0 dòng" in out
    bad = workbook(tmp_path / "kh-loi.xlsx", ALLOCATION_HEADERS, BAD_ALLOCATIONS)
    code, out, err = run(str(bad), "--kind", "allocations", "--dry-run")
    assert code == 1 and "dòng 4 [Mã đơn vị]" in err
    assert counts() == (0, 0, 0) and not BudgetImport.objects.exists()


def test_the_command_refusals(world, tmp_path):
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không thấy tệp"):
        call_command("import_budgets", str(tmp_path / "none.xlsx"), "--kind", "allocations")
    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("import_budgets", str(path), "--kind", "allocations", "--user", "nobody")
    with pytest.raises(CommandError, match="Chỉ chuyên viên Sở"):
        call_command("import_budgets", str(path), "--kind", "allocations", "--user", "canbo_nari")
    assert not BudgetImport.objects.exists()


def test_the_command_without_a_user_is_the_whole_country(world, tmp_path):
    rows = [[2023, "181", "DA1", "Trung ương", "Đầu tư", "", None, 10, "1/QĐ", "01/03/2023", ""]]  # Lạng Sơn
    code, _out, _err = run(str(workbook(tmp_path / "ls.xlsx", ALLOCATION_HEADERS, rows)), "--kind", "allocations")
    assert code == 0 and Allocation.objects.get().unit == world["binh_gia_district"]
    assert BudgetImport.objects.get().unit is None


# --- the pages -----------------------------------------------------------------------------------------------------


def test_a_queued_job_page_polls_and_a_finished_one_shows_its_outcome(client, world, tmp_path):
    from tests.budgets.conftest import login

    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    with path.open("rb") as handle:
        job = budget_import_create(acting_user=world["staff"], file=handle, kind="allocations", enqueue=False)
    login(client, "so_bk")
    html = client.get(f"/budgets/import/{job.pk}/").content.decode()
    assert f'hx-get="/budgets/import/{job.pk}/progress/"' in html and 'data-status="queued"' in html
    budget_import_process(job_id=job.pk)
    partial = client.get(f"/budgets/import/{job.pk}/progress/").content.decode()
    assert 'data-testid="import-committed"' in partial and "hx-get" not in partial
    listing = client.get("/budgets/import/").content.decode()
    assert f'href="/budgets/import/{job.pk}/"' in listing
    # Another province's staff: the job does not exist for them.
    login(client, "so_ls")
    assert client.get(f"/budgets/import/{job.pk}/").status_code == 404
    assert client.get(f"/budgets/import/{job.pk}/progress/").status_code == 404


def rejected_job(world, tmp_path, rows, *, name="kh-loi.xlsx", headers=ALLOCATION_HEADERS):
    return run_import(workbook(tmp_path / name, headers, rows), acting_user=world["staff"])


def test_a_rejected_job_keeps_its_annotated_copy_and_the_page_offers_it(client, world, tmp_path):
    import openpyxl

    from tests.budgets.conftest import login

    job = rejected_job(world, tmp_path, BAD_ALLOCATIONS)
    assert job.status == "rejected" and job.rows == 7 and job.annotated.name.endswith(".xlsx")
    assert job.annotated.name.startswith("budgets/budgetimport/")
    login(client, "so_bk")
    page = client.get(f"/budgets/import/{job.pk}/").content.decode()
    assert f'href="/budgets/import/{job.pk}/annotated.xlsx"' in page and "Tải tệp đã đánh dấu lỗi" in page
    response = client.get(f"/budgets/import/{job.pk}/annotated.xlsx")
    assert response.status_code == 200
    assert 'filename="kh-loi-danh-dau-loi.xlsx"' in response["Content-Disposition"]
    marked = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert marked.sheetnames == ["Số liệu", "Danh sách lỗi"]  # the upload itself, plus the list of errors
    sheet = marked["Số liệu"]
    assert sheet["A1"].value == "KẾ HOẠCH VỐN NĂM 2023" and sheet["B4"].value == "999"
    assert sheet["B4"].comment is not None and job.errors[0]["message"] in sheet["B4"].comment.text
    assert sheet["B4"].fill.fgColor.rgb.endswith("FFC7CE") and sheet["B3"].comment is None
    listed = list(marked["Danh sách lỗi"].iter_rows(values_only=True))
    assert listed[0] == ("Dòng", "Cột", "Giá trị", "Lỗi") and len(listed) == job.error_count + 1
    # Outside the scope the copy does not exist either.
    login(client, "so_ls")
    assert client.get(f"/budgets/import/{job.pk}/annotated.xlsx").status_code == 404


def test_no_annotated_copy_for_a_committed_job_or_a_file_that_was_no_table(client, world, tmp_path):
    from tests.budgets.conftest import login

    no_table = rejected_job(world, tmp_path, [[1, 2]], headers=["a", "b"], name="rong.xlsx")
    assert no_table.status == "rejected" and no_table.rows == 0 and not no_table.annotated
    good = run_import(workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS), acting_user=world["staff"])
    login(client, "so_bk")
    assert "annotated-download" not in client.get(f"/budgets/import/{no_table.pk}/").content.decode()
    for job in (no_table, good):
        assert client.get(f"/budgets/import/{job.pk}/annotated.xlsx").status_code == 404


def test_a_job_built_before_its_copy_existed_gets_it_built_once_on_download(client, world, tmp_path, monkeypatch):
    from spreadsheets import annotate
    from tests.budgets.conftest import login

    job = rejected_job(world, tmp_path, BAD_ALLOCATIONS)
    BudgetImport.objects.filter(pk=job.pk).update(annotated="")
    login(client, "so_bk")
    assert client.get(f"/budgets/import/{job.pk}/annotated.xlsx").status_code == 200
    job.refresh_from_db()
    assert job.annotated.name
    monkeypatch.setattr(annotate, "annotated_workbook", lambda **kwargs: pytest.fail("built twice"))
    assert client.get(f"/budgets/import/{job.pk}/annotated.xlsx").status_code == 200


def test_every_error_is_kept_beyond_the_first_page(client, world, tmp_path):
    from budgets.models import BudgetImportErrorPage
    from spreadsheets.problems import ERRORS_PER_PAGE
    from tests.budgets.conftest import login

    bad = BAD_ALLOCATIONS[1]  # an unknown unit code: at least one error a row
    job = rejected_job(world, tmp_path, [bad] * (ERRORS_PER_PAGE + 30))
    assert job.status == "rejected" and job.error_count > ERRORS_PER_PAGE and len(job.errors) == ERRORS_PER_PAGE
    every = list(job.error_entries())
    assert len(every) == job.error_count and every[:ERRORS_PER_PAGE] == job.errors
    assert [entry["row"] for entry in every] == sorted(entry["row"] for entry in every)
    assert every[-1]["row"] == ERRORS_PER_PAGE + 32  # the last row of the file (rows 3…)
    assert BudgetImportErrorPage.objects.filter(job=job).count() == (job.error_count - 1) // ERRORS_PER_PAGE
    login(client, "so_bk")
    page = client.get(f"/budgets/import/{job.pk}/").content.decode()
    assert 'data-testid="error-pages"' in page and f'href="/budgets/import/{job.pk}/?page=2"' in page
    second = client.get(f"/budgets/import/{job.pk}/?page=2").content.decode()
    assert f"<td>{every[ERRORS_PER_PAGE]['row']}</td>" in second
    # The annotated copy lists them all, not only the first page.
    marked = job.annotated.open("rb").read()
    from python_calamine import CalamineWorkbook

    listed = CalamineWorkbook.from_filelike(io.BytesIO(marked)).get_sheet_by_name("Danh sách lỗi").to_python()
    assert len(listed) == job.error_count + 1


def test_a_job_stuck_in_running_is_queued_again_and_then_runs(world, tmp_path, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    from budgets.importing.pipeline import budget_imports_requeue_stuck

    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    with path.open("rb") as handle:
        job = budget_import_create(acting_user=world["staff"], file=handle, kind="allocations", enqueue=False)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    BudgetImport.objects.filter(pk=job.pk).update(status="running", started_at=long_ago, progress=30)
    assert budget_imports_requeue_stuck(older_than=timezone.now() - datetime.timedelta(hours=2)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert budget_imports_requeue_stuck(older_than=timezone.now() - datetime.timedelta(minutes=30)) == 1
    job.refresh_from_db()
    assert job.status == "committed" and AllocationEntry.objects.count() == 6


def test_the_budget_import_sweeper_is_on_the_beat_schedule():
    from budgets.tasks import SWEEP_NAME
    from config.celery import app

    app.finalize(auto=True)
    app.loader.import_default_modules()
    assert app.conf.beat_schedule[SWEEP_NAME]["task"] == "budgets.budget_imports_requeue_stuck"
