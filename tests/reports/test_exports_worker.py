"""A household-list export really runs in a Celery worker on Redis against PostgreSQL (CI), not in eager mode: the
page queues the job, the worker writes the file, the owner downloads it."""

import io
import time

import pytest
from python_calamine import CalamineWorkbook

from reports.exports.households import HEADER_ROW
from reports.models import ExportJob
from tests.conftest import require_real_services
from tests.factories import TEST_PASSWORD
from tests.households.factories import HouseholdFactory, record
from tests.workers import worker_start, worker_stop


@pytest.fixture
def worker(transactional_db, tmp_path):
    require_real_services()
    media = tmp_path / "media"
    process = worker_start(name="exports", extra_env={"MEDIA_ROOT": str(media)})
    try:
        yield media
    finally:
        worker_stop(process)


def test_export_job_runs_in_a_real_worker(client, worker, units, people, settings):
    from config.celery import app
    from households.services import standards_load

    settings.MEDIA_ROOT = worker
    standards_load()
    for n in range(5):
        record(HouseholdFactory(commune=units["kim_hy"], head_name=f"Hộ số {n}"), 2024, "poor")
    assert client.login(username="canbo_nari", password=TEST_PASSWORD)
    app.conf.task_always_eager = False
    try:
        response = client.post("/reports/exports/households/", {"unit": "066", "year": 2024})
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 302
    job = ExportJob.objects.get()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.5)
    assert (job.status, job.progress, job.rows) == ("done", 100, 5)
    content = b"".join(client.get(f"/reports/exports/jobs/{job.pk}/download/").streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert sorted(row[2] for row in rows[HEADER_ROW + 1:]) == [f"Hộ số {n}" for n in range(5)]
