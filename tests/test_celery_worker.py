"""A task really runs through a Celery worker on Redis (CI), not in eager mode."""

import os
import time

import pytest

from tests.conftest import require_real_services
from tests.workers import worker_start, worker_stop


@pytest.fixture
def celery_worker_process():
    require_real_services()
    worker = worker_start(name="pytest")
    try:
        yield worker
    finally:
        worker_stop(worker)


def test_health_task_runs_in_a_real_worker(celery_worker_process):
    from config.celery import app
    from config.tasks import health_ping

    app.conf.task_always_eager = False
    try:
        started = time.monotonic()
        result = health_ping.delay("xin chào")
        answer = result.get(timeout=60)
    finally:
        app.conf.task_always_eager = True
    assert answer["value"] == "xin chào"
    assert answer["pid"] == celery_worker_process.pid
    assert answer["pid"] != os.getpid()
    assert time.monotonic() - started < 60
