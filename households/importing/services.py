"""The import services: one pipeline for the web upload, the API and `manage.py import_reviews`.

create (store the file, refuse duplicates, queue the task by name) → process (parse, validate, classify; reject
whole or commit whole) → revert; and the sweeper that puts batches left running by a dead worker back in the queue.
Status lives on the ImportBatch row; households.tasks holds thin adapters over these functions, which never import
it (the task is queued by its registered name, config.followups.after_commit).
"""

import hashlib
import logging
import time
from pathlib import Path

from django.core.files import File
from django.db import DatabaseError, OperationalError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict
from config.followups import after_commit
from households import cycle
from households.importing import validate
from households.importing.parse import BackgroundParse, gc_paused, parse_context, parse_workbook, standard_for_year
from households.importing.stage import discard_kept, staged_tables_drop
from households.importing.upload_check import upload_refuse_non_table
from households.importing.write import (
    RowsRejected,
    commune_ids,
    follow_ups_queue,
    households_update,
    reviews_commit,
    reviews_commit_streamed,
    reviews_restore,
    unit_lock,
)
from households.models import Household, HouseholdReview, ImportBatch, ImportReplacedReview
from households.models_imports import warnings_stored
from households.services import transitions_recompute
from provinces.models import AdministrativeUnit
from provinces.viewer import viewer_of
from spreadsheets.jobs import job_error_pages_save
from spreadsheets.problems import as_dicts, errors_stored, file_problem, sorted_problems
from spreadsheets.reader import WorkbookError
from spreadsheets.uploads import upload_refuse_duplicate, upload_sha256, upload_size_check

logger = logging.getLogger(__name__)
PROCESS_TASK = "households.import_batch_process"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_unit_of(user) -> AdministrativeUnit | None:
    """The unit whose communes an upload may touch; None for a system import (the command without --user)."""
    if user is None:
        return None
    viewer = viewer_of(user)
    if viewer.profile is None:
        raise ApplicationError(_("Tài khoản chưa được gắn với đơn vị hành chính nên không nhập được dữ liệu."))
    if not viewer.may("imports", "create"):  # leadership (the access matrix)
        raise ApplicationError(_("Vai trò lãnh đạo chỉ xem số liệu tổng hợp, không nhập danh sách hộ."))
    return viewer.unit


def import_batch_create(
    *, uploaded_file, year: int, acting_user, original_name: str = "", enqueue: bool = True
) -> ImportBatch:
    """Store the upload and queue it. Refuses a workbook whose exact content was already committed."""
    unit = import_unit_of(acting_user)
    upload_size_check(uploaded_file)
    upload_refuse_non_table(uploaded_file, original_name or getattr(uploaded_file, "name", "") or "")
    standard_for_year(year)  # raises ApplicationError(field="year") for years no standard covers
    # The review cycle: a submitted, approved or published year takes no import (Conflict: 409 in the API). Checked
    # again in the commit, under the unit's lock, since a submit can come while the file is queued.
    cycle.lock_check(unit_id=unit.pk if unit is not None else None, year=year)
    sha256 = upload_sha256(uploaded_file)
    upload_refuse_duplicate(
        ImportBatch.objects.filter(sha256=sha256, unit=unit, status=ImportBatch.Status.COMMITTED).first())
    uploaded_file.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            unit=unit, year=year, uploaded_by=acting_user, sha256=sha256, size_bytes=uploaded_file.size,
            original_name=(original_name or getattr(uploaded_file, "name", "") or "upload")[:255],
        )
        batch.file.save(Path(batch.original_name).name, File(uploaded_file), save=False)
        batch.save()
        if enqueue:
            transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> None:
    """Queue the batch's task (households.tasks.import_batch_process_task) by its registered name."""
    after_commit(PROCESS_TASK, batch_id=batch_id)


def _set_progress(batch_id: int, progress: int) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(progress=progress)


def _set_progress_unless_locked(batch_id: int, progress: int) -> None:
    """From the parse thread (PostgreSQL): the progress is cosmetic, so a batch row locked by another transaction
    is skipped after 0.2 s instead of waited for (the caller's thread waits on this one)."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            _set_progress(batch_id, progress)
    except OperationalError:
        logger.info("progress of import batch %s not shown: its row is locked", batch_id)


def import_batch_process(*, batch_id: int) -> ImportBatch:
    """Run one queued batch to `committed` or `rejected`. Safe to call twice: only a queued batch runs."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != ImportBatch.Status.QUEUED:
            return batch
        batch.status = ImportBatch.Status.RUNNING
        batch.started_at = timezone.now()
        batch.progress = 1
        batch.save(update_fields=["status", "started_at", "progress"])
    started = time.monotonic()
    try:
        with gc_paused():
            if connection.vendor == "postgresql":
                _parse_and_commit_streamed(batch)
            else:
                _parse_then_commit(batch)
    except WorkbookError as error:
        _reject(batch, problems=[file_problem(str(error))], warnings=[], rows=0)
    except validate.HeaderError as error:
        _reject(batch, problems=[error.problem], warnings=[], rows=0)
    except Conflict as error:  # the year was submitted or published while the file was queued (households.cycle)
        _reject(batch, problems=[file_problem(error.message)], warnings=[], rows=0)
    except Exception as error:
        logger.exception("import batch %s failed", batch.pk)
        _reject(batch, problems=[file_problem(_(
            "Lỗi hệ thống khi xử lý tệp; dữ liệu chưa được nhập. Xin thử lại hoặc báo quản trị (mã lỗi: %(name)s)."
        ) % {"name": error.__class__.__name__})], warnings=[], rows=0)
    ImportBatch.objects.filter(pk=batch.pk).update(duration_seconds=round(time.monotonic() - started, 3))
    batch.refresh_from_db()
    return batch


def _parse_then_commit(batch: ImportBatch) -> None:
    """The embedded mode (SQLite, one writer at a time): parse everything, then commit in one transaction."""
    rows, problems, warnings = parse_workbook(
        path=Path(batch.file.path), year=batch.year, unit=batch.unit,
        progress=lambda value: _set_progress(batch.pk, value), size_bytes=batch.size_bytes,
    )
    if problems:
        _reject(batch, problems=problems, warnings=warnings, rows=len(rows) + len({p.row for p in problems}))
        return
    _set_progress(batch.pk, 60)
    reviews_commit(batch=batch, rows=rows, warnings=warnings)


def _parse_and_commit_streamed(batch: ImportBatch) -> None:
    """PostgreSQL: the workbook is parsed in a thread while this one writes its clean chunks in the commit
    transaction, so that the database works on one chunk while Python reads the next (two cores instead of one
    after the other). A workbook with a problem anywhere is rolled back whole and rejected, as before.

    Unless the caller is inside a transaction of its own, the parse thread also stages each chunk (its rows with
    their households looked up, stage.chunk_stage) on its own connection, in an unlogged table of the batch's,
    and keeps there the reviews the chunk replaces (ImportReplacedReview, committed at once), so that the writer's
    connection only writes and deletes; the tables are dropped once the transaction has ended, and the kept
    reviews too when the batch did not commit. Staging reads the registry as committed: a caller's uncommitted
    rows would not be seen, hence the exception."""
    context = parse_context(year=batch.year, unit=batch.unit)
    stage_prefix = None
    if not connection.in_atomic_block:
        stage_prefix = staged_tables_drop(batch_id=batch.pk)
        discard_kept(batch_id=batch.pk)  # what a dead run of this batch kept (it never committed)
    parse = BackgroundParse(
        path=Path(batch.file.path), year=batch.year, context=context,
        commune_ids=commune_ids(set(context.communes), year=batch.year),
        progress=lambda value: _set_progress_unless_locked(batch.pk, value), size_bytes=batch.size_bytes,
        stage_prefix=stage_prefix, keep_for_batch=batch.pk if stage_prefix is not None else None,
    )
    committed = False
    try:
        reviews_commit_streamed(batch=batch, parse=parse)
        committed = True
    except RowsRejected as rejected:
        _reject(batch, problems=rejected.problems, warnings=rejected.warnings,
                rows=rejected.rows + len({problem.row for problem in rejected.problems}))
    finally:
        parse.stop()
        if stage_prefix is not None:
            try:
                if not committed:  # the stager's copies of reviews this batch did not replace after all
                    discard_kept(batch_id=batch.pk)
                staged_tables_drop(batch_id=batch.pk)
            except DatabaseError:  # not to hide what went wrong before; a rerun of the batch drops them first
                logger.warning("import batch %s: its staging tables or kept reviews were not dropped", batch.pk,
                               exc_info=True)


def _reject(batch: ImportBatch, *, problems, warnings, rows: int) -> None:
    problems = sorted_problems(problems)
    stored, pages = errors_stored(as_dicts(problems))
    with transaction.atomic():
        job_error_pages_save(job=batch, pages=pages)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.REJECTED, progress=100, finished_at=timezone.now(), rows=rows,
            rejected=len({problem.row for problem in problems}), **stored,
            rejected_reason=problems[0].message if problems else "",
            **warnings_stored([warning.as_dict() for warning in warnings]),
        )


def import_batches_requeue_stuck(*, older_than) -> int:
    """Batches still `running` since before `older_than` go back to `queued` and are enqueued again."""
    stuck = list(
        ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, started_at__lt=older_than)
        .values_list("pk", flat=True)
    )
    for batch_id in stuck:
        updated = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.QUEUED, progress=0, requeued=models.F("requeued") + 1
        )
        if updated:
            transaction.on_commit(lambda batch_id=batch_id: _enqueue(batch_id))
    return len(stuck)


def import_batch_revert(*, batch: ImportBatch, acting_user) -> ImportBatch:
    viewer = viewer_of(acting_user)
    if viewer.profile is None or not viewer.may("imports", "revert"):  # provincial staff and admins
        raise ApplicationError(_("Chỉ chuyên viên Sở mới được hoàn tác một lần nhập."))
    with transaction.atomic():
        unit_lock(batch.unit_id)
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.COMMITTED:
            raise ApplicationError(_("Chỉ hoàn tác được lần nhập đã ghi vào hệ thống."))
        # The review cycle: no revert in a submitted, approved or published year (households.cycle.Conflict).
        cycle.lock_check(unit_id=batch.unit_id, year=batch.year, lock=True, commune_ids=set(
            HouseholdReview.objects.filter(import_batch_id=batch.pk).values_list("commune_id", flat=True).distinct()))
        newer = (  # (only committed batches: a running one's stager keeps copies before its commit)
            ImportReplacedReview.objects.filter(import_batch_id=batch.pk, batch__status=ImportBatch.Status.COMMITTED)
            .exclude(batch=batch).values_list("batch_id", flat=True).first()
        )
        if newer is not None:
            raise ApplicationError(_(
                "Một lần nhập sau (số %(id)s) đã thay một phần dữ liệu của lần nhập này; hãy hoàn tác lần đó trước."
            ) % {"id": newer})
        ours = HouseholdReview.objects.filter(import_batch_id=batch.pk)
        household_ids = list(ours.values_list("household_id", flat=True))
        ours.delete()
        reviews_restore(batch=batch)
        snapshots = list(batch.household_snapshots.select_related("household"))
        restored = []
        for snapshot in snapshots:
            if snapshot.data is None:
                continue
            household = snapshot.household
            for name, value in snapshot.data.items():
                setattr(household, name, value)
            restored.append(household)
        households_update(restored)
        # The households the batch created and that have no reviews left (batches committed before
        # created_by_batch_id existed name them by a snapshot without data).
        created_before = [snapshot.household_id for snapshot in snapshots if snapshot.data is None]
        batch.household_snapshots.all().delete()
        Household.objects.filter(created_by_batch_id=batch.pk, reviews__isnull=True).delete()
        if created_before:
            Household.objects.filter(pk__in=created_before, reviews__isnull=True).delete()
        remaining = list(Household.objects.filter(pk__in=household_ids).values_list("pk", flat=True))
        transitions_recompute(household_ids=remaining, year=batch.year)
        batch.status = ImportBatch.Status.REVERTED
        batch.reverted_at = timezone.now()
        batch.reverted_by = viewer.user
        batch.save(update_fields=["status", "reverted_at", "reverted_by"])
        follow_ups_queue(unit_id=batch.unit_id, year=batch.year)
    return batch
