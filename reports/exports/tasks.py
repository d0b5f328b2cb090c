"""Thin Celery adapter over `reports.exports.jobs` (docs/architecture.md, Conventions). Registered with the worker by
`config/celery.py` (`autodiscover_tasks(["reports.exports"])`). The jobs module never imports this one: it queues
"reports.export_job_run" by name (`config.followups.after_commit`)."""

from celery import shared_task

from config.celery import app
from reports.exports.jobs import export_job_run, export_jobs_sweep


@shared_task(bind=True, acks_late=True, name="reports.export_job_run")
def export_job_run_task(self, job_id: int) -> str | None:
    job = export_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="reports.export_jobs_sweep")
def export_jobs_sweep_task() -> list[int]:
    return list(export_jobs_sweep())


SWEEP_NAME = "reports: export jobs housekeeping"


def _register_sweeper(celery_app) -> None:
    celery_app.add_periodic_task(600.0, export_jobs_sweep_task.s(), name=SWEEP_NAME)


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    """Every 10 minutes: stuck jobs marked failed, files older than a week deleted."""
    _register_sweeper(sender)


if app.finalized:
    _register_sweeper(app)
