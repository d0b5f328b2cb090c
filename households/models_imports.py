"""Import batches: one row per uploaded workbook, holding its status, counts, errors and the file itself.

Imported by `households.models`, so the models belong to the households app.
"""

import json
import zlib
from collections.abc import Iterator

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from provinces.models import AdministrativeUnit
from spreadsheets.jobs import ErrorPages, SpreadsheetJob, error_entries


def upload_path(batch: "ImportBatch", filename: str) -> str:
    return f"imports/{batch.year}/{batch.sha256[:2]}/{batch.sha256}-{filename}"


# The summary page shows this many warnings; the rest are only in the annotated workbook.
WARNINGS_SHOWN = 500


def warnings_stored(entries: list[dict]) -> dict:
    """The ImportBatch fields that hold a sorted warning list: its length, the first WARNINGS_SHOWN entries as
    JSON (what the page reads), and, when there are more, the whole list as zlib-compressed JSON. A province's
    declared-vs-computed mismatches can be tens of thousands of entries (20 MB of JSON, 1 MB compressed)."""
    return {
        "warnings": len(entries),
        "warning_list": entries[:WARNINGS_SHOWN],
        "warning_archive": (
            zlib.compress(json.dumps(entries, ensure_ascii=False).encode(), 1) if len(entries) > WARNINGS_SHOWN
            else None
        ),
    }


# A rejected batch's errors are read a page at a time (the import page, the API): the first page is kept on the
# batch (`errors`, what the API's detail and list show), each further page in an ImportErrorPage row. The paging is
# the import core's (spreadsheets.problems.errors_stored, spreadsheets.jobs.ErrorPages), shared with the budget
# imports.


def annotated_path(batch: "ImportBatch", filename: str) -> str:
    return f"imports/{batch.year}/{batch.sha256[:2]}/annotated/{batch.pk}-{filename}"


class ImportBatch(models.Model):
    Status = SpreadsheetJob.Status  # the job states every spreadsheet import shares (spreadsheets.jobs)

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="import_batches", help_text=_("Phạm vi của người tải lên; trống khi hệ thống nhập (toàn quốc)."),
    )
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    file = models.FileField(_("tệp"), upload_to=upload_path, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    created = models.PositiveIntegerField(_("hộ thêm mới"), default=0)
    updated = models.PositiveIntegerField(_("hộ cập nhật"), default=0)
    rejected = models.PositiveIntegerField(_("dòng lỗi"), default=0)
    warnings = models.PositiveIntegerField(_("cảnh báo"), default=0)
    mismatches = models.PositiveIntegerField(_("khác phân loại của xã"), default=0)
    replaced_reviews = models.PositiveIntegerField(_("kết quả cũ được thay"), default=0)
    counts = models.JSONField(_("số hộ theo phân loại"), default=dict, blank=True)
    # The first ERRORS_PER_PAGE errors; the rest in ImportErrorPage rows (see `errors_stored`).
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)
    # The first WARNINGS_SHOWN warnings; the whole list is `warning_entries()` (see `warnings_stored`).
    warning_list = models.JSONField(_("danh sách cảnh báo"), default=list, blank=True)
    warning_archive = models.BinaryField(null=True, blank=True, editable=False)
    rejected_reason = models.TextField(_("lý do từ chối"), blank=True)
    # The officer's workbook with its bad cells marked (annotate.py), written once by the worker.
    annotated = models.FileField(_("bản sao có đánh dấu"), upload_to=annotated_path, max_length=300, blank=True)
    requeued = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lần nhập danh sách")
        verbose_name_plural = _("các lần nhập danh sách")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "year", "status"], name="import_unit_year_status_idx"),
            models.Index(fields=["status", "started_at"], name="import_status_started_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)

    def warning_entries(self) -> list[dict]:
        """Every warning, sorted by (row, column)."""
        if self.warning_archive is None:
            return self.warning_list
        return json.loads(zlib.decompress(bytes(self.warning_archive)))

    def error_pages_all(self) -> ErrorPages:
        """Every error, sorted by (row, column), to slice or page through."""
        return ErrorPages(self)

    def error_entries(self) -> Iterator[dict]:
        """Every error, sorted by (row, column), one stored page at a time."""
        return error_entries(self)

    @property
    def issues_shown(self) -> list[dict]:
        """What the summary table lists of a batch without errors: its warnings (the first 500)."""
        return self.warning_list

    @property
    def issue_count(self) -> int:
        return self.error_count or len(self.errors) or self.warnings


class ImportErrorPage(models.Model):
    """Page `number` (2, 3, …) of a rejected batch's errors, ERRORS_PER_PAGE entries as the API shows them."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="error_pages", db_index=False)
    number = models.PositiveIntegerField()
    entries = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="import_error_page_batch_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.number}"


class ImportHouseholdSnapshot(models.Model):
    """A household's fields before a batch changed them (`data`). Batches committed before
    Household.created_by_batch_id existed also hold a row with NULL `data` for each household they created."""

    # Both ids come from the rows the importer's statement is reading (the batch it runs, the households it updates),
    # and deleting either goes through Django's CASCADE: no database constraint, so no check per row at COMMIT.
    # `batch` is indexed by the (batch, household) constraint.
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="household_snapshots",
                              db_index=False, db_constraint=False)
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+",
                                  db_constraint=False)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "household"], name="import_snapshot_batch_household_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.household_id}"


class ImportReplacedReview(models.Model):
    """A review a batch replaced, kept whole (every column of HouseholdReview, its id as `review_id`) so the
    earlier import stays in history and a revert can put it back exactly. Typed columns, not a JSON document:
    the importer copies the rows it deletes with one INSERT … SELECT, and a revert copies them back the same way."""

    # Written in the statement that deletes the reviews they keep (whose household FK was checked), for the batch
    # being run; deleting a batch or a household goes through Django's CASCADE. No database constraints, so no
    # two checks per kept review at COMMIT. `household` is indexed by import_replaced_household_idx.
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="replaced_reviews_kept",
                              db_constraint=False)
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)
    year = models.PositiveSmallIntegerField()
    # The other columns of the review, as HouseholdReview has them (commune and standard as plain ids).
    review_id = models.BigIntegerField()
    commune_id = models.BigIntegerField()
    kind = models.CharField(max_length=8)
    review_date = models.DateField(null=True, blank=True)
    standard_id = models.BigIntegerField()
    area = models.CharField(max_length=5)
    income_per_capita = models.BigIntegerField()
    members = models.PositiveSmallIntegerField()
    deprivations = models.JSONField(default=list, blank=True)
    deprivation_count = models.PositiveSmallIntegerField()
    classification = models.CharField(max_length=10)
    declared_classification = models.CharField(max_length=10, blank=True)
    is_mismatch = models.BooleanField(default=False)
    transition = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001 - as HouseholdReview's
    is_newly_escaped = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    import_batch_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["household", "year"], name="import_replaced_household_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.household_id}/{self.year}"
