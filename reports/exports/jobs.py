"""Export jobs: the writes (create, run) and the scoped reads of `reports.models.ExportJob`.

A job belongs to the user who asked for it: only its owner sees it or downloads its file (anyone else gets a 404,
as for a job that does not exist). The job runs as the owner: the household list is read through the owner's scope
when the job runs, so a job never holds data its owner may not see.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.followups import after_commit
from households.selectors import may_see_personal_data
from provinces.models import AdministrativeUnit
from provinces.viewer import viewer_of
from reports.models import ExportJob

logger = logging.getLogger(__name__)


def export_jobs_of(*, user) -> QuerySet[ExportJob]:
    """The user's own jobs, newest first."""
    if not user or not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(owner=user).select_related("unit")


def export_job_create(*, owner, kind: str, unit: AdministrativeUnit, year: int,
                      parameters: dict | None = None) -> ExportJob:
    """Record the job and queue it (the task "reports.export_job_run", by name) once the row is committed."""
    with transaction.atomic():
        job = ExportJob.objects.create(owner=owner, kind=kind, unit=unit, year=year, parameters=parameters or {})
        after_commit("reports.export_job_run", job_id=job.pk)
    return job


def _file_name(job: ExportJob) -> str:
    classification = job.parameters.get("classification") or "tat-ca"
    return f"danh-sach-ho-{job.unit.code}-{job.year}-{classification}.xlsx"


def export_job_run(*, job_id: int) -> ExportJob:
    """Run a queued job (a job in any other state is left alone, so a redelivered task does nothing). On failure
    the job is marked failed with a message and any partial file is removed."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("unit", "owner").filter(pk=job_id).first()
        if job is None or job.status != ExportJob.Status.QUEUED:
            return job
        job.status = ExportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.progress = 0
        job.save(update_fields=["status", "started_at", "progress"])
    relative = f"exports/{job.created_at:%Y/%m}/{job.pk}-{_file_name(job)}"
    path = Path(settings.MEDIA_ROOT) / relative
    try:
        if job.kind != ExportJob.Kind.HOUSEHOLDS:
            raise ValueError(f"export kind {job.kind!r} does not run as a job")
        path.parent.mkdir(parents=True, exist_ok=True)
        written = _run_households(job, path)
    except Exception:
        logger.exception("export job %s failed", job.pk)
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, finished_at=timezone.now(),
            error=_("Không tạo được tệp. Hãy thử lại; nếu vẫn lỗi, báo cho quản trị hệ thống."),
        )
        job.refresh_from_db()
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, progress=100, rows=written, file=relative, file_name=_file_name(job),
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def _run_households(job: ExportJob, path: Path) -> int:
    from reports.exports.households import HouseholdListRequest, household_list_xlsx

    request = HouseholdListRequest(user=job.owner, unit=job.unit, year=job.year,
                                   classification=job.parameters.get("classification", ""))

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 99
        ExportJob.objects.filter(pk=job.pk).update(progress=percent, rows=done)

    written = household_list_xlsx(request, path, on_progress=progress)
    if may_see_personal_data(viewer=viewer_of(job.owner)):
        from households.models import PersonalDataAccess
        from households.personal_data import personal_data_access_record

        personal_data_access_record(
            user=job.owner, action=PersonalDataAccess.Action.HOUSEHOLD_EXPORT, unit=job.unit, row_count=written,
            description=_("Xuất danh sách hộ năm %(year)s (tệp #%(job)s)") % {"year": job.year, "job": job.pk},
        )
    return written


def export_jobs_sweep(*, now=None, stuck_minutes: int = 30, keep_days: int = 7) -> tuple[int, int]:
    """Housekeeping, every few minutes on beat: a job left `running` by a dead worker for `stuck_minutes` is marked
    failed (its owner asks again; nothing else depends on it), and files older than `keep_days` are deleted (the
    job row stays, without its file). Returns (jobs failed, files deleted)."""
    import datetime

    now = now or timezone.now()
    failed = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, started_at__lt=now - datetime.timedelta(minutes=stuck_minutes)
    ).update(status=ExportJob.Status.FAILED, finished_at=now,
             error=_("Việc tạo tệp bị gián đoạn. Hãy yêu cầu lại."))
    deleted = 0
    old = ExportJob.objects.filter(finished_at__lt=now - datetime.timedelta(days=keep_days)).exclude(file="")
    for job in old.only("pk", "file"):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    return failed, deleted
