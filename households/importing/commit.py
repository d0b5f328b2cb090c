"""Commit and revert: set-based writes of a validated batch, whole or nothing.

On PostgreSQL the rows come in chunks while the parser reads on (reviews_commit_streamed, PostgresChunks): one
transaction, rolled back whole if the parser finds a problem anywhere. A batch never edits a review in place.
Committing moves the households' periodic reviews of that year into ImportReplacedReview (every column, ids
included) and inserts new ones; the household rows it changes are snapshotted first, the ones it creates carry its
id (Household.created_by_batch_id). HouseholdReview therefore only ever holds current reviews, and revert puts the
kept rows back with their own ids, so the previous state comes back exactly.
"""

import json
import re
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.api import ApplicationError
from config.text import fold
from households import cycle
from households.importing.pipeline import ClassifiedRow, classification_counts
from households.models import (
    Household,
    HouseholdReview,
    ImportBatch,
    ImportHouseholdSnapshot,
    ImportReplacedReview,
)
from households.models_imports import warnings_stored
from households.selectors import standards_all
from households.services import review_statuses_sql
from provinces.models import AdministrativeUnit, Role, end_of_year
from provinces.selectors import profile_of, units_in_force

BATCH_SIZE = 2000
ETHNIC_MAJORITY = "kinh"
HOUSEHOLD_FIELDS = (
    "head_name", "head_name_search", "id_number", "village", "ethnicity", "is_ethnic_minority", "members",
    "is_female_head", "has_disabled_member", "has_person_with_merit", "is_social_protection_beneficiary",
)


def rows_insert(model, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert many rows without instantiating models: the importer's hot path.

    PostgreSQL: one COPY … FROM STDIN (psycopg 3 adapts each value). Elsewhere: one prepared INSERT run with
    executemany. Values must already be in database form (JSON as text, datetimes aware).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 - names come from the model
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _households_insert(households: list[Household], *, batch_id: int) -> None:
    """Insert new households set-based and give each its primary key back (one SELECT per commune chunk)."""
    if not households:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ("commune_id", "code", *HOUSEHOLD_FIELDS, "created_by_batch_id", "created_at", "updated_at")
    rows_insert(Household, columns, (
        (household.commune_id, household.code, *(getattr(household, name) for name in HOUSEHOLD_FIELDS), batch_id,
         now, now)
        for household in households
    ))
    wanted = {(household.commune_id, household.code): household for household in households}
    communes = sorted({household.commune_id for household in households})
    for start in range(0, len(communes), 500):
        for pk, commune_id, code in Household.objects.filter(commune_id__in=communes[start:start + 500]).values_list(
            "pk", "commune_id", "code"
        ):
            household = wanted.get((commune_id, code))
            if household is not None:
                household.pk = pk


def households_update(households: list[Household]) -> None:
    """UPDATE each household's fields with one prepared statement (executemany). Django's bulk_update builds a
    CASE expression per field, which is quadratic in practice for tens of thousands of rows."""
    if not households:
        return
    table = connection.ops.quote_name(Household._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in HOUSEHOLD_FIELDS)
    sql = f"UPDATE {table} SET {assignments}, updated_at = %s WHERE id = %s"  # noqa: S608 - model's own names
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(households), BATCH_SIZE):
            cursor.executemany(sql, [
                (*(getattr(household, name) for name in HOUSEHOLD_FIELDS), now, household.pk)
                for household in households[start:start + BATCH_SIZE]
            ])


def _household_values(row: ClassifiedRow) -> dict:
    parsed = row.parsed
    return {
        "head_name": parsed.head_name, "head_name_search": fold(parsed.head_name), "id_number": parsed.id_number,
        "village": parsed.village, "ethnicity": parsed.ethnicity,
        "is_ethnic_minority": bool(parsed.ethnicity) and fold(parsed.ethnicity) != ETHNIC_MAJORITY,
        "members": parsed.members, "is_female_head": parsed.female_head, "has_disabled_member": parsed.has_disabled,
        "has_person_with_merit": parsed.has_merit, "is_social_protection_beneficiary": parsed.social_protection,
    }


_FOLDED_WORDS: dict[str, str] = {}


def fold_name(text: str) -> str:
    """config.text.fold(text), one word at a time through a cache: fold never joins across whitespace (every
    character is decomposed, stripped of marks, lowered and kept or turned into a space on its own), so folding
    the words and joining the non-empty ones gives the same text, and a province's names share few words."""
    words = _FOLDED_WORDS
    if len(words) > 200_000:
        words.clear()
    folded = []
    for word in text.split():
        value = words.get(word)
        if value is None:
            # An ASCII letters-and-digits word folds to itself in lower case (house numbers, codes in names).
            value = words[word] = word.lower() if word.isascii() and word.isalnum() else fold(word)
        if value:
            folded.append(value)
    return " ".join(folded)


def _snapshot(household: Household) -> dict:
    return {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}


def _lock_unit(unit_id: int) -> None:
    """Two imports for the same unit never interleave: the second waits for the first to commit."""
    list(AdministrativeUnit.objects.select_for_update().filter(pk=unit_id).values_list("pk"))


def _standard_id(year: int) -> int:
    standards = standards_all()
    return standards.ids[standards.for_review(year=year, kind=HouseholdReview.Kind.PERIODIC).code]


def commune_ids(codes: set[str], *, year: int) -> dict[str, int]:
    """The ids of the communes in force at the end of `year` with these codes."""
    return dict(
        units_in_force(on=end_of_year(year))
        .filter(code__in=codes, level=AdministrativeUnit.Level.COMMUNE)
        .values_list("code", "pk")
    )


@transaction.atomic
def reviews_commit(*, batch: ImportBatch, rows: list[ClassifiedRow], warnings) -> ImportBatch:
    _lock_unit(batch.unit_id)
    communes = commune_ids({row.parsed.commune_code for row in rows}, year=batch.year)
    # The review cycle, under the unit's lock: refused (households.cycle.Conflict) if the year of the uploader's
    # unit or of a commune in the file was submitted or published while the file was queued.
    cycle.lock_check(unit_id=batch.unit_id, year=batch.year, commune_ids=communes.values(), lock=True)
    commit = _commit_postgresql if connection.vendor == "postgresql" else _commit_rows
    created, replaced = commit(batch=batch, rows=rows, communes=communes, standard_id=_standard_id(batch.year))
    return _batch_committed(batch=batch, rows=rows, warnings=warnings, created=created, replaced=replaced)


class RowsRejected(Exception):
    """The parser found problems: the rows written so far were rolled back; the batch is to be rejected."""

    def __init__(self, *, rows: int, problems: list, warnings: list):
        super().__init__(f"{len(problems)} problems")
        self.rows, self.problems, self.warnings = rows, problems, warnings


def reviews_commit_streamed(*, batch: ImportBatch, parse) -> ImportBatch:
    """PostgreSQL: write each chunk `parse` (pipeline.BackgroundParse) hands over as it comes, in one
    transaction; commit once the parser is done and found no problem, else roll back and raise RowsRejected.
    An exception of the parser's (unreadable file, header missing) rolls back and propagates.

    The chunks come as COPY text, or already staged (StagedChunk) by the parse thread on its own connection. That
    connection looks households up in the registry as committed, and only once this transaction holds the unit's
    lock (parse.unit_locked()): an import of the same unit that committed meanwhile is seen; this transaction's
    own rows are not, and need not be, since no two chunks hold the same household."""
    with transaction.atomic():
        _lock_unit(batch.unit_id)
        cycle.lock_check(unit_id=batch.unit_id, year=batch.year, lock=True)  # the review cycle, under the lock
        parse.unit_locked()
        writer = PostgresChunks(batch=batch, standard_id=_standard_id(batch.year))
        for chunk in parse.chunks():
            if isinstance(chunk, StagedChunk):
                writer.write_staged(chunk)
            else:
                writer.write(chunk)
        rows, problems, warnings = parse.outcome()
        if problems:
            raise RowsRejected(rows=len(rows), problems=problems, warnings=warnings)
        # A provincial upload: the communes the file touched, each under its submitting unit (households.cycle).
        cycle.lock_check(unit_id=None, year=batch.year, lock=True,
                         commune_ids=commune_ids({row.parsed.commune_code for row in rows}, year=batch.year).values())
        writer.close()
        return _batch_committed(batch=batch, rows=rows, warnings=warnings, created=writer.created,
                                replaced=writer.replaced, stored_warnings=parse.stored_warnings())


def batch_warnings(warnings) -> dict:
    """The warning fields of a committed batch (models_imports.warnings_stored), sorted by row and column."""
    return warnings_stored([warning.as_dict() for warning in sorted(warnings, key=lambda w: (w.row, w.column))])


def _batch_committed(*, batch: ImportBatch, rows: list[ClassifiedRow], warnings, created: int, replaced: int,
                     stored_warnings: dict | None = None) -> ImportBatch:
    """The batch's summary, in the commit transaction once its rows are written; the follow-ups on commit.
    `stored_warnings`: batch_warnings(warnings), if already computed."""
    counts = classification_counts(rows)
    if stored_warnings is None:
        stored_warnings = batch_warnings(warnings)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.COMMITTED, progress=100, finished_at=timezone.now(), rows=len(rows),
        created=created, updated=len(rows) - created, rejected=0, errors=[],
        **stored_warnings,
        counts=counts, mismatches=sum(1 for row in rows if row.is_mismatch),
        replaced_reviews=replaced,
    )
    transaction.on_commit(lambda: _after_change(unit_id=batch.unit_id, year=batch.year))
    # The caller reloads the batch; the whole warning list (warning_archive) is not read back.
    batch.refresh_from_db(fields=["status", "progress", "finished_at", "rows", "created", "updated", "rejected",
                                  "warnings", "counts", "mismatches", "replaced_reviews"])
    return batch


def _commit_rows(*, batch: ImportBatch, rows: list[ClassifiedRow], communes: dict[str, int],
                 standard_id: int) -> tuple[int, int]:
    """The portable path (SQLite): households matched in Python, rows written with executemany.
    Returns (households created, reviews replaced)."""
    existing = {
        (household.commune_id, household.code): household
        for household in Household.objects.filter(commune_id__in=communes.values())
    }
    to_create, to_update, snapshots = [], [], []
    wanted = []
    for row in rows:
        key = (communes[row.parsed.commune_code], row.parsed.household_code)
        values = _household_values(row)
        household = existing.get(key)
        if household is None:
            household = Household(commune_id=key[0], code=key[1], **values)
            to_create.append(household)
            existing[key] = household
        else:
            if any(getattr(household, name) != value for name, value in values.items()):
                snapshots.append((batch.pk, household.pk, json.dumps(_snapshot(household), ensure_ascii=False)))
                for name, value in values.items():
                    setattr(household, name, value)
                to_update.append(household)
        wanted.append((household, row))
    _households_insert(to_create, batch_id=batch.pk)
    # Snapshots: the old fields of each changed household (the new ones carry created_by_batch_id).
    rows_insert(ImportHouseholdSnapshot, ("batch_id", "household_id", "data"), snapshots)
    households_update(to_update)

    household_ids = [household.pk for household, _row in wanted]
    replaced = _reviews_set_aside(batch=batch, household_ids=household_ids)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # A household this batch created has no history: its status is known now (newly poor, or none), so only
    # the households that were already in the registry go through transitions_recompute.
    created_ids = {household.pk for household in to_create}
    rows_insert(HouseholdReview, REVIEW_COLUMNS, (
        (
            household.pk, household.commune_id, batch.year, HouseholdReview.Kind.PERIODIC.value, standard_id,
            row.parsed.area, row.parsed.income_per_capita, row.parsed.members,
            json.dumps(sorted(row.parsed.deprivations)), row.deprivation_count, row.classification,
            row.parsed.declared_classification, row.is_mismatch, False, row.reason, batch.pk, now, now,
            _first_transition(row) if household.pk in created_ids else None,
        )
        for household, row in wanted
    ))
    from households.services import transitions_recompute

    transitions_recompute(household_ids=[pk for pk in household_ids if pk not in created_ids], year=batch.year)
    return len(to_create), replaced


REVIEW_COLUMNS = (
    "household_id", "commune_id", "year", "kind", "standard_id", "area", "income_per_capita", "members",
    "deprivations", "deprivation_count", "classification", "declared_classification", "is_mismatch",
    "is_newly_escaped", "reason", "import_batch_id", "created_at", "updated_at", "transition",
)


# A kept review's columns: HouseholdReview's (attribute names) → ImportReplacedReview's, the review's id as review_id.
KEPT_COLUMNS = {
    field.attname: "review_id" if field.attname == "id" else field.attname
    for field in HouseholdReview._meta.concrete_fields
}


def _first_transition(row: ClassifiedRow) -> str | None:
    """The status of a household's only review (services.household_statuses with no earlier review): newly
    poor when poor, otherwise none; never newly escaped."""
    return HouseholdReview.Transition.NEWLY_POOR.value if row.classification == "poor" else None


_STAGE_COLUMNS = (
    ("row_no", "integer"), ("commune_id", "bigint"), ("code", "text"),
    ("head_name", "text"), ("head_name_search", "text"), ("id_number", "text"), ("village", "text"),
    ("ethnicity", "text"), ("is_ethnic_minority", "boolean"), ("members", "smallint"),
    ("is_female_head", "boolean"), ("has_disabled_member", "boolean"), ("has_person_with_merit", "boolean"),
    ("is_social_protection_beneficiary", "boolean"),
    ("area", "text"), ("income_per_capita", "bigint"), ("deprivations", "jsonb"), ("deprivation_count", "smallint"),
    ("classification", "text"), ("declared_classification", "text"), ("is_mismatch", "boolean"), ("reason", "text"),
)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def stage_text(rows: list[ClassifiedRow], communes: dict[str, int], *, first: int = 0) -> str:
    """The rows as COPY text for import_rows (_STAGE_COLUMNS, in order; row_no counted from `first`).

    Pure Python with no database access, so that a streamed import builds it in the parse thread: the writer
    only hands it to COPY. The workbook's texts are escaped for COPY's text format when they hold a backslash, tab
    or line break (one regex search per row finds the rare row that does: str.translate on every field cost 12 µs
    a row); the derived values (minority, deprivation list, reason) are formatted once per distinct input."""
    minority: dict[str, str] = {}
    listed: dict[frozenset, str] = {}
    reasons: dict[str, str] = {}
    flags = {True: "t", False: "f"}
    commune_ids = {code: str(pk) for code, pk in communes.items()}
    special = _COPY_SPECIAL.search
    lines = []
    append = lines.append
    for number, row in enumerate(rows, start=first):
        parsed = row.parsed
        ethnicity = parsed.ethnicity
        is_minority = minority.get(ethnicity)
        if is_minority is None:
            is_minority = minority[ethnicity] = flags[bool(ethnicity) and fold(ethnicity) != ETHNIC_MAJORITY]
        deprivations = listed.get(parsed.deprivations)
        if deprivations is None:
            deprivations = listed[parsed.deprivations] = _copy_escaped(json.dumps(sorted(parsed.deprivations)))
        reason = reasons.get(row.reason)
        if reason is None:
            reason = reasons[row.reason] = _copy_escaped(row.reason)
        code, name, id_number, village = parsed.household_code, parsed.head_name, parsed.id_number, parsed.village
        if special(f"{code}{name}{id_number}{village}{ethnicity}"):
            code, name, id_number, village = (_copy_escaped(text) for text in (code, name, id_number, village))
            ethnicity = _copy_escaped(ethnicity)
        append("\t".join((
            str(number), commune_ids[parsed.commune_code], code, name, fold_name(parsed.head_name), id_number,
            village, ethnicity, is_minority, str(parsed.members), flags[parsed.female_head],
            flags[parsed.has_disabled], flags[parsed.has_merit], flags[parsed.social_protection], parsed.area,
            str(parsed.income_per_capita), deprivations, str(row.deprivation_count), row.classification,
            parsed.declared_classification, flags[row.is_mismatch], reason,
        )))
    append("")
    return "\n".join(lines)


def _copy_escaped(text: str) -> str:
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


def staged_tables_drop(*, batch_id: int) -> str:
    """Drop the unlogged tables a streamed import of the batch staged its chunks in (pipeline.BackgroundParse),
    left from an earlier run too; returns their names' prefix."""
    prefix = f"import_stage_{batch_id}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relpersistence = 'u' "
            "AND c.relnamespace = current_schema()::regnamespace AND c.relname LIKE %s",
            [prefix.replace("_", "\\_") + "\\_%"],  # (LIKE: "_" is any one character)
        )
        names = [name for (name,) in cursor.fetchall()]
        if names:
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(connection.ops.quote_name(n) for n in names)}")
    return prefix


def _household_differs(staged: str) -> str:
    """SQL: the registry's household `h` differs from the staged row `staged` in a field the workbook gives."""
    return (f"({', '.join(f'h.{name}' for name in HOUSEHOLD_FIELDS)}) IS DISTINCT FROM "
            f"({', '.join(f'{staged}.{name}' for name in HOUSEHOLD_FIELDS)})")


class StagedChunk(NamedTuple):
    """A chunk of rows staged by chunk_stage: its table, row count, how many of its households the registry
    already has, how many of those the workbook changes, how many have a periodic review of the year (replaced),
    and whether any has reviews other than that one (history)."""

    table: str
    rows: int
    known: int
    changed: int
    current: int
    with_history: bool


def rows_table_create(cursor, *, transaction_only: bool) -> None:
    """import_rows, the temporary table chunk_stage COPYs each chunk into (dropped at COMMIT, or with the
    session)."""
    cursor.execute(
        "CREATE TEMP TABLE import_rows ("
        + ", ".join(f"{name} {kind}" for name, kind in _STAGE_COLUMNS)
        + (") ON COMMIT DROP" if transaction_only else ")")
    )


def household_sequence(cursor) -> str:
    """The household ids' sequence, named once: pg_get_serial_sequence in a SELECT is a catalog lookup per row."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Household._meta.db_table])
    return cursor.fetchone()[0]


def chunk_stage(cursor, *, text: str, table: str, year: int, sequence: str, unlogged: bool = False) -> StagedChunk:
    """One chunk of rows (stage_text) COPYed into import_rows, then staged as `table`: each row with its household
    (a new one gets its id from the sequence now) and whether that household has reviews other than the periodic
    one of `year` (its history). A temporary table, or with `unlogged` one that other sessions can read (staged on
    another connection than the writer's).

    The registry is reached from the staged rows, one index lookup per row (LATERAL with OFFSET 0, which the
    planner cannot turn around): the registry's statistics do not know the rows the earlier chunks wrote (nor a
    new review year), and a join planned on them could read the registry once per staged row."""
    household = connection.ops.quote_name(Household._meta.db_table)
    review = connection.ops.quote_name(HouseholdReview._meta.db_table)
    names = ", ".join(name for name, _kind in _STAGE_COLUMNS)
    cursor.execute("TRUNCATE import_rows")
    with cursor.cursor.copy(f"COPY import_rows ({names}) FROM STDIN") as copy:
        copy.write(text)
    kind = "UNLOGGED TABLE" if unlogged else "TEMP TABLE"
    periodic = HouseholdReview.Kind.PERIODIC.value
    cursor.execute(
        f"CREATE {kind} {table} {'' if unlogged else 'ON COMMIT DROP '}AS "  # noqa: S608 - model's own names
        "SELECT r.*, coalesce(h.id, nextval(%(sequence)s::regclass)) AS household_id, h.id IS NULL AS is_new, "
        f"h.id IS NOT NULL AND {_household_differs('r')} AS is_changed, "
        f"h.id IS NOT NULL AND EXISTS (SELECT 1 FROM {review} o WHERE o.household_id = h.id "
        "AND NOT (o.year = %(year)s AND o.kind = %(periodic)s)) AS has_history, "
        f"h.id IS NOT NULL AND EXISTS (SELECT 1 FROM {review} o WHERE o.household_id = h.id "
        "AND o.year = %(year)s AND o.kind = %(periodic)s) AS has_current "
        f"FROM (SELECT * FROM import_rows ORDER BY row_no) r LEFT JOIN LATERAL (SELECT * FROM {household} h "
        "WHERE h.commune_id = r.commune_id AND h.code = r.code OFFSET 0) h ON true",
        {"sequence": sequence, "year": year, "periodic": periodic},
    )
    rows = cursor.rowcount
    cursor.execute(
        "SELECT count(*) FILTER (WHERE NOT is_new), count(*) FILTER (WHERE is_changed), "  # noqa: S608
        f"count(*) FILTER (WHERE has_current), coalesce(bool_or(has_history), false) FROM {table}"
    )
    known, changed, current, with_history = cursor.fetchone()
    if changed or current:
        # For the joins of the changed households and the reviews replaced: row counts and rough distributions
        # are all the planner needs, a 3,000-row sample, not 30,000. (The other statements read the stage whole.)
        # SET LOCAL: to the end of the transaction, which analyzes nothing else.
        cursor.execute("SET LOCAL default_statistics_target = 10")
        cursor.execute(f"ANALYZE {table}")
    return StagedChunk(table, rows, known, changed, current, with_history)


def _commit_postgresql(*, batch: ImportBatch, rows: list[ClassifiedRow], communes: dict[str, int],
                       standard_id: int) -> tuple[int, int]:
    """All rows as one chunk of PostgresChunks. Returns (households created, reviews replaced)."""
    writer = PostgresChunks(batch=batch, standard_id=standard_id)
    writer.write(stage_text(rows, communes))
    writer.close()
    return writer.created, writer.replaced


class PostgresChunks:
    """The set-based commit on PostgreSQL, one chunk of rows at a time, inside the caller's transaction.

    Each chunk is staged (chunk_stage: COPYed, its households looked up; here, or on the parse thread's own
    connection before it reaches the writer), then a handful of statements write it (snapshot and UPDATE of changed
    households, INSERT of new ones, the old reviews moved aside, the new ones inserted with their statuses,
    computed in SQL for the households with other reviews). Chunks hold different households (the parser
    rejects a workbook with a code twice, and the caller then rolls everything back), so writing them one after
    the other gives what writing them together would. Foreign keys are checked at each statement rather than at
    COMMIT, so that a streamed import's checks run while the next chunk is being read.
    """

    def __init__(self, *, batch: ImportBatch, standard_id: int):
        self.batch, self.standard_id = batch, standard_id
        self.created = self.replaced = 0
        self.cursor = connection.cursor()
        cursor = self.cursor
        # Sorts and hashes over 100,000 staged rows and their reviews stay in memory (the default is 4 MB).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # These statements run once per chunk: compiling them (JIT) cost more than it saved (0.5 s for import_stage).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP TABLE IF EXISTS import_rows")
        cursor.execute("DROP TABLE IF EXISTS import_stage")
        rows_table_create(cursor, transaction_only=True)
        self.sequence = household_sequence(cursor)

    def close(self) -> None:
        self.cursor.execute("DROP TABLE import_rows")
        self.cursor.close()

    def write(self, text: str) -> None:
        """Write one chunk of rows, given as stage_text, staged in this transaction."""
        self.write_staged(chunk_stage(self.cursor, text=text, table="import_stage", year=self.batch.year,
                                      sequence=self.sequence))
        self.cursor.execute("DROP TABLE import_stage")

    def write_staged(self, chunk: StagedChunk) -> None:
        """Write one chunk of rows staged by chunk_stage (in this transaction, or before it on another
        connection)."""
        batch, cursor, stage = self.batch, self.cursor, chunk.table
        household = connection.ops.quote_name(Household._meta.db_table)
        review = connection.ops.quote_name(HouseholdReview._meta.db_table)
        fields = ", ".join(HOUSEHOLD_FIELDS)
        staged = ", ".join(f"s.{name}" for name in HOUSEHOLD_FIELDS)
        now = timezone.now()
        periodic = HouseholdReview.Kind.PERIODIC.value
        cursor.execute(
            f"INSERT INTO {household} (id, commune_id, code, {fields}, created_by_batch_id, created_at, "  # noqa: S608
            f"updated_at) SELECT s.household_id, s.commune_id, s.code, {staged}, %s, %s, %s FROM {stage} s "
            "WHERE s.is_new ORDER BY s.row_no",
            [batch.pk, now, now],
        )
        self.created += cursor.rowcount
        if chunk.changed or chunk.current:
            self._known_households_write(now=now, chunk=chunk)
        if chunk.with_history:
            self._statuses_compute(stage=stage)
            statuses = "import_statuses"
        else:  # no household of the chunk has other reviews: every status is known from the row alone
            statuses = "(SELECT NULL::bigint AS household_id, NULL::bigint AS id, NULL AS transition, " \
                       "NULL::boolean AS is_newly_escaped LIMIT 0)"
        cursor.execute(
            f"INSERT INTO {review} ({', '.join(REVIEW_COLUMNS)}) "  # noqa: S608
            "SELECT s.household_id, s.commune_id, %s, %s, %s, s.area, s.income_per_capita, s.members, "
            "s.deprivations, s.deprivation_count, s.classification, s.declared_classification, s.is_mismatch, "
            "coalesce(t.is_newly_escaped, false), s.reason, %s, %s, %s, "
            "CASE WHEN s.has_history THEN t.transition WHEN s.classification = %s THEN %s END "
            f"FROM {stage} s LEFT JOIN {statuses} t ON t.household_id = s.household_id AND t.id IS NULL "
            "ORDER BY s.row_no",
            [batch.year, periodic, self.standard_id, batch.pk, now, now,
             HouseholdReview.Classification.POOR.value, HouseholdReview.Transition.NEWLY_POOR.value],
        )
        if chunk.with_history:
            # The households' other reviews of the year on (ad-hoc ones, later years) whose status changes, found
            # by their ids (an index scan, nothing when there are none), not by a join the planner could make a
            # scan of the whole review table.
            cursor.execute(
                f"UPDATE {review} r SET transition = t.transition, "  # noqa: S608
                "is_newly_escaped = t.is_newly_escaped FROM import_statuses t "
                "WHERE r.id = ANY(ARRAY(SELECT id FROM import_statuses WHERE id IS NOT NULL)) AND r.id = t.id "
                "AND (r.transition, r.is_newly_escaped) IS DISTINCT FROM (t.transition, t.is_newly_escaped)"
            )
            cursor.execute("DROP TABLE import_statuses")

    def _known_households_write(self, *, now, chunk: StagedChunk) -> None:
        """The chunk's households already in the registry: snapshot and UPDATE of the changed ones, their periodic
        reviews of the year moved aside whole (every column, ids included). Only the rows staging found changed
        (is_changed) or with such a review (has_current) are looked at; the statement for none is not run."""
        batch, cursor, stage = self.batch, self.cursor, chunk.table
        household = connection.ops.quote_name(Household._meta.db_table)
        review = connection.ops.quote_name(HouseholdReview._meta.db_table)
        snapshot = connection.ops.quote_name(ImportHouseholdSnapshot._meta.db_table)
        replaced_table = connection.ops.quote_name(ImportReplacedReview._meta.db_table)
        fields = ", ".join(HOUSEHOLD_FIELDS)
        staged = ", ".join(f"s.{name}" for name in HOUSEHOLD_FIELDS)
        old_fields = ", ".join(f"'{name}', h.{name}" for name in HOUSEHOLD_FIELDS)
        if chunk.changed:  # (compared again here: the snapshot keeps the values this transaction replaces)
            cursor.execute(
                f"WITH changed AS (SELECT s.*, jsonb_build_object({old_fields}) AS old "  # noqa: S608
                f"FROM {stage} s CROSS JOIN LATERAL (SELECT * FROM {household} h WHERE h.id = s.household_id "
                f"OFFSET 0) h WHERE s.is_changed AND {_household_differs('s')}), "
                f"kept AS (INSERT INTO {snapshot} (batch_id, household_id, data) "
                "SELECT %s, household_id, old FROM changed) "
                f"UPDATE {household} h SET ({fields}, updated_at) = ({staged}, %s) "
                "FROM changed s WHERE h.id = s.household_id",
                [batch.pk, now],
            )
        if not chunk.current:
            return
        kept_columns = ", ".join(KEPT_COLUMNS.values())
        # The reviews are found from the staged rows, each by the full key of review_household_year_unique (a
        # single-row lookup the planner cannot mistake for a range), and deleted by their row address (a TID
        # scan): a join of the review table with the staged rows, planned on statistics that do not know this
        # year's reviews yet, could rescan one side once per row of the other.
        cursor.execute(
            f"WITH moved AS (DELETE FROM {review} r WHERE r.ctid = ANY(ARRAY(SELECT o.ctid "  # noqa: S608
            f"FROM {stage} s CROSS JOIN LATERAL (SELECT ctid FROM {review} o WHERE o.household_id = "
            "s.household_id AND o.year = %s AND o.kind = %s "
            f"AND (CASE WHEN o.kind = '{HouseholdReview.Kind.PERIODIC.value}' THEN 0 ELSE o.id END) = 0 "
            "OFFSET 0) o WHERE s.has_current)) RETURNING r.*) "
            f"INSERT INTO {replaced_table} (batch_id, {kept_columns}) "
            f"SELECT %s, {', '.join(f'm.{name}' for name in KEPT_COLUMNS)} FROM moved m",
            [batch.year, HouseholdReview.Kind.PERIODIC.value, batch.pk],
        )
        self.replaced += cursor.rowcount

    def _statuses_compute(self, *, stage: str) -> None:
        """import_statuses: the statuses (transitions_recompute's rules, in SQL) of the staged households with
        history, their new reviews included before they are inserted, so that each is written once, with its
        status."""
        review = connection.ops.quote_name(HouseholdReview._meta.db_table)
        history = (
            "SELECT o.id, s.household_id, o.year, o.review_date, o.kind, o.standard_id, o.classification "  # noqa: S608
            f"FROM {stage} s CROSS JOIN LATERAL (SELECT * FROM {review} o WHERE o.household_id = s.household_id "
            "OFFSET 0) o WHERE s.has_history "
            "UNION ALL SELECT NULL, household_id, %(year)s, NULL, %(periodic)s, %(standard)s, classification "
            f"FROM {stage} WHERE has_history"
        )
        self.cursor.execute(
            "CREATE TEMP TABLE import_statuses ON COMMIT DROP AS " + review_statuses_sql(source=history),
            {"year": self.batch.year, "periodic": HouseholdReview.Kind.PERIODIC.value, "standard": self.standard_id},
        )


def _reviews_set_aside(*, batch: ImportBatch, household_ids: list[int]) -> int:
    """Move the households' periodic reviews of the batch's year into ImportReplacedReview."""
    kept = 0
    for start in range(0, len(household_ids), BATCH_SIZE):
        current = HouseholdReview.objects.filter(
            household_id__in=household_ids[start:start + BATCH_SIZE], year=batch.year,
            kind=HouseholdReview.Kind.PERIODIC,
        )
        rows = list(current.values_list(*KEPT_COLUMNS))
        if not rows:
            continue
        ImportReplacedReview.objects.bulk_create(
            [ImportReplacedReview(batch=batch, **dict(zip(KEPT_COLUMNS.values(), row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
        current.delete()
        kept += len(rows)
    return kept


def _reviews_restore(*, batch: ImportBatch) -> None:
    """Put the reviews the batch replaced back, with their own ids and every column as it was (one INSERT …
    SELECT), and forget them."""
    review = connection.ops.quote_name(HouseholdReview._meta.db_table)
    replaced_table = connection.ops.quote_name(ImportReplacedReview._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {review} ({', '.join(KEPT_COLUMNS)}) "  # noqa: S608 - the models' own names
            f"SELECT {', '.join(KEPT_COLUMNS.values())} FROM {replaced_table} WHERE batch_id = %s",
            [batch.pk],
        )
    batch.replaced_reviews_kept.all().delete()


def _after_change(*, unit_id: int | None, year: int) -> None:
    """Follow-ups once the rows are visible to other connections: the poverty-rate targets of the unit (and the
    units above and below it) are recomputed from the new reviews, the aggregates refreshed, and the search
    indexes' pending entries merged."""
    from households.tasks import search_index_flush_task
    from programmes.tasks import poverty_targets_recompute_task
    from reports.tasks import aggregates_refresh_task

    poverty_targets_recompute_task.delay(unit_id=unit_id, year=year)
    aggregates_refresh_task.delay(unit_id=unit_id, year=year, reason="import")
    search_index_flush_task.delay()


def import_batch_revert(*, batch: ImportBatch, acting_user) -> ImportBatch:
    profile = profile_of(acting_user)
    if profile is None or profile.role not in (Role.PROVINCIAL_STAFF, Role.ADMIN):
        raise ApplicationError(_("Chỉ chuyên viên Sở mới được hoàn tác một lần nhập."))
    with transaction.atomic():
        _lock_unit(batch.unit_id)
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.COMMITTED:
            raise ApplicationError(_("Chỉ hoàn tác được lần nhập đã ghi vào hệ thống."))
        # The review cycle: no revert in a submitted, approved or published year (households.cycle.Conflict).
        cycle.lock_check(unit_id=batch.unit_id, year=batch.year, lock=True, commune_ids=set(
            HouseholdReview.objects.filter(import_batch_id=batch.pk).values_list("commune_id", flat=True).distinct()))
        newer = (
            ImportReplacedReview.objects.filter(import_batch_id=batch.pk)
            .exclude(batch=batch).values_list("batch_id", flat=True).first()
        )
        if newer is not None:
            raise ApplicationError(_(
                "Một lần nhập sau (số %(id)s) đã thay một phần dữ liệu của lần nhập này; hãy hoàn tác lần đó trước."
            ) % {"id": newer})
        ours = HouseholdReview.objects.filter(import_batch_id=batch.pk)
        household_ids = list(ours.values_list("household_id", flat=True))
        ours.delete()
        _reviews_restore(batch=batch)
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
        from households.services import transitions_recompute

        remaining = list(Household.objects.filter(pk__in=household_ids).values_list("pk", flat=True))
        transitions_recompute(household_ids=remaining, year=batch.year)
        batch.status = ImportBatch.Status.REVERTED
        batch.reverted_at = timezone.now()
        batch.reverted_by = acting_user
        batch.save(update_fields=["status", "reverted_at", "reverted_by"])
        transaction.on_commit(lambda: _after_change(unit_id=batch.unit_id, year=batch.year))
    return batch
