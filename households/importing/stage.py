"""PostgreSQL staging of a review import: each chunk of classified rows encoded as COPY text (stage_text, pure
Python, built in the parse thread), COPYed into a temporary table and staged with its households looked up
(chunk_stage: new ones take ids from the sequence), in a temporary or unlogged table that the writer
(households.importing.write.PostgresChunks) reads. Also the DDL of those tables, and the folded-name cache."""

import json
import re
from typing import NamedTuple

from django.db import connection

from config.text import fold
from households.importing.rows import ClassifiedRow
from households.models import Household, HouseholdReview, ImportReplacedReview

ETHNIC_MAJORITY = "kinh"
HOUSEHOLD_FIELDS = (
    "head_name", "head_name_search", "id_number", "village", "ethnicity", "is_ethnic_minority", "members",
    "is_female_head", "has_disabled_member", "has_person_with_merit", "is_social_protection_beneficiary",
)


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
    """Drop the unlogged tables a streamed import of the batch staged its chunks in (parse.BackgroundParse),
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


def household_differs(staged: str) -> str:
    """SQL: the registry's household `h` differs from the staged row `staged` in a field the workbook gives."""
    return (f"({', '.join(f'h.{name}' for name in HOUSEHOLD_FIELDS)}) IS DISTINCT FROM "
            f"({', '.join(f'{staged}.{name}' for name in HOUSEHOLD_FIELDS)})")


class StagedChunk(NamedTuple):
    """A chunk of rows staged by chunk_stage: its table, row count, how many of its households the registry
    already has, how many of those the workbook changes, how many have a periodic review of the year (replaced),
    whether any has reviews other than that one (history), and whether those periodic reviews were already kept
    for the batch (ImportReplacedReview, by the stager: the writer then only deletes them)."""

    table: str
    rows: int
    known: int
    changed: int
    current: int
    with_history: bool
    kept: bool = False


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


def chunk_stage(cursor, *, text: str, table: str, year: int, sequence: str, unlogged: bool = False,
                keep_for_batch: int | None = None) -> StagedChunk:
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
    # The staging statement's estimated cost is high enough to be compiled (JIT) on every chunk: about 0.2 s of
    # compiling for a 20,000-row chunk whose statement then runs in 0.2 s. Its sort stays in memory (the default
    # 4 MB spilled to disk). SET LOCAL: for this transaction only (the writer's sets the same).
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute("TRUNCATE import_rows")
    with cursor.cursor.copy(f"COPY import_rows ({names}) FROM STDIN") as copy:
        copy.write(text)
    kind = "UNLOGGED TABLE" if unlogged else "TEMP TABLE"
    periodic = HouseholdReview.Kind.PERIODIC.value
    cursor.execute(
        f"CREATE {kind} {table} {'' if unlogged else 'ON COMMIT DROP '}AS "  # noqa: S608 - model's own names
        "SELECT r.*, coalesce(h.id, nextval(%(sequence)s::regclass)) AS household_id, h.id IS NULL AS is_new, "
        f"h.id IS NOT NULL AND {household_differs('r')} AS is_changed, "
        "coalesce(o.has_history, false) AS has_history, coalesce(o.has_current, false) AS has_current "
        f"FROM (SELECT * FROM import_rows ORDER BY row_no) r LEFT JOIN LATERAL (SELECT * FROM {household} h "
        "WHERE h.commune_id = r.commune_id AND h.code = r.code OFFSET 0) h ON true "
        # The household's reviews read once (one index range), for both flags: none for a new household.
        "LEFT JOIN LATERAL (SELECT bool_or(NOT (o.year = %(year)s AND o.kind = %(periodic)s)) AS has_history, "
        "bool_or(o.year = %(year)s AND o.kind = %(periodic)s) AS has_current "
        f"FROM {review} o WHERE o.household_id = h.id) o ON h.id IS NOT NULL",
        {"sequence": sequence, "year": year, "periodic": periodic},
    )
    rows = cursor.rowcount
    cursor.execute(
        "SELECT count(*) FILTER (WHERE NOT is_new), count(*) FILTER (WHERE is_changed), "  # noqa: S608
        f"count(*) FILTER (WHERE has_current), coalesce(bool_or(has_history), false) FROM {table}"
    )
    known, changed, current, with_history = cursor.fetchone()
    kept = False
    if keep_for_batch is not None and current:
        if reviews_kept(cursor, stage=table, year=year, batch_id=keep_for_batch) != current:
            raise RuntimeError(f"{table}: the reviews kept are not the {current} the chunk replaces")
        kept = True
    if changed or current:
        # For the joins of the changed households and the reviews replaced: row counts and rough distributions
        # are all the planner needs, a 3,000-row sample, not 30,000. (The other statements read the stage whole.)
        # SET LOCAL: to the end of the transaction, which analyzes nothing else.
        cursor.execute("SET LOCAL default_statistics_target = 10")
        cursor.execute(f"ANALYZE {table}")
    return StagedChunk(table, rows, known, changed, current, with_history, kept)


def current_reviews(stage: str) -> str:
    """SQL: the row address (ctid) of the periodic review of the year (%s) of each staged household that has one
    (has_current), found by the full key of review_household_year_unique (a single-row lookup the planner cannot
    mistake for a range: a join planned on statistics that do not know this year's reviews yet could rescan one
    side once per row of the other). Parameters: the year, the periodic kind."""
    review = connection.ops.quote_name(HouseholdReview._meta.db_table)
    return (
        f"SELECT o.ctid FROM {stage} s CROSS JOIN LATERAL (SELECT ctid FROM {review} o "  # noqa: S608
        "WHERE o.household_id = s.household_id AND o.year = %s AND o.kind = %s "
        f"AND (CASE WHEN o.kind = '{HouseholdReview.Kind.PERIODIC.value}' THEN 0 ELSE o.id END) = 0 "
        "OFFSET 0) o WHERE s.has_current"
    )


def reviews_kept(cursor, *, stage: str, year: int, batch_id: int) -> int:
    """Copy the periodic reviews of `year` the staged households have, whole (ids included), into
    ImportReplacedReview for the batch; returns how many. Run by the stager on its own connection, before the
    writer's transaction deletes them: that transaction holds the unit's lock, so these reviews are as it sees them.
    The copies are committed at once; if the batch does not commit, discard_kept removes them."""
    review = connection.ops.quote_name(HouseholdReview._meta.db_table)
    replaced = connection.ops.quote_name(ImportReplacedReview._meta.db_table)
    cursor.execute(
        f"INSERT INTO {replaced} (batch_id, {', '.join(KEPT_COLUMNS.values())}) "  # noqa: S608
        f"SELECT %s, {', '.join(f'r.{name}' for name in KEPT_COLUMNS)} FROM {review} r "
        f"WHERE r.ctid = ANY(ARRAY({current_reviews(stage)}))",
        [batch_id, year, HouseholdReview.Kind.PERIODIC.value],
    )
    return cursor.rowcount


def discard_kept(*, batch_id: int) -> None:
    """The reviews the stager kept for a batch that did not commit (rejected, failed, or left by a dead run)."""
    ImportReplacedReview.objects.filter(batch_id=batch_id).delete()


# A kept review's columns: HouseholdReview's (attribute names) → ImportReplacedReview's, the review's id as review_id.
KEPT_COLUMNS = {
    field.attname: "review_id" if field.attname == "id" else field.attname
    for field in HouseholdReview._meta.concrete_fields
}
