"""The import service: one pipeline for the web upload, the API and `manage.py import_reviews`.

create (store the file, refuse duplicates) → process (parse, validate, classify; reject whole or commit
whole) → revert. Status lives on the ImportBatch row; tasks are thin adapters over these functions.
"""

import contextlib
import gc
import hashlib
import logging
import queue
import threading
import time
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, OperationalError, connection, connections, models, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config.api import ApplicationError, Conflict
from households import cycle
from households.classification import ClassificationValue, StandardRules, classify
from households.importing import normalise, validate
from households.importing.example_row import EXAMPLE_FIRST, is_example_row
from households.importing.upload_check import upload_refuse_non_table
from households.models import HouseholdReview, ImportBatch
from households.models_imports import error_pages_save, errors_stored, warnings_stored
from households.selectors import standards_all
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import profile_of, scope_filter, units_in_force
from spreadsheets.reader import WorkbookError, open_table

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 5000
MERGED_CHUNK_ROWS = 20_000  # chunks waiting for the writer are written together, up to this many rows


class ClassifiedRow(NamedTuple):
    """A parsed row with its computed classification. A named tuple: built and read 100,000 times per province
    (a frozen dataclass's __init__ and a property for is_mismatch cost about ten times more)."""

    parsed: validate.ParsedRow
    classification: str
    deprivation_count: int
    reason: str
    is_mismatch: bool  # declared and different from the computed classification


class ParseContext(NamedTuple):
    """What parsing needs from the database, read before it starts (so that it can run in another thread)."""

    standard: StandardRules
    communes: dict[str, validate.Commune]
    scope_name: str
    elsewhere: dict[str, tuple[str, str]] | None = None  # communes outside the scope: code → (name, unit above)
    year: int | None = None


def parse_context(*, year: int, unit: AdministrativeUnit | None) -> ParseContext:
    return ParseContext(
        standard=standard_for_year(year), communes=_communes_in_scope(year=year, unit=unit),
        scope_name=unit.name if unit else _("danh mục đơn vị hành chính năm %(year)s") % {"year": year},
        elsewhere=_communes_elsewhere(year=year, unit=unit), year=year,
    )


def standard_for_year(year: int):
    """The standard a periodic review of `year` uses (ruling 1); ApplicationError naming `year` if none."""
    return standards_all().for_review(year=year, kind=HouseholdReview.Kind.PERIODIC)


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
    profile = profile_of(user)
    if profile is None:
        raise ApplicationError(_("Tài khoản chưa được gắn với đơn vị hành chính nên không nhập được dữ liệu."))
    if profile.role == "leadership":
        raise ApplicationError(_("Vai trò lãnh đạo chỉ xem số liệu tổng hợp, không nhập danh sách hộ."))
    return profile.unit


def import_batch_create(
    *, uploaded_file, year: int, acting_user, original_name: str = "", enqueue: bool = True
) -> ImportBatch:
    """Store the upload and queue it. Refuses a workbook whose exact content was already committed."""
    unit = import_unit_of(acting_user)
    size = uploaded_file.size
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise ApplicationError(
            _("Tệp %(size)s MB vượt giới hạn %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    if size == 0:
        raise ApplicationError(_("Tệp rỗng."), field="file")
    upload_refuse_non_table(uploaded_file, original_name or getattr(uploaded_file, "name", "") or "")
    standard_for_year(year)  # raises ApplicationError(field="year") for years no standard covers
    # The review cycle: a submitted, approved or published year takes no import (Conflict: 409 in the API). Checked
    # again in the commit, under the unit's lock, since a submit can come while the file is queued.
    cycle.lock_check(unit_id=unit.pk if unit is not None else None, year=year)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    earlier = ImportBatch.objects.filter(sha256=sha256, unit=unit, status=ImportBatch.Status.COMMITTED).first()
    if earlier is not None:
        raise ApplicationError(
            _("Tệp này (cùng nội dung) đã được nhập ngày %(date)s (lần nhập số %(id)s); không nhập lại.")
            % {"date": date_format(timezone.localtime(earlier.created_at), "DATETIME_FORMAT"), "id": earlier.pk},
            field="file", extra={"duplicate_of": earlier.pk},
        )
    uploaded_file.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            unit=unit, year=year, uploaded_by=acting_user, sha256=sha256, size_bytes=size,
            original_name=(original_name or getattr(uploaded_file, "name", "") or "upload")[:255],
        )
        batch.file.save(Path(batch.original_name).name, File(uploaded_file), save=False)
        batch.save()
        if enqueue:
            transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> None:
    from households.tasks import import_batch_process_task

    import_batch_process_task.delay(batch_id)


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
        _reject(batch, problems=[validate.Problem(1, "", "", str(error))], warnings=[], rows=0)
    except validate.HeaderError as error:
        _reject(batch, problems=[error.problem], warnings=[], rows=0)
    except Conflict as error:  # the year was submitted or published while the file was queued (households.cycle)
        _reject(batch, problems=[validate.Problem(1, "", "", error.message)], warnings=[], rows=0)
    except Exception as error:
        logger.exception("import batch %s failed", batch.pk)
        _reject(batch, problems=[validate.Problem(1, "", "", _(
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
    from households.importing.commit import reviews_commit

    _set_progress(batch.pk, 60)
    reviews_commit(batch=batch, rows=rows, warnings=warnings)


def _parse_and_commit_streamed(batch: ImportBatch) -> None:
    """PostgreSQL: the workbook is parsed in a thread while this one writes its clean chunks in the commit
    transaction, so that the database works on one chunk while Python reads the next (two cores instead of one
    after the other). A workbook with a problem anywhere is rolled back whole and rejected, as before.

    Unless the caller is inside a transaction of its own, the parse thread also stages each chunk (its rows with
    their households looked up, commit.chunk_stage) on its own connection, in an unlogged table of the batch's,
    so that the writer's connection only writes; the tables are dropped once the transaction has ended. Staging
    reads the registry as committed: a caller's uncommitted rows would not be seen, hence the exception."""
    from households.importing.commit import RowsRejected, commune_ids, reviews_commit_streamed, staged_tables_drop

    context = parse_context(year=batch.year, unit=batch.unit)
    stage_prefix = None if connection.in_atomic_block else staged_tables_drop(batch_id=batch.pk)
    parse = BackgroundParse(
        path=Path(batch.file.path), year=batch.year, context=context,
        commune_ids=commune_ids(set(context.communes), year=batch.year),
        progress=lambda value: _set_progress_unless_locked(batch.pk, value), size_bytes=batch.size_bytes,
        stage_prefix=stage_prefix,
    )
    try:
        reviews_commit_streamed(batch=batch, parse=parse)
    except RowsRejected as rejected:
        _reject(batch, problems=rejected.problems, warnings=rejected.warnings,
                rows=rejected.rows + len({problem.row for problem in rejected.problems}))
    finally:
        parse.stop()
        if stage_prefix is not None:
            try:
                staged_tables_drop(batch_id=batch.pk)
            except DatabaseError:  # not to hide what went wrong before; a rerun of the batch drops them first
                logger.warning("import batch %s: its staging tables were not dropped", batch.pk, exc_info=True)


class BackgroundParse:
    """parse_workbook in a thread of its own; its clean chunks handed over through a bounded queue, so that the
    writer's thread does little more than pass them on while the database writes. Each chunk comes as its COPY
    text for the staging table (commit.stage_text), or, given `stage_prefix`, staged already (commit.StagedChunk,
    an unlogged table named after the prefix): the thread then waits for the writer to hold the unit's lock
    (unit_locked()) before its first chunk, and gathers rows while the writer is busy, up to MERGED_CHUNK_ROWS.

    The thread reads nothing from the database before the writer holds the lock (the context and the communes'
    ids are read before it starts, on the caller's connection); its own connection (closed when it ends) stages
    the chunks and writes the batch's progress outside the caller's transaction, so that the upload page sees it
    move. It looks households up in the registry as committed once the writer holds the lock, which is what the
    writer's transaction sees but for its own rows; those it need not see, since no two chunks hold the same
    household (a workbook with a code twice is rejected whole).
    """

    _DONE = object()

    def __init__(self, *, path: Path, year: int, context: ParseContext, commune_ids: dict[str, int], progress,
                 size_bytes: int, stage_prefix: str | None = None):
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._stopped = threading.Event()
        self._locked = threading.Event()  # the writer holds the unit's lock
        self._waiting = threading.Event()  # the writer waits for a chunk
        self._outcome: tuple | None = None
        self._stored_warnings: dict | None = None
        self._error: BaseException | None = None
        self._commune_ids = commune_ids
        self._sent = 0
        self._year, self._stage_prefix = year, stage_prefix
        self._pending: list[str] = []
        self._pending_rows = 0
        self._staged = 0
        self._sequence: str | None = None
        self._thread = threading.Thread(
            target=self._run, name="import-parse", daemon=True,
            kwargs={"language": translation.get_language(), "path": path, "year": year, "context": context,
                    "progress": progress, "size_bytes": size_bytes},
        )
        self._thread.start()

    def _run(self, *, language, **kwargs) -> None:
        try:
            with translation.override(language):  # gc is paused by the caller, for both threads
                self._outcome = parse_workbook(unit=None, on_chunk=self._chunk, progress_until=95, **kwargs)
                _rows, problems, warnings = self._outcome
                if not problems:  # what the batch will store, ready when the writer finishes
                    self._stage_pending()
                    from households.importing.commit import batch_warnings

                    self._stored_warnings = batch_warnings(warnings)
        except _Stopped:
            pass
        except BaseException as error:  # handed to the caller's thread, which raises it
            self._error = error
        finally:
            connections.close_all()  # this thread's connections only
            with contextlib.suppress(_Stopped):
                self._put(self._DONE)

    def _chunk(self, rows: list) -> None:
        from households.importing.commit import stage_text

        text = stage_text(rows, self._commune_ids, first=self._sent)
        self._sent += len(rows)
        if self._stage_prefix is None:
            self._put((len(rows), text))
            return
        self._pending.append(text)
        self._pending_rows += len(rows)
        if self._pending_rows >= MERGED_CHUNK_ROWS or self._waiting.is_set():
            self._stage_pending()

    def _stage_pending(self) -> None:
        """The rows gathered so far, staged in one unlogged table and handed over."""
        if not self._pending:
            return
        from households.importing.commit import chunk_stage, household_sequence, rows_table_create

        while not self._locked.wait(0.2):
            if self._stopped.is_set():
                raise _Stopped
        with transaction.atomic(), connection.cursor() as cursor:
            if self._sequence is None:
                rows_table_create(cursor, transaction_only=False)
                self._sequence = household_sequence(cursor)
            chunk = chunk_stage(cursor, text="".join(self._pending), table=f"{self._stage_prefix}_{self._staged}",
                                year=self._year, sequence=self._sequence, unlogged=True)
        self._staged += 1
        self._pending, self._pending_rows = [], 0
        self._put(chunk)

    def _put(self, item) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _get(self):
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            self._waiting.set()  # the parse thread stages what it has gathered instead of gathering on
            try:
                return self._queue.get()
            finally:
                self._waiting.clear()

    def unit_locked(self) -> None:
        """The writer's transaction holds the unit's lock: chunks may be staged."""
        self._locked.set()

    def chunks(self):
        """The clean chunks in file order: staged (StagedChunk), or as COPY text, several chunks at a time when
        they are waiting; then raises the parser's exception, if it had one."""
        while True:
            item = self._get()
            rows, texts = 0, []
            while item is not self._DONE:
                if type(item) is not tuple:  # StagedChunk: gathered by the parse thread already
                    yield item
                    break
                rows += item[0]
                texts.append(item[1])
                if rows >= MERGED_CHUNK_ROWS or self._queue.empty():
                    break
                item = self._queue.get()
            if rows:
                yield "".join(texts)
            if item is self._DONE:
                break
        self._thread.join()
        if self._error is not None:
            raise self._error

    def outcome(self) -> tuple[list, list, list]:
        """(classified rows, problems, warnings), once chunks() is exhausted."""
        return self._outcome

    def stored_warnings(self) -> dict | None:
        """commit.batch_warnings(warnings), once chunks() is exhausted (None if there were problems)."""
        return self._stored_warnings

    def stop(self) -> None:
        """Stop the thread early (the caller failed) or just wait for it to end."""
        self._stopped.set()
        self._thread.join()


class _Stopped(Exception):
    pass


@contextlib.contextmanager
def gc_paused():
    """Python's cyclic garbage collector paused for the duration. An import allocates millions of small objects
    that form no cycles (cells, parsed rows, tuples, warnings), and each collection they trigger walks all of them
    again: about a third of the parse time of 100,000 rows. Reference counting still frees them as usual; the few
    cycles wait for the next collection after the import."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _reject(batch: ImportBatch, *, problems, warnings, rows: int) -> None:
    problems = sorted(problems, key=lambda problem: (problem.row, problem.column))
    stored, pages = errors_stored([problem.as_dict() for problem in problems])
    with transaction.atomic():
        error_pages_save(batch_id=batch.pk, pages=pages)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.REJECTED, progress=100, finished_at=timezone.now(), rows=rows,
            rejected=len({problem.row for problem in problems}), **stored,
            rejected_reason=problems[0].message if problems else "",
            **warnings_stored([warning.as_dict() for warning in warnings]),
        )


def _communes_in_scope(*, year: int, unit: AdministrativeUnit | None) -> dict[str, validate.Commune]:
    units = units_in_force(on=end_of_year(year)).filter(level=AdministrativeUnit.Level.COMMUNE)
    if unit is not None:
        units = units.filter(scope_filter(unit=unit))
    return {
        code: validate.Commune(code, name, short_name, area)
        for code, name, short_name, area in units.values_list("code", "name", "short_name", "area")
    }


def _communes_elsewhere(*, year: int, unit: AdministrativeUnit | None) -> dict[str, tuple[str, str]]:
    """The communes in force outside the upload's scope, code → (name, name of the unit above), to name in an error
    (one query of a few thousand short rows; none for a system import, whose scope is every commune)."""
    if unit is None:
        return {}
    units = (units_in_force(on=end_of_year(year)).filter(level=AdministrativeUnit.Level.COMMUNE)
             .exclude(scope_filter(unit=unit)))
    return {code: (name, parent or "") for code, name, parent in units.values_list("code", "name", "parent__name")}


def parse_workbook(*, path: Path, year: int, unit: AdministrativeUnit | None, progress=None, size_bytes: int = 0,
                   context: ParseContext | None = None, on_chunk=None, progress_until: int = 55):
    """Read, validate and classify every row. Returns (classified rows, problems, warnings); writes nothing.

    With `context` given, reads nothing from the database. `on_chunk(rows)` is called with each chunk's classified
    rows as long as no row had a problem; progress goes from 5 to `progress_until`."""
    context = context or parse_context(year=year, unit=unit)
    standard = context.standard
    table = open_table(path)
    header, rows = validate.find_header(table.rows)
    validate.check_required(header, indicators=standard.indicators)
    warnings = validate.unknown_column_warnings(header)
    validator = validate.RowValidator(
        header=header, indicators=standard.indicators, communes=context.communes, scope_name=context.scope_name,
        elsewhere=context.elsewhere, year=context.year, warnings=warnings,  # + cells converted from legacy fonts
    )
    classified: list[ClassifiedRow] = []
    problems: list[validate.Problem] = []
    count = 0
    estimated = max(1, (size_bytes or path.stat().st_size) // 100)  # ~100 bytes a row in typical workbooks
    limit = settings.IMPORT_MAX_ROWS
    mismatch_message = _(
        "Dòng %(row)s: xã ghi “%(declared)s” nhưng theo chuẩn %(standard)s hộ được tính là "
        "“%(computed)s” (%(reason)s). Hãy kiểm tra lại thông tin của hộ."
    )
    declared_header = header.header("declared_classification")
    declared_index = header.columns.get("declared_classification", (None, ""))[0]
    # classify() is pure: one call per distinct (area, income, deprivations); the row's part of the result (with
    # is_mismatch and its warning message) once per distinct declared classification on top.
    scored_inputs: dict[tuple, tuple[str, int, str]] = {}
    results: dict[tuple, tuple[tuple[str, int, str, bool], str | None]] = {}
    code_index = header.columns.get("household_code", (None, ""))[0]
    name_index = header.columns.get("head_name", (None, ""))[0]
    seen_codes = validator.seen_codes
    new_row = tuple.__new__

    def result_of(parsed: validate.ParsedRow) -> tuple[tuple[str, int, str, bool], str | None]:
        key = (parsed.area, parsed.income_per_capita, parsed.deprivations)
        scored = scored_inputs.get(key)
        if scored is None:
            classification = classify(
                standard=standard, area=parsed.area, income_per_capita=parsed.income_per_capita,
                deprivations=parsed.deprivations,
            )
            scored = scored_inputs[key] = (
                str(classification.classification), classification.deprivation_count, classification.reason)
        declared = parsed.declared_classification
        is_mismatch = bool(declared) and declared != scored[0]
        # The warning differs between rows only by the row number: rendered here with a NUL where the number
        # goes (no rendered value contains one).
        message = mismatch_message % {
            "row": "\0", "declared": _label(declared), "standard": standard.code, "computed": _label(scored[0]),
            "reason": scored[2]} if is_mismatch else None
        result = results[(*key, declared)] = ((*scored, is_mismatch), message)
        return result

    def accepted_rows(chunk: list[tuple[int, list]]) -> list[validate.ParsedRow]:
        """The chunk's rows that parse, in file order: a clean row is taken as parsed unless its code was seen
        before; any other row gets the exact row validator (its messages, the first-seen row of a duplicate)."""
        fast = validator.fast_many(chunk)
        codes = [parsed.household_code for parsed in fast if parsed is not None]
        if len(codes) == len(chunk) and len(set(codes)) == len(codes) and seen_codes.keys().isdisjoint(codes):
            # The usual chunk: every row clean, every code new.
            seen_codes.update(zip(codes, [number for number, _cells in chunk], strict=True))
            return fast
        accepted = []
        for (number, cells), parsed in zip(chunk, fast, strict=True):
            if parsed is not None and parsed.household_code not in seen_codes:
                seen_codes[parsed.household_code] = number
            else:
                parsed, row_problems = validator.validate(number, cells)
                problems.extend(row_problems)
                if parsed is None:
                    continue
            accepted.append(parsed)
        return accepted

    def run(chunk: list[tuple[int, list]]) -> None:
        cells_of: dict[int, list] | None = None  # the chunk's rows by number, built at its first warning
        for parsed in accepted_rows(chunk):
            part, message = results.get((parsed.area, parsed.income_per_capita, parsed.deprivations,
                                         parsed.declared_classification)) or result_of(parsed)
            classified.append(new_row(ClassifiedRow, (parsed, *part)))
            if message is not None:
                number = parsed.row
                if cells_of is None:
                    cells_of = dict(chunk)
                cells = cells_of.get(number, ())
                # The value as the officer typed it ("Hộ cận nghèo"), not the code it was read as.
                typed = (normalise.cell_text(cells[declared_index])
                         if declared_index is not None and declared_index < len(cells) else "")
                warnings.append(validate.Problem(number, declared_header, typed or parsed.declared_classification,
                                                 message.replace("\0", str(number))))

    def kept(cells: list) -> bool:
        code = cells[code_index] if code_index is not None and code_index < len(cells) else None
        if type(code) is str and code.lstrip()[:1] in EXAMPLE_FIRST and is_example_row(cells, code_index, name_index):
            return False  # the template's example row (households.importing.example_row)
        return (code is not None and (type(code) is not str or bool(code.strip()))) or not validate.row_is_blank(cells)

    while raw := list(islice(rows, PROGRESS_EVERY)):
        # Blank rows are skipped; a row with a code is never blank (one test per row, no generator per row).
        chunk = [item for item in raw if kept(item[1])]
        count += len(chunk)
        if count > limit:
            raise WorkbookError(
                _("Tệp có hơn %(max)s dòng dữ liệu; hãy chia nhỏ theo xã.") % {"max": _thousands(limit)}
            )
        done = len(classified)
        run(chunk)
        if on_chunk is not None and not problems and len(classified) > done:
            on_chunk(classified[done:])
        if progress is not None and len(raw) == PROGRESS_EVERY:
            progress(min(progress_until, 5 + int((progress_until - 5) * count / estimated)))
    if count == 0 and not problems:
        problems.append(validate.Problem(header.rows[-1], "", "", _("Tệp không có dòng dữ liệu nào dưới tiêu đề.")))
    return classified, problems, warnings


_LABELS = {value.value: str(value.label) for value in ClassificationValue}


def _label(classification: str) -> str:
    return _LABELS.get(classification) or str(ClassificationValue(classification).label)


def _thousands(number: int) -> str:
    """1.234.567: Vietnamese digit grouping."""
    return f"{number:,}".replace(",", ".")


def classification_counts(rows: list[ClassifiedRow]) -> dict[str, int]:
    return dict(Counter(row.classification for row in rows))


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
