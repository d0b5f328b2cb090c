"""What every spreadsheet import job shares: an abstract model and its lifecycle.

`SpreadsheetJob` is an abstract Django model (it needs no app: each concrete job, e.g. the budget imports, lives in
its own app and adds what it needs — the unit, the kind, its own counts): the status (queued → running → rejected
or committed → reverted), progress 0–100, the kept file and its original name, who uploaded it and when, row
counts, the error count with the first page of errors (`spreadsheets.problems` entries, sorted) and warnings.

The helpers move a job through its life and save only the fields they change:
`job_start`, `job_progress`, `job_reject` (with problems), `job_finish`. They write nothing else; the caller owns
its transaction. (The review import's `households.ImportBatch` predates this base and keeps its own fields.)
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spreadsheets.problems import ERRORS_PER_PAGE, Problem, as_dicts, paged, sorted_problems


def job_upload_path(job: "SpreadsheetJob", filename: str) -> str:
    """<app>/<model>/<yyyy>/<first two of sha256>/<sha256>-<name>; without a hash, the upload date stands in."""
    meta = job._meta
    day = timezone.localdate()
    if job.sha256:
        return f"{meta.app_label}/{meta.model_name}/{day.year}/{job.sha256[:2]}/{job.sha256}-{filename}"
    return f"{meta.app_label}/{meta.model_name}/{day:%Y/%m/%d}/{filename}"


class SpreadsheetJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang xử lý")
        REJECTED = "rejected", _("Bị từ chối")
        COMMITTED = "committed", _("Đã nhập")
        REVERTED = "reverted", _("Đã hoàn tác")

    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    file = models.FileField(_("tệp"), upload_to=job_upload_path, max_length=300, blank=True)
    original_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size_bytes = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    rows_written = models.PositiveIntegerField(_("số dòng đã ghi"), default=0)
    rows_rejected = models.PositiveIntegerField(_("số dòng lỗi"), default=0)
    # The first ERRORS_PER_PAGE errors, sorted (spreadsheets.problems); `error_count` says how many there were.
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)
    warnings = models.JSONField(_("cảnh báo"), default=list, blank=True)
    rejected_reason = models.TextField(_("lý do từ chối"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.REJECTED, self.Status.COMMITTED, self.Status.REVERTED}

    @property
    def committed(self) -> bool:
        return self.status == self.Status.COMMITTED


def job_start(*, job: SpreadsheetJob) -> None:
    """queued → running, progress 0."""
    job.status, job.progress, job.started_at = job.Status.RUNNING, 0, timezone.now()
    job.save(update_fields=["status", "progress", "started_at"])


def job_progress(*, job: SpreadsheetJob, percent: int) -> None:
    """The progress (0–100), written only when it moves (one UPDATE of one column)."""
    percent = max(0, min(100, int(percent)))
    if percent != job.progress:
        job.progress = percent
        type(job).objects.filter(pk=job.pk).update(progress=percent)


def job_reject(*, job: SpreadsheetJob, problems: Iterable[Problem | Mapping] = (), reason: str = "",
               rows: int | None = None, by_message: bool = False) -> list[list[dict]]:
    """running → rejected: the problems sorted (by row and column; `by_message` also by text), their count and
    first page stored on the job, `reason` (a file-level message, e.g. a reader error) kept. Returns the further
    pages (2, 3, …) for a caller that keeps them; nothing else is written."""
    pages = paged(as_dicts(sorted_problems(problems, by_message=by_message)), per_page=ERRORS_PER_PAGE)
    job.status, job.progress, job.finished_at = job.Status.REJECTED, 100, timezone.now()
    job.errors = pages[0] if pages else []
    job.error_count = sum(len(page) for page in pages)
    job.rejected_reason = reason
    fields = ["status", "progress", "finished_at", "errors", "error_count", "rejected_reason"]
    if rows is not None:
        job.rows = rows
        fields.append("rows")
    job.save(update_fields=fields)
    return pages[1:]


def job_finish(*, job: SpreadsheetJob, rows: int, written: int, warnings: list | None = None) -> None:
    """running → committed with its counts and warnings."""
    job.status, job.progress, job.finished_at = job.Status.COMMITTED, 100, timezone.now()
    job.rows, job.rows_written = rows, written
    job.warnings = list(warnings or [])
    job.save(update_fields=["status", "progress", "finished_at", "rows", "rows_written", "warnings"])
