"""Thin Celery adapters over the import services (docs/architecture.md, Conventions).

The services never import this module: they queue these tasks by their registered names
(config.followups.after_commit), so the dependency runs one way, tasks → services."""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from config.celery import beat_entry
from households.importing.services import import_batch_process, import_batches_requeue_stuck
from households.services import search_index_flush

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, name="households.import_batch_process")
def import_batch_process_task(self, batch_id: int) -> str:
    batch = import_batch_process(batch_id=batch_id)
    if batch.is_finished and (batch.error_count or batch.warnings):
        # The annotated copy, built once here rather than in the request that downloads it (issue 18). Imported
        # here: openpyxl is heavy, and the processes that load this module for the follow-ups (the CLI) need none.
        from households.importing.annotate import import_batch_annotate

        try:
            import_batch_annotate(batch=batch)
        except Exception:  # the download builds it then; the import itself has finished
            logger.exception("import batch %s: its annotated copy was not built", batch_id)
    return batch.status


@shared_task(name="households.import_batches_requeue_stuck")
def import_batches_requeue_stuck_task(minutes: int = 30) -> int:
    """A worker that died mid-import leaves its batch `running`; put it back in the queue (nothing was committed:
    the commit is one transaction)."""
    return import_batches_requeue_stuck(older_than=timezone.now() - datetime.timedelta(minutes=minutes))


@shared_task(name="households.search_index_flush")
def search_index_flush_task() -> int:
    """After an import: the search indexes' pending entries merged, off the import's transaction (0007)."""
    return search_index_flush()


SWEEP_NAME = "households: requeue imports stuck in running"


# Every 10 minutes, batches left `running` by a dead worker for over 30 minutes go back to the queue.
beat_entry(600.0, import_batches_requeue_stuck_task, name=SWEEP_NAME)
