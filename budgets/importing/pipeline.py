"""The budget import job: created with its file kept and queued (`budget_import_create`), then run to committed or
rejected by the worker (`budget_import_process`, through the Celery task `budgets.budget_import_process`).

One path serves the page (`/budgets/import/`), the API (`POST /api/v1/budget-imports/`) and
`manage.py import_budgets` (which runs the job in the command's process). A job is whole or nothing: the rows are
checked and written in one transaction holding the touched lines' row locks (budgets.importing.rows); a file with
any problem writes nothing but the job's errors: every one of them (the first page on the job, the rest in
BudgetImportErrorPage rows, as the review import keeps its own) and, for a file read as a table, the annotated copy
of the upload (`budget_import_annotate`, the import core's spreadsheets.annotate). Safe to run twice: only a queued
job runs.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from budgets.importing import rows as budget_rows
from budgets.importing.columns import columns_of
from budgets.importing.selectors import may_import
from budgets.models import BudgetImport
from config.errors import ApplicationError
from config.followups import after_commit
from provinces.viewer import viewer_of
from spreadsheets.headers import find_header
from spreadsheets.jobs import job_error_pages_save, job_finish, job_progress, job_reject, job_start
from spreadsheets.problems import file_problem
from spreadsheets.sheet import HEADER_SCAN_ROWS, SheetError, read_sheet
from spreadsheets.uploads import upload_refuse_duplicate, upload_sha256, upload_size_check

logger = logging.getLogger(__name__)

TASK = "budgets.budget_import_process"
CHECKS = {BudgetImport.Kind.ALLOCATIONS: budget_rows.allocations_check,
          BudgetImport.Kind.DISBURSEMENTS: budget_rows.disbursements_check}
WRITES = {BudgetImport.Kind.ALLOCATIONS: budget_rows.allocations_write,
          BudgetImport.Kind.DISBURSEMENTS: budget_rows.disbursements_write}


def budget_import_create(*, acting_user, file, kind: str, file_name: str = "", enqueue: bool = True
                         ) -> BudgetImport:
    """Keep the upload and queue it. `acting_user=None` is a system import (the whole country).

    Refused: a role that may not import (PermissionDenied); an unknown kind, an empty or oversized file, or content
    already committed as the same kind for the same unit (ApplicationError naming the field; a duplicate adds
    `duplicate_of`)."""
    viewer = viewer_of(acting_user) if acting_user is not None else None
    if viewer is not None and not may_import(viewer=viewer):
        raise PermissionDenied(_("Chỉ chuyên viên Sở của tỉnh mới được nhập số liệu ngân sách."))
    if kind not in BudgetImport.Kind.values:
        raise ApplicationError(_("Loại số liệu phải là kế hoạch vốn hoặc giải ngân."), field="kind")
    if not isinstance(file, File):  # an open file (the command, tests): Django's wrapper knows its size
        file = File(file, name=file_name or Path(getattr(file, "name", "") or "upload").name)
    upload_size_check(file)
    unit = viewer.unit if viewer is not None else None
    sha256 = upload_sha256(file)
    upload_refuse_duplicate(BudgetImport.objects.filter(sha256=sha256, kind=kind, unit=unit,
                                                        status=BudgetImport.Status.COMMITTED).order_by("pk").first())
    file.seek(0)
    name = (file_name or getattr(file, "name", "") or "upload")
    with transaction.atomic():
        job = BudgetImport(kind=kind, unit=unit, uploaded_by=acting_user, sha256=sha256, size_bytes=file.size,
                           original_name=Path(name).name[:255])
        job.file.save(Path(job.original_name).name, File(file), save=False)
        job.save()
        if enqueue:
            after_commit(TASK, job_id=job.pk, reason="budget import uploaded")
    return job


def budget_import_process(*, job_id: int) -> BudgetImport:
    """Run one queued job to `committed` or `rejected` (any other status: returned as it is)."""
    with transaction.atomic():
        job = BudgetImport.objects.select_for_update().get(pk=job_id)
        if job.status != BudgetImport.Status.QUEUED:
            return job
        job_start(job=job)
    try:
        _run(job)
    except Exception:  # whatever went wrong, nothing was written (one transaction): say so on the job
        logger.exception("budget import %s failed", job.pk)
        job.refresh_from_db()
        if not job.is_finished:
            message = _("Lỗi hệ thống khi xử lý tệp; không có số liệu nào được ghi. Hãy thử lại hoặc báo quản trị.")
            job_reject(job=job, problems=[file_problem(message)], reason=message)
    if job.status == BudgetImport.Status.REJECTED and job.rows:
        try:  # once, here: the page's download serves the file (a file that was no table has nothing to mark)
            budget_import_annotate(job=job)
        except Exception:  # the download builds it then; the job itself has finished
            logger.exception("budget import %s: its annotated copy was not built", job.pk)
    return job


def header_columns(kind: str):
    """For spreadsheets.annotate: the header texts of a `kind` sheet, as written, → their positions."""
    def locate(scanned: list[tuple[int, list]]) -> dict[str, int]:
        header, _rest = find_header(iter(scanned), columns_of(kind), scan_rows=HEADER_SCAN_ROWS)
        if header is None:
            return {}
        return {text: index for index, text in [*header.ignored, *header.columns.values()]}
    return locate


def budget_import_annotate(*, job: BudgetImport, in_request: bool = False) -> BudgetImport:
    """Build a rejected job's annotated copy (its upload with every bad cell marked and commented, and the list of
    its errors) and keep it on the job, unless it has one already. Run once the job is rejected; the download builds
    it (`in_request`: a tenth of settings.IMPORT_ANNOTATED_MAX_ROWS) only for a job that has none."""
    if job.status != BudgetImport.Status.REJECTED:
        return job
    from spreadsheets import annotate  # openpyxl: loaded only where a copy is built

    def build(target: Path) -> None:
        annotate.annotated_workbook(
            source=Path(job.file.path) if job.file else None, issues=job.error_entries, count=job.error_count,
            rows=job.rows, locate=header_columns(job.kind), scan_rows=HEADER_SCAN_ROWS, target=target,
            in_request=in_request, label=f"budget import {job.pk}",
        )

    annotate.annotated_keep(job=job, build=build, name=f"{Path(job.original_name).stem[:80]}.xlsx")
    return job


def _reject_file(job: BudgetImport, message: str, *, row: int = 1) -> None:
    job_reject(job=job, problems=[file_problem(message, row=row)], reason=message, rows=0)


def _run(job: BudgetImport) -> None:
    acting_user = job.uploaded_by
    if acting_user is None and job.unit_id is not None:  # the uploader was removed: never run as the system
        _reject_file(job, _("Người tải tệp lên không còn trong hệ thống; không có số liệu nào được ghi."))
        return
    if acting_user is not None and not may_import(viewer=viewer_of(acting_user)):
        _reject_file(job, _("Người tải tệp lên không còn được nhập số liệu ngân sách."))
        return
    job_progress(job=job, percent=5)
    try:
        sheet = read_sheet(Path(job.file.path), columns_of(job.kind))
    except SheetError as error:
        _reject_file(job, error.message, row=error.row)
        return
    job_progress(job=job, percent=30)
    with transaction.atomic():
        try:
            plan = CHECKS[job.kind](sheet, acting_user=acting_user)
        except SheetError as error:
            _reject_file(job, error.message, row=error.row)
            return
        job_progress(job=job, percent=70)
        if not plan.ok:
            job.rows_rejected, job.warnings = plan.rejected_rows, plan.warnings
            job.save(update_fields=["rows_rejected", "warnings"])
            further = job_reject(job=job, problems=plan.problems, rows=plan.rows, by_message=True)
            if further:
                job_error_pages_save(job=job, pages=further)
            return
        written = WRITES[job.kind](plan, acting_user=acting_user, job=job)
        job.created, job.updated = written, plan.updated
        job.save(update_fields=["created", "updated"])
        job_finish(job=job, rows=plan.rows, written=written, warnings=plan.warnings)


def budget_imports_requeue_stuck(*, older_than) -> int:
    """Jobs still `running` since before `older_than` (their worker died: nothing was written, the write is one
    transaction) go back to `queued` and are queued again. Returns how many."""
    stuck = list(BudgetImport.objects.filter(status=BudgetImport.Status.RUNNING, started_at__lt=older_than)
                 .values_list("pk", flat=True))
    for job_id in stuck:
        with transaction.atomic():
            if BudgetImport.objects.filter(pk=job_id, status=BudgetImport.Status.RUNNING).update(
                    status=BudgetImport.Status.QUEUED, progress=0):
                after_commit(TASK, job_id=job_id, reason="budget import requeued")
    return len(stuck)


def budget_import_check(*, path, kind: str, acting_user) -> tuple[int, list[dict]]:
    """Read and check a file without a job and without writing anything (`import_budgets --dry-run`): the data
    rows and the problems (file problems included), as a job would find them now."""
    try:
        sheet = read_sheet(Path(path), columns_of(kind))
        with transaction.atomic():
            plan = CHECKS[kind](sheet, acting_user=acting_user)
            transaction.set_rollback(True)  # nothing to undo but the line locks: release them now
    except SheetError as error:
        return 0, [file_problem(error.message, row=error.row).as_dict()]
    return plan.rows, plan.problems
