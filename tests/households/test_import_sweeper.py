import datetime

import pytest
from django.utils import timezone

from config.celery import app
from households.importing.services import import_batches_requeue_stuck
from households.models import ImportBatch
from households.tasks import SWEEP_NAME


def test_sweeper_is_on_the_beat_schedule():
    app.finalize(auto=True)
    app.loader.import_default_modules()
    assert SWEEP_NAME in app.conf.beat_schedule
    assert app.conf.beat_schedule[SWEEP_NAME]["task"] == "households.import_batches_requeue_stuck"


@pytest.mark.django_db
def test_batches_stuck_in_running_go_back_to_the_queue(na_ri, django_capture_on_commit_callbacks):
    old = ImportBatch.objects.create(
        unit=na_ri["units"]["066"], year=2023, original_name="a.xlsx", sha256="a" * 64,
        status=ImportBatch.Status.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=2), progress=40,
    )
    recent = ImportBatch.objects.create(
        unit=na_ri["units"]["066"], year=2023, original_name="b.xlsx", sha256="b" * 64,
        status=ImportBatch.Status.RUNNING, started_at=timezone.now(), progress=40,
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert import_batches_requeue_stuck(older_than=timezone.now() - datetime.timedelta(minutes=30)) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.progress, old.requeued) == (ImportBatch.Status.QUEUED, 0, 1)
    assert recent.status == ImportBatch.Status.RUNNING
    assert len(callbacks) == 1
