"""The "Báo cáo" page in headless chromium: the summary workbook downloads, and a household-list job's page polls its
progress (htmx) until the file is ready, then downloads it."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from python_calamine import CalamineWorkbook

from provinces.models import HouseholdTotal
from reports.aggregates import poverty_recompute
from reports.exports import jobs, tasks
from reports.exports.households import HEADER_ROW
from reports.models import ExportJob
from tests.browser import ARTIFACTS, browser_page, log_in
from tests.factories import TEST_PASSWORD
from tests.households.factories import HouseholdFactory, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewed(units, people, settings, tmp_path):
    from households.services import standards_load

    settings.MEDIA_ROOT = tmp_path / "media"
    standards_load()
    for n, classification in enumerate(["poor", "poor", "near_poor", "middle"]):
        record(HouseholdFactory(commune=units["kim_hy"], head_name=f"Hộ Kim Hỷ {n}"), 2024, classification)
    for commune in ("kim_hy", "yen_lac"):
        HouseholdTotal.objects.create(unit=units[commune], year=2024, total_households=50, source="entered")
    poverty_recompute()
    return units


def test_reports_page_downloads_and_polls_an_export_job(live_server, reviewed, people, tmp_path, monkeypatch):
    queued = []  # the task is recorded, not sent: the job waits in `queued`, as it would for a busy worker
    monkeypatch.setattr(tasks.export_job_run_task, "delay", lambda job_id: queued.append(job_id))
    with browser_page() as page:
        log_in(page, live_server.url, "canbo_nari", TEST_PASSWORD)
        page.goto(f"{live_server.url}/reports/")
        assert page.locator("#report-unit").input_value() == "066"
        page.screenshot(path=str(ARTIFACTS / "reports-exports.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_test_id("download-summary").click()
        summary = tmp_path / "summary.xlsx"
        download_info.value.save_as(summary)
        rows = CalamineWorkbook.from_path(str(summary)).get_sheet_by_index(0).to_python()
        assert rows[9][1] == "066" and rows[9][4] == 2 and rows[9][5] == 2.0  # 2 poor of 100

        page.get_by_test_id("export-households").click()
        status = page.get_by_test_id("export-status")
        status.wait_for()
        assert status.get_attribute("data-status") == "queued"
        with ThreadPoolExecutor(1) as worker:  # what the Celery worker does; the page learns it by polling
            job_pk = worker.submit(run_the_queued_job).result()
        page.locator("[data-testid=export-status][data-status=done]").wait_for()
        assert queued == [job_pk]
        page.screenshot(path=str(ARTIFACTS / "reports-export-done.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_test_id("export-download").click()
        listing = tmp_path / "households.xlsx"
        download_info.value.save_as(listing)
        rows = CalamineWorkbook.from_filelike(io.BytesIO(listing.read_bytes())).get_sheet_by_index(0).to_python()
        assert sorted(row[2] for row in rows[HEADER_ROW + 1:]) == [f"Hộ Kim Hỷ {n}" for n in range(4)]



def run_the_queued_job() -> int:
    """In its own thread and database connection, closed afterwards (ORM calls inside Playwright's event loop would
    open a connection that outlives the test)."""
    try:
        job = ExportJob.objects.get()
        jobs.export_job_run(job_id=job.pk)
        return job.pk
    finally:
        connections.close_all()
