"""Real Celery workers for the tests that need one (PostgreSQL + Redis, CI): a separate process on the test
database, its output in a file (never a pipe nobody drains), stopped politely and then killed."""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database as a URL, so the worker process writes where the test reads."""
    config = connection.settings_dict
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"


def worker_start(
    *, app_module: str = "config", queue: str | None = None, name: str = "pytest", extra_env: dict | None = None
) -> subprocess.Popen:
    """A solo-pool worker on `queue` (None: the default queue); `worker.log` is the path of its output."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": database_url(),
           **(extra_env or {})}
    log = Path(tempfile.mkstemp(prefix="worker-", suffix=".log")[1])
    command = [sys.executable, "-m", "celery", "-A", app_module, "worker", "--pool=solo", "--concurrency=1",
               "--loglevel=WARNING", "--without-gossip", "--without-mingle",
               f"--hostname={queue or name}-{uuid.uuid4().hex[:4]}@%h"]
    if queue:
        command += ["-Q", queue]
    with log.open("w") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
    worker.log = log
    return worker


def worker_stop(worker: subprocess.Popen, *, forget_log: bool = True) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    if forget_log:
        worker.log.unlink(missing_ok=True)
