"""Reading a review workbook: parse_workbook (read, validate, classify; writes nothing) and BackgroundParse, the
thread that runs it while the writer's transaction writes the chunks already read (PostgreSQL)."""

import contextlib
import gc
import queue
import threading
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from config.text import thousands
from households.classification import ClassificationValue, ImportClassifier, StandardRules
from households.importing import normalise, validate
from households.importing.example_row import EXAMPLE_FIRST, is_example_row
from households.importing.rows import ClassifiedRow, batch_warnings
from households.importing.stage import chunk_stage, household_sequence, rows_table_create, stage_text
from households.models import HouseholdReview
from households.selectors import standards_all
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import scope_filter, units_in_force
from spreadsheets.problems import Problem, file_problem
from spreadsheets.reader import WorkbookError, open_table

PROGRESS_EVERY = 5000
MERGED_CHUNK_ROWS = 20_000  # chunks waiting for the writer are written together, up to this many rows


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



class BackgroundParse:
    """parse_workbook in a thread of its own; its clean chunks handed over through a bounded queue, so that the
    writer's thread does little more than pass them on while the database writes. Each chunk comes as its COPY
    text for the staging table (stage.stage_text), or, given `stage_prefix`, staged already (stage.StagedChunk,
    an unlogged table named after the prefix; with `keep_for_batch`, the reviews it replaces kept for that batch)
    by a third thread, the stager, so that the parser reads on while
    the database stages: the stager waits for the writer to hold the unit's lock (unit_locked()) before its first
    chunk, and gathers rows while the writer is busy, up to MERGED_CHUNK_ROWS.

    The threads read nothing from the database before the writer holds the lock (the context and the communes'
    ids are read before they start, on the caller's connection); their own connections (closed when they end)
    stage the chunks and write the batch's progress outside the caller's transaction, so that the upload page sees
    it move. The stager looks households up in the registry as committed once the writer holds the lock, which is
    what the writer's transaction sees but for its own rows; those it need not see, since no two chunks hold the
    same household (a workbook with a code twice is rejected whole).
    """

    _DONE = object()
    _END = object()  # from the parser to the stager: no more chunks

    def __init__(self, *, path: Path, year: int, context: ParseContext, commune_ids: dict[str, int], progress,
                 size_bytes: int, stage_prefix: str | None = None, keep_for_batch: int | None = None):
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._texts: queue.Queue = queue.Queue(maxsize=8)  # parser → stager: (rows, COPY text)
        self._stopped = threading.Event()
        self._stager_failed = threading.Event()
        self._locked = threading.Event()  # the writer holds the unit's lock
        self._waiting = threading.Event()  # the writer waits for a chunk
        self._outcome: tuple | None = None
        self._stored_warnings: dict | None = None
        self._error: BaseException | None = None
        self._commune_ids = commune_ids
        self._sent = 0
        self._year, self._stage_prefix, self._keep_for_batch = year, stage_prefix, keep_for_batch
        self._stage_rest = False  # the parser found no problem: the stager stages the rows it still holds
        self._staged = 0
        self._sequence: str | None = None
        self._thread = threading.Thread(
            target=self._run, name="import-parse", daemon=True,
            kwargs={"language": translation.get_language(), "path": path, "year": year, "context": context,
                    "progress": progress, "size_bytes": size_bytes},
        )
        self._stager = (threading.Thread(target=self._stage_loop, name="import-stage", daemon=True)
                        if stage_prefix is not None else None)
        self._thread.start()
        if self._stager is not None:
            self._stager.start()

    def _run(self, *, language, **kwargs) -> None:
        try:
            with translation.override(language):  # gc is paused by the caller, for every thread
                self._outcome = parse_workbook(unit=None, on_chunk=self._chunk, progress_until=95, **kwargs)
                _rows, problems, warnings = self._outcome
                if not problems:  # what the batch will store, ready when the writer finishes
                    if self._stager is not None:
                        self._stage_rest = True
                        self._put_text(self._END)  # staged while the warnings are summed up
                    self._stored_warnings = batch_warnings(warnings)
        except _Stopped:
            pass
        except BaseException as error:  # handed to the caller's thread, which raises it
            self._error = error
        finally:
            connections.close_all()  # this thread's connections only
            with contextlib.suppress(_Stopped):
                if self._stager is None:
                    self._put(self._DONE)
                elif not self._stage_rest:
                    self._put_text(self._END)

    def _chunk(self, rows: list) -> None:
        text = stage_text(rows, self._commune_ids, first=self._sent)
        self._sent += len(rows)
        if self._stager is None:
            self._put((len(rows), text))
        else:
            self._put_text((len(rows), text))

    def _put_text(self, item) -> None:
        while not (self._stopped.is_set() or self._stager_failed.is_set()):
            try:
                self._texts.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _stage_loop(self) -> None:
        """The stager: the parser's chunks gathered, while the writer is busy, up to MERGED_CHUNK_ROWS, then staged
        in one unlogged table each and handed over; the writer's queue ends with _DONE once the parser is done."""
        pending: list[str] = []
        pending_rows = 0
        try:
            while True:
                try:
                    item = self._texts.get(timeout=0.02 if pending else 0.2)
                except queue.Empty:
                    item = None
                if self._stopped.is_set():
                    raise _Stopped
                if item is self._END:
                    if self._stage_rest:
                        self._stage(pending)
                    break
                if item is not None:
                    pending.append(item[1])
                    pending_rows += item[0]
                if pending and (pending_rows >= MERGED_CHUNK_ROWS
                                or (self._waiting.is_set() and self._texts.empty())):
                    self._stage(pending)
                    pending, pending_rows = [], 0
        except _Stopped:
            pass
        except BaseException as error:  # handed to the caller's thread, which raises it
            self._stager_failed.set()  # the parser stops at its next chunk
            if self._error is None:
                self._error = error
        finally:
            connections.close_all()  # this thread's connections only
            with contextlib.suppress(_Stopped):
                self._put(self._DONE)

    def _stage(self, texts: list[str]) -> None:
        """These rows staged in one unlogged table and handed over."""
        if not texts:
            return
        while not self._locked.wait(0.2):
            if self._stopped.is_set():
                raise _Stopped
        with transaction.atomic(), connection.cursor() as cursor:
            if self._sequence is None:
                rows_table_create(cursor, transaction_only=False)
                self._sequence = household_sequence(cursor)
            chunk = chunk_stage(cursor, text="".join(texts), table=f"{self._stage_prefix}_{self._staged}",
                                year=self._year, sequence=self._sequence, unlogged=True,
                                keep_for_batch=self._keep_for_batch)
        self._staged += 1
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
            self._waiting.set()  # the stager stages what it has gathered instead of gathering on
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
                if type(item) is not tuple:  # StagedChunk: gathered by the stager already
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
        self._join()
        if self._error is not None:
            raise self._error

    def outcome(self) -> tuple[list, list, list]:
        """(classified rows, problems, warnings), once chunks() is exhausted."""
        return self._outcome

    def stored_warnings(self) -> dict | None:
        """rows.batch_warnings(warnings), once chunks() is exhausted (None if there were problems)."""
        return self._stored_warnings

    def stop(self) -> None:
        """Stop the threads early (the caller failed) or just wait for them to end."""
        self._stopped.set()
        self._join()

    def _join(self) -> None:
        self._thread.join()
        if self._stager is not None:
            self._stager.join()


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
    problems: list[Problem] = []
    count = 0
    estimated = max(1, (size_bytes or path.stat().st_size) // 100)  # ~100 bytes a row in typical workbooks
    limit = settings.IMPORT_MAX_ROWS
    mismatch_message = _(
        "Dòng %(row)s: xã ghi “%(declared)s” nhưng theo chuẩn %(standard)s hộ được tính là "
        "“%(computed)s” (%(reason)s). Hãy kiểm tra lại thông tin của hộ."
    )
    declared_header = header.header("declared_classification")
    declared_index = header.columns.get("declared_classification", (None, ""))[0]
    # Incomes rarely repeat, so each row is classified: by ImportClassifier, classify()'s result with all but the
    # income's part built once per (area, deprivations). No cache per (area, income, deprivations, declared): it
    # missed on nearly every row of a real workbook and cost more (0.15 s per 100,000 rows) than it ever saved.
    scored_of = ImportClassifier(standard)
    code_index = header.columns.get("household_code", (None, ""))[0]
    name_index = header.columns.get("head_name", (None, ""))[0]
    seen_codes = validator.seen_codes
    typed_of: dict = {}  # a declared-classification cell → its text as typed
    new_row = tuple.__new__

    def result_of(parsed: validate.ParsedRow) -> tuple[tuple[str, int, str, bool], str | None]:
        scored = scored_of(parsed.area, parsed.income_per_capita, parsed.deprivations)
        declared = parsed.declared_classification
        is_mismatch = bool(declared) and declared != scored[0]
        # The warning differs between rows only by the row number: rendered here with a NUL where the number
        # goes (no rendered value contains one).
        message = mismatch_message % {
            "row": "\0", "declared": _label(declared), "standard": standard.code, "computed": _label(scored[0]),
            "reason": scored[2]} if is_mismatch else None
        return (*scored, is_mismatch), message

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
            part, message = result_of(parsed)
            classified.append(new_row(ClassifiedRow, (parsed, *part)))
            if message is not None:
                number = parsed.row
                if cells_of is None:
                    cells_of = dict(chunk)
                cells = cells_of.get(number, ())
                # The value as the officer typed it ("Hộ cận nghèo"), not the code it was read as: a handful of
                # distinct cells in a province's workbook, each read once.
                raw = cells[declared_index] if declared_index is not None and declared_index < len(cells) else ""
                typed = typed_of.get((type(raw), raw))  # (the type: True == 1 == 1.0, but they read differently)
                if typed is None:
                    typed = typed_of[type(raw), raw] = normalise.cell_text(raw)
                warnings.append(Problem(number, declared_header, typed or parsed.declared_classification,
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
                _("Tệp có hơn %(max)s dòng dữ liệu; hãy chia nhỏ theo xã.") % {"max": thousands(limit)}
            )
        done = len(classified)
        run(chunk)
        if on_chunk is not None and not problems and len(classified) > done:
            on_chunk(classified[done:])
        if progress is not None and len(raw) == PROGRESS_EVERY:
            progress(min(progress_until, 5 + int((progress_until - 5) * count / estimated)))
    if count == 0 and not problems:
        problems.append(file_problem(_("Tệp không có dòng dữ liệu nào dưới tiêu đề."), row=header.rows[-1]))
    return classified, problems, warnings


_LABELS = {value.value: str(value.label) for value in ClassificationValue}


def _label(classification: str) -> str:
    return _LABELS.get(classification) or str(ClassificationValue(classification).label)


