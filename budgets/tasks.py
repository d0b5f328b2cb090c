"""Thin Celery adapters over the budget services (docs/architecture.md, Conventions)."""

import datetime

from celery import shared_task
from django.utils import timezone

from budgets.importing.pipeline import budget_import_process, budget_imports_requeue_stuck
from config.celery import beat_entry


@shared_task(acks_late=True, name="budgets.budget_import_process")
def budget_import_process_task(job_id: int, reason: str = "") -> str:
    """Run a queued budget import. Idempotent: a redelivered task finds the job no longer queued and does nothing."""
    return budget_import_process(job_id=job_id).status


@shared_task(name="budgets.budget_imports_requeue_stuck")
def budget_imports_requeue_stuck_task(minutes: int = 30) -> int:
    """A worker that died mid-import leaves its job `running`; put it back in the queue."""
    return budget_imports_requeue_stuck(older_than=timezone.now() - datetime.timedelta(minutes=minutes))


SWEEP_NAME = "budgets: requeue budget imports stuck in running"


# Every 10 minutes, jobs left `running` by a dead worker for over 30 minutes go back to the queue.
beat_entry(600.0, budget_imports_requeue_stuck_task, name=SWEEP_NAME)
