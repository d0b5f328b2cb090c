"""Faults: a worker killed mid-import, the database going away, Redis down.

Fault scenarios (each a test below):
1. Celery worker SIGKILLed inside the import's commit transaction (PostgreSQL + Redis, real worker processes):
   nothing of the batch is committed, the batch stays visibly `running`, the sweeper requeues it and a fresh
   worker commits it whole.
2. Database unreachable inside a view: Vietnamese 503 page (API: JSON 503), Retry-After, the next request works.
3. Database unreachable before the view (session lookup): the same 503 through handler500.
4. Database connections terminated (PostgreSQL restart): the next request reconnects by itself.
5. Redis down (broker configured): /healthz says the broker is down (503), the upload page and
   POST /api/v1/imports/ refuse the file with a Vietnamese message and store nothing.
"""

import signal
import subprocess
import time
import uuid
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.utils import timezone

from households.importing.services import import_batch_create, import_batches_requeue_stuck
from households.models import Household, HouseholdReview, ImportBatch
from tests import DATA
from tests.conftest import require_postgres, require_real_services
from tests.workers import worker_start, worker_stop

SAMPLE = DATA / "review-2023-066-600.xlsx"
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _wait_for(condition, *, timeout: float, what: str, worker: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker is not None and worker.poll() is not None:
            break
        time.sleep(0.2)
    output = ""
    if worker is not None:
        worker_stop(worker, forget_log=False)
        output = worker.log.read_text()
    pytest.fail(f"timed out waiting for {what}; worker exit code {worker and worker.returncode}:\n{output[-3000:]}")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_commit_leaves_nothing_and_the_retry_commits_whole(na_ri, tmp_path):
    require_real_services()
    from config.celery import app

    queue = f"faults-{uuid.uuid4().hex[:8]}"
    marker = tmp_path / "in-commit"
    killed = worker_start(app_module="tests.security.slow_worker", queue=queue, extra_env={"FAULT_MARKER": str(marker)})
    previous_queue, app.conf.task_default_queue = app.conf.task_default_queue, queue
    app.conf.task_always_eager = False
    retry_worker = None
    try:
        batch = import_batch_create(
            uploaded_file=SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes()), year=2023,
            acting_user=na_ri["officer"], original_name=SAMPLE.name,
        )  # autocommit (transaction=True): the batch row is committed and the task sent at once
        _wait_for(marker.exists, timeout=300, what="the worker to reach the middle of the commit", worker=killed)
        # The worker has inserted households and reviews in its open transaction; nobody else sees them.
        assert Household.objects.count() == 0
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=20)
        assert killed.returncode == -signal.SIGKILL

        # PostgreSQL rolls the dead backend's transaction back: nothing half-committed.
        _wait_for(lambda: not _worker_backends_in_transaction(), timeout=30, what="the dead transaction to end")
        assert Household.objects.count() == 0
        assert HouseholdReview.objects.filter(import_batch_id=batch.pk).count() == 0
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.RUNNING  # visibly stuck: the status page shows it running
        assert (batch.created, batch.finished_at) == (0, None)

        # The retry: the beat sweeper's job puts it back in the queue; a fresh worker commits it whole.
        retry_worker = worker_start(queue=queue)
        assert import_batches_requeue_stuck(older_than=timezone.now()) == 1
        batch = _wait_for(
            lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.COMMITTED).first(),
            timeout=300, what="the requeued batch to commit", worker=retry_worker,
        )
        assert batch.requeued == 1
        assert batch.rows == 600 and batch.created == 600
        assert Household.objects.count() == 600
        assert HouseholdReview.objects.filter(import_batch_id=batch.pk).count() == 600
    finally:
        app.conf.task_always_eager = True
        app.conf.task_default_queue = previous_queue
        worker_stop(killed)
        if retry_worker is not None:
            worker_stop(retry_worker)


def _worker_backends_in_transaction() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_xid IS NOT NULL"
        )
        return cursor.fetchone()[0]


def _broken_database(*args, **kwargs):
    raise OperationalError("connection to server at \"db\" (10.0.0.5), port 5432 failed: Connection refused")


def _database_lost_in(client, people, target: str, url: str):
    """Staff's GET of `url` while `target` (a function the view calls) finds the database gone."""
    client.force_login(people["staff"])
    with mock.patch(target, side_effect=_broken_database):
        return client.get(url)


@pytest.mark.django_db
def test_database_lost_inside_a_view_gives_a_vietnamese_503_page_then_recovers(client, people):
    response = _database_lost_in(client, people, "households.views.review_years_visible_to", "/households/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Cơ sở dữ liệu tạm thời không truy cập được" in page
    assert "Traceback" not in page
    assert client.get("/households/").status_code == 200  # the outage is over: the next request works


@pytest.mark.django_db
def test_database_lost_inside_an_api_view_gives_json_503(client, people):
    response = _database_lost_in(client, people, "households.api.views.household_reviews_visible_to",
                                 "/api/v1/reviews/")
    assert response.status_code == 503
    assert "Cơ sở dữ liệu tạm thời không truy cập được" in response.json()["detail"]


@pytest.mark.django_db
def test_database_down_before_the_view_still_gives_the_503_page(people):
    client = Client(raise_request_exception=False)
    client.force_login(people["staff"])
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=_broken_database):
        response = client.get("/households/")
    assert response.status_code == 503
    assert "Cơ sở dữ liệu tạm thời không truy cập được" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_terminated_database_connections_are_reopened_on_the_next_request():
    """As after a PostgreSQL restart: the persistent connection (CONN_MAX_AGE) is dead; the next request
    goes through Django's real WSGI handler (request_started/finished signals, which the test client mutes)."""
    require_postgres()
    import json

    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    handler = WSGIHandler()

    def healthz() -> tuple[str, dict]:
        statuses = []
        response = handler(RequestFactory()._base_environ(PATH_INFO="/healthz", REQUEST_METHOD="GET"),
                           lambda status, headers: statuses.append(status))
        body = b"".join(response)
        response.close()  # request_finished: Django drops a connection that errored
        return statuses[0], json.loads(body)

    assert healthz()[0].startswith("200")
    old_pid = connection.connection.info.backend_pid  # kept open between requests (CONN_MAX_AGE)
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        assert other.execute("SELECT pg_terminate_backend(%s)", [old_pid]).fetchone()[0] is True
    finally:
        other.close()
    status, body = healthz()
    assert status.startswith("200"), body
    assert body == {"status": "ok"}  # the database answered (details only for staff accounts)
    assert connection.connection.info.backend_pid != old_pid


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=CLOSED_PORT_BROKER)
def test_healthz_reports_the_broker_down(client, django_user_model):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    client.force_login(django_user_model.objects.create_user("van_hanh", is_staff=True))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=CLOSED_PORT_BROKER)
def test_uploads_are_refused_while_the_broker_is_down(client, na_ri):
    client.force_login(na_ri["officer"])
    content = SAMPLE.read_bytes()
    page = client.post("/imports/", {"year": 2023, "file": SimpleUploadedFile(SAMPLE.name, content)})
    assert page.status_code == 200
    assert "Hàng đợi xử lý đang không hoạt động" in page.content.decode()
    api = client.post("/api/v1/imports/", {"year": 2023, "file": SimpleUploadedFile(SAMPLE.name, content)})
    assert api.status_code == 503
    assert "Hàng đợi xử lý đang không hoạt động" in api.json()["detail"]
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_redis_lost_between_the_check_and_the_queueing_gives_a_503_not_a_500(na_ri):
    """The upload passed the broker check, then queueing the job (on commit) failed: a Vietnamese 503 that says
    the batch may be saved; the batch is there, queued, for the retry."""
    from kombu.exceptions import OperationalError as BrokerError

    client = Client(raise_request_exception=False)
    client.force_login(na_ri["officer"])
    content = SAMPLE.read_bytes()
    lost = BrokerError("Error 111 connecting to redis:6379. Connection refused.")
    with mock.patch("households.importing.services._enqueue", side_effect=lost):
        page = client.post("/imports/", {"year": 2023, "file": SimpleUploadedFile(SAMPLE.name, content)})
    assert page.status_code == 503
    assert "Hàng đợi xử lý (Redis) đang không hoạt động" in page.content.decode()
    with mock.patch("households.importing.services._enqueue", side_effect=lost):
        api = client.post("/api/v1/imports/", {"year": 2024, "file": SimpleUploadedFile(SAMPLE.name, content)})
    assert api.status_code == 503
    assert "Hàng đợi xử lý (Redis)" in api.json()["detail"]
    assert set(ImportBatch.objects.values_list("status", flat=True)) == {ImportBatch.Status.QUEUED}
