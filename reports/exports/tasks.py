"""Thin Celery adapter over `reports.exports.jobs` (STYLE.md §8). Registered with the worker by
`config/celery.py` (`autodiscover_tasks(["reports.exports"])`)."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, name="reports.export_job_run")
def export_job_run_task(self, job_id: int) -> str | None:
    from reports.exports.jobs import export_job_run

    job = export_job_run(job_id=job_id)
    return job.status if job is not None else None
