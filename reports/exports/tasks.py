"""Thin Celery adapter over `reports.exports.jobs` (docs/architecture.md, Conventions). Registered with the worker by
`config/celery.py` (`autodiscover_tasks(["reports.exports"])`). The jobs module never imports this one: it queues
"reports.export_job_run" by name (`config.followups.after_commit`)."""

from celery import shared_task

from config.celery import beat_entry
from reports.exports.jobs import export_job_run, export_jobs_sweep


@shared_task(bind=True, acks_late=True, name="reports.export_job_run")
def export_job_run_task(self, job_id: int) -> str | None:
    job = export_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="reports.export_jobs_sweep")
def export_jobs_sweep_task() -> list[int]:
    return list(export_jobs_sweep())


SWEEP_NAME = "reports: export jobs housekeeping"


# Every 10 minutes: stuck jobs marked failed, files older than a week deleted.
beat_entry(600.0, export_jobs_sweep_task, name=SWEEP_NAME)
