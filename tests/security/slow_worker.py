"""A Celery app for the killed-worker test ONLY (never imported by the project).

It is the project's own app, with one change: the import's commit transaction pauses right after it has
inserted the batch's households and reviews (just before the transition recompute and the status update),
touching the file named by FAULT_MARKER so the test knows the worker is in the middle of the commit. The test
then SIGKILLs it. Production code carries no hook: the pause is patched in here.
"""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
django.setup()

import households.services as services  # noqa: E402
from config.celery import app  # noqa: E402

__all__ = ["app"]


def _paused_transitions_recompute(*args, **kwargs):
    Path(os.environ["FAULT_MARKER"]).write_text(str(os.getpid()))
    time.sleep(600)


services.transitions_recompute = _paused_transitions_recompute
