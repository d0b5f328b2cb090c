"""What every spreadsheet import job shares: an abstract model and its lifecycle.

`SpreadsheetJob` is an abstract Django model (it needs no app: each concrete job, e.g. the budget imports, lives in
its own app and adds what it needs — the unit, the kind, its own counts): the status (queued → running → rejected
or committed → reverted), progress 0–100, the kept file and its original name, who uploaded it and when, row
counts, the error count with the first page of errors (`spreadsheets.problems` entries, sorted), warnings, and the
annotated copy of a rejected file (`spreadsheets.annotate`). The further pages of errors are rows of a concrete
`JobErrorPage` whose foreign key to the job has `related_name="error_pages"`; `ErrorPages` and `error_entries`
read them a page at a time (the review import's `households.ImportErrorPage` follows the same convention).

The helpers move a job through its life and save only the fields they change:
`job_start`, `job_progress`, `job_reject` (with problems), `job_finish`; `job_error_pages_save` keeps the pages
`job_reject` returns. They write nothing else; the caller owns its transaction. (The review import's
`households.ImportBatch` predates this base and keeps its own fields.)
"""

from collections.abc import Iterable, Iterator, Mapping

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spreadsheets.problems import ERRORS_PER_PAGE, Problem, as_dicts, errors_stored, sorted_problems


def job_upload_path(job: "SpreadsheetJob", filename: str) -> str:
    """<app>/<model>/<yyyy>/<first two of sha256>/<sha256>-<name>; without a hash, the upload date stands in."""
    meta = job._meta
    day = timezone.localdate()
    if job.sha256:
        return f"{meta.app_label}/{meta.model_name}/{day.year}/{job.sha256[:2]}/{job.sha256}-{filename}"
    return f"{meta.app_label}/{meta.model_name}/{day:%Y/%m/%d}/{filename}"


def job_annotated_path(job: "SpreadsheetJob", filename: str) -> str:
    """<app>/<model>/<yyyy>/annotated/<job id>-<name>: the annotated copy beside the kept uploads."""
    meta = job._meta
    return f"{meta.app_label}/{meta.model_name}/{timezone.localdate().year}/annotated/{job.pk}-{filename}"


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
    # The uploaded file with its bad cells marked (spreadsheets.annotate), built once when the job is rejected.
    annotated = models.FileField(_("bản sao có đánh dấu"), upload_to=job_annotated_path, max_length=300,
                                 blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.REJECTED, self.Status.COMMITTED, self.Status.REVERTED}

    @property
    def committed(self) -> bool:
        return self.status == self.Status.COMMITTED

    def error_pages_all(self) -> "ErrorPages":
        """Every error, sorted, to slice or page through (django.core.paginator.Paginator)."""
        return ErrorPages(self)

    def error_entries(self) -> Iterator[dict]:
        """Every error, sorted, one stored page at a time."""
        return error_entries(self)


class JobErrorPage(models.Model):
    """Page `number` (2, 3, …) of a rejected job's errors, ERRORS_PER_PAGE entries as the API shows them. A
    concrete page model adds the foreign key to its job, with `related_name="error_pages"`."""

    number = models.PositiveIntegerField()
    entries = models.JSONField(default=list)

    class Meta:
        abstract = True


class ErrorPages:
    """A job's errors as a sequence for django.core.paginator.Paginator: its length is the job's `error_count` and a
    slice reads only the stored pages it spans (one query; none for the first page, kept on the job). Works for any
    job with `errors`, `error_count` and `error_pages` (a SpreadsheetJob, or the review import's ImportBatch)."""

    def __init__(self, job):
        self.job = job

    def __len__(self) -> int:
        return self.job.error_count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("ErrorPages supports slices only")
        start, stop, _step = index.indices(len(self))
        if start >= stop:
            return []
        first, last = start // ERRORS_PER_PAGE + 1, (stop - 1) // ERRORS_PER_PAGE + 1
        pages = {1: self.job.errors} if first == 1 else {}
        if last > 1:
            pages.update(self.job.error_pages.filter(number__range=(max(first, 2), last))
                         .values_list("number", "entries"))
        entries = [entry for number in range(first, last + 1) for entry in pages.get(number, [])]
        offset = (first - 1) * ERRORS_PER_PAGE
        return entries[start - offset:stop - offset]


def error_entries(job) -> Iterator[dict]:
    """Every error of `job` (as ErrorPages), sorted, one stored page at a time."""
    yield from job.errors
    if job.error_count > len(job.errors):
        for entries in job.error_pages.order_by("number").values_list("entries", flat=True).iterator(chunk_size=20):
            yield from entries


def job_error_pages_save(*, job, pages: list[list[dict]]) -> None:
    """Pages 2, 3, … of a job's errors (what `job_reject` / `problems.errors_stored` return), replacing any it
    had: one DELETE and one INSERT per 200 pages."""
    related = job.error_pages
    related.all().delete()
    owner = related.field.name
    related.model.objects.bulk_create(
        (related.model(**{owner: job}, number=number, entries=entries)
         for number, entries in enumerate(pages, start=2)),
        batch_size=200,
    )


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
    stored, further = errors_stored(as_dicts(sorted_problems(problems, by_message=by_message)))
    job.status, job.progress, job.finished_at = job.Status.REJECTED, 100, timezone.now()
    job.errors, job.error_count = stored["errors"], stored["error_count"]
    job.rejected_reason = reason
    fields = ["status", "progress", "finished_at", "errors", "error_count", "rejected_reason"]
    if rows is not None:
        job.rows = rows
        fields.append("rows")
    job.save(update_fields=fields)
    return further


def job_finish(*, job: SpreadsheetJob, rows: int, written: int, warnings: list | None = None) -> None:
    """running → committed with its counts and warnings."""
    job.status, job.progress, job.finished_at = job.Status.COMMITTED, 100, timezone.now()
    job.rows, job.rows_written = rows, written
    job.warnings = list(warnings or [])
    job.save(update_fields=["status", "progress", "finished_at", "rows", "rows_written", "warnings"])
