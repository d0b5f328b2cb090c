"""A task really runs through a Celery worker on Redis (CI), not in eager mode."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require_real_services

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def celery_worker_process():
    require_real_services()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--hostname=pytest@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


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
