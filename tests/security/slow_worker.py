"""A Celery app for the killed-worker test ONLY (never imported by the project).

It is the project's own app, with one change: the import's commit transaction pauses right after it has
inserted the batch's households and reviews with their statuses (when the counts for the status update are
taken), touching the file named by FAULT_MARKER so the test knows the worker is in the middle of the commit. The
test then SIGKILLs it. Production code carries no hook: the pause is patched in here.
"""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
django.setup()

from config.celery import app  # noqa: E402
from households.importing import write  # noqa: E402

__all__ = ["app"]


def _paused_classification_counts(*args, **kwargs):
    Path(os.environ["FAULT_MARKER"]).write_text(str(os.getpid()))
    time.sleep(600)


# reviews_commit calls it once the households and reviews are written, inside the commit transaction, on both
# paths (PostgreSQL no longer calls households.services.transitions_recompute there: statuses are set in SQL).
write.classification_counts = _paused_classification_counts
