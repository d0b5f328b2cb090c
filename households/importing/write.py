"""The set-based writes of a validated review import, whole or nothing, under the unit's lock.

On PostgreSQL the rows come in chunks while the parser reads on (reviews_commit_streamed, PostgresChunks): one
transaction, rolled back whole if the parser finds a problem anywhere. Elsewhere (SQLite) reviews_commit writes the
parsed rows with executemany. A batch never edits a review in place. Committing moves the households' periodic
reviews of that year into ImportReplacedReview (every column, ids included) and inserts new ones; the household
rows it changes are snapshotted first, the ones it creates carry its id (Household.created_by_batch_id).
HouseholdReview therefore only ever holds current reviews, and a revert (services.import_batch_revert) puts the
kept rows back with their own ids, so the previous state comes back exactly.

The follow-ups of a commit or a revert (poverty-rate targets, aggregates, search indexes) are queued by task name
(config.followups.after_commit): this package never imports a tasks module.
"""

import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from config.followups import after_commit
from config.text import fold
from households import cycle
from households.importing.parse import standard_for_year
from households.importing.rows import ClassifiedRow, batch_warnings, classification_counts
from households.importing.stage import (
    ETHNIC_MAJORITY,
    HOUSEHOLD_FIELDS,
    KEPT_COLUMNS,
    StagedChunk,
    chunk_stage,
    current_reviews,
    household_differs,
    household_sequence,
    rows_table_create,
    stage_text,
)
from households.models import (
    Household,
    HouseholdReview,
    ImportBatch,
    ImportHouseholdSnapshot,
    ImportReplacedReview,
)
from households.selectors import standards_all
from households.services import review_statuses_sql, transitions_recompute
from provinces.models import AdministrativeUnit, end_of_year
from provinces.selectors import units_in_force

BATCH_SIZE = 2000


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



def _snapshot(household: Household) -> dict:
    return {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}


def unit_lock(unit_id: int) -> None:
    """Two imports for the same unit never interleave: the second waits for the first to commit."""
    list(AdministrativeUnit.objects.select_for_update().filter(pk=unit_id).values_list("pk"))


def _standard_id(year: int) -> int:
    return standards_all().ids[standard_for_year(year).code]


def commune_ids(codes: set[str], *, year: int) -> dict[str, int]:
    """The ids of the communes in force at the end of `year` with these codes."""
    return dict(
        units_in_force(on=end_of_year(year))
        .filter(code__in=codes, level=AdministrativeUnit.Level.COMMUNE)
        .values_list("code", "pk")
    )


@transaction.atomic
def reviews_commit(*, batch: ImportBatch, rows: list[ClassifiedRow], warnings) -> ImportBatch:
    unit_lock(batch.unit_id)
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
    """PostgreSQL: write each chunk `parse` (households.importing.parse.BackgroundParse) hands over as it comes, in one
    transaction; commit once the parser is done and found no problem, else roll back and raise RowsRejected.
    An exception of the parser's (unreadable file, header missing) rolls back and propagates.

    The chunks come as COPY text, or already staged (StagedChunk) by the parse thread on its own connection. That
    connection looks households up in the registry as committed, and only once this transaction holds the unit's
    lock (parse.unit_locked()): an import of the same unit that committed meanwhile is seen; this transaction's
    own rows are not, and need not be, since no two chunks hold the same household."""
    with transaction.atomic():
        unit_lock(batch.unit_id)
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
    follow_ups_queue(unit_id=batch.unit_id, year=batch.year)
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
    transitions_recompute(household_ids=[pk for pk in household_ids if pk not in created_ids], year=batch.year)
    return len(to_create), replaced


REVIEW_COLUMNS = (
    "household_id", "commune_id", "year", "kind", "standard_id", "area", "income_per_capita", "members",
    "deprivations", "deprivation_count", "classification", "declared_classification", "is_mismatch",
    "is_newly_escaped", "reason", "import_batch_id", "created_at", "updated_at", "transition",
)




def _first_transition(row: ClassifiedRow) -> str | None:
    """The status of a household's only review (services.household_statuses with no earlier review): newly
    poor when poor, otherwise none; never newly escaped."""
    return HouseholdReview.Transition.NEWLY_POOR.value if row.classification == "poor" else None



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
                f"OFFSET 0) h WHERE s.is_changed AND {household_differs('s')}), "
                f"kept AS (INSERT INTO {snapshot} (batch_id, household_id, data) "
                "SELECT %s, household_id, old FROM changed) "
                f"UPDATE {household} h SET ({fields}, updated_at) = ({staged}, %s) "
                "FROM changed s WHERE h.id = s.household_id",
                [batch.pk, now],
            )
        if not chunk.current:
            return
        if chunk.kept:  # copied into ImportReplacedReview by the stager already (stage.reviews_kept)
            cursor.execute(f"DELETE FROM {review} r WHERE r.ctid = ANY(ARRAY({current_reviews(stage)}))",  # noqa: S608
                           [batch.year, HouseholdReview.Kind.PERIODIC.value])
            if cursor.rowcount != chunk.current:
                raise RuntimeError(f"{stage}: {cursor.rowcount} reviews deleted, {chunk.current} kept")
        else:  # deleted and kept in one statement, deleted by their row address (a TID scan)
            kept_columns = ", ".join(KEPT_COLUMNS.values())
            cursor.execute(
                f"WITH moved AS (DELETE FROM {review} r WHERE r.ctid = ANY(ARRAY({current_reviews(stage)})) "  # noqa: S608
                f"RETURNING r.*) INSERT INTO {replaced_table} (batch_id, {kept_columns}) "
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


def reviews_restore(*, batch: ImportBatch) -> None:
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


def follow_ups_queue(*, unit_id: int | None, year: int) -> None:
    """Follow-ups once the rows are visible to other connections (queued by name, on commit): the poverty-rate
    targets of the unit (and the units above and below it) recomputed from the new reviews, the aggregates of the
    unit and year refreshed, and the search indexes' pending entries merged."""
    after_commit("programmes.poverty_targets_recompute", unit_id=unit_id, year=year)
    after_commit("reports.aggregates_refresh", unit_id=unit_id, year=year, reason="import")
    after_commit("households.search_index_flush")
