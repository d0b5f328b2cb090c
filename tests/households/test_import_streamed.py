"""The import in chunks: on PostgreSQL the workbook is parsed in a thread while the commit transaction writes
the chunks already read (parse.BackgroundParse, write.PostgresChunks); on SQLite the same workbooks go through
the parse-then-commit path. Chunks are made small here so that a few hundred rows span many of them.

On PostgreSQL a chunk is staged (its households looked up) by the parse thread on its own connection, in an
unlogged table, when the import runs outside any transaction of the caller's ("staged", as a worker runs it: these
tests commit for real), and by the writer in its transaction otherwise ("in-transaction": a test's transaction)."""

import threading
import time

import pytest
from django.db import connection
from django.db.models import Count

from households.importing import parse, services, stage, write
from households.importing.rows import ClassifiedRow
from households.importing.validate import ParsedRow
from households.models import Household, HouseholdReview, ImportBatch, ImportReplacedReview
from households.services import search_index_flush
from tests.conftest import require_postgres
from tests.households.test_imports import HEADER, household_row, upload, write_xlsx

ROWS = 1000


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 100 rows, written at most 300 at a time: a 1,000-row workbook spans ten of them."""
    monkeypatch.setattr(parse, "PROGRESS_EVERY", 100)
    monkeypatch.setattr(parse, "MERGED_CHUNK_ROWS", 300)


BOTH_WAYS = pytest.mark.parametrize("staged", [
    pytest.param(True, marks=pytest.mark.django_db(transaction=True), id="staged"),
    pytest.param(False, id="in-transaction"),
])


@pytest.fixture
def chunk_writes(monkeypatch):
    """The chunks the PostgreSQL writer was given, as (staging table, rows) (none on SQLite)."""
    written = []
    original = write.PostgresChunks.write_staged

    def write_staged(self, chunk):
        written.append((chunk.table, chunk.rows))
        return original(self, chunk)

    monkeypatch.setattr(write.PostgresChunks, "write_staged", write_staged)
    return written


@pytest.fixture
def lockstep(monkeypatch, chunk_writes):
    """The parser hands a chunk over, then waits (up to 10 s) until the writer has written every row handed over so
    far: the chunks a test expects written before a late failure are, however fast the parser is."""
    original = parse.BackgroundParse._chunk

    def chunk(self, rows):
        original(self, rows)
        deadline = time.monotonic() + 10
        while sum(count for _table, count in chunk_writes) < self._sent and time.monotonic() < deadline:
            time.sleep(0.005)

    monkeypatch.setattr(parse.BackgroundParse, "_chunk", chunk)


def _check_staging(chunk_writes, *, staged: bool) -> None:
    """PostgreSQL: the chunks were staged where expected, and no staging table is left."""
    if connection.vendor != "postgresql":
        return
    tables = {table for table, _rows in chunk_writes}
    if staged:
        assert tables and all(table.startswith("import_stage_") for table in tables), tables
    else:
        assert tables <= {"import_stage"}, tables
    assert _staging_left() == []


def _staging_left() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'import\\_stage%%' OR relname = 'import_rows'")
        return [name for (name,) in cursor.fetchall()]


def _rows(count: int, *, commune_of=lambda i: "02146" if i % 2 else "02161") -> list[list]:
    return [household_row(f"S{i:05d}", 500_000 + 1_000 * i, deprived=i % 7, commune=commune_of(i),
                          name=f"Lường Văn {i}") for i in range(count)]


def _parse_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name in ("import-parse", "import-stage")]


@BOTH_WAYS
def test_a_workbook_of_many_chunks_commits_whole_in_file_order(na_ri, tmp_path, small_chunks, chunk_writes, staged):
    rows = _rows(ROWS)
    batch = upload(write_xlsx(tmp_path / "many.xlsx", [HEADER, *rows]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert (batch.rows, batch.created, batch.progress) == (ROWS, ROWS, 100)
    if connection.vendor == "postgresql":  # written while the parser read on
        assert len(chunk_writes) >= 4 and sum(rows for _table, rows in chunk_writes) == ROWS
    _check_staging(chunk_writes, staged=staged)
    # Households and reviews in the workbook's order, each with the row's own values.
    assert list(Household.objects.order_by("pk").values_list("code", flat=True)) == [row[0] for row in rows]
    reviews = HouseholdReview.objects.filter(import_batch_id=batch.pk).order_by("pk")
    assert [(review.household.code, review.income_per_capita, review.deprivation_count)
            for review in reviews.select_related("household")] == [(row[0], row[4], row[5:17].count(1))
                                                                   for row in rows]
    counts = dict(reviews.order_by().values_list("classification").annotate(n=Count("pk")))
    assert batch.counts == counts
    assert not _parse_threads()


@BOTH_WAYS
def test_a_newer_workbook_of_many_chunks_replaces_and_revert_restores(na_ri, tmp_path, small_chunks, chunk_writes,
                                                                      staged):
    first = upload(write_xlsx(tmp_path / "first.xlsx", [HEADER, *_rows(ROWS)]), user=na_ri["officer"])
    before = sorted(HouseholdReview.objects.values_list("pk", "household_id", "income_per_capita", "transition"))
    names = dict(Household.objects.values_list("code", "head_name"))
    # Every other household of the newer workbook has a new head's name (changed), the others the same one.
    newer = [household_row(f"S{i:05d}", 3_000_000, deprived=0, commune="02146" if i % 2 else "02161",
                           name=f"Lường Văn {i}" if i % 4 == 0 else "Nguyễn Văn An")
             for i in range(0, ROWS, 2)]
    second = upload(write_xlsx(tmp_path / "newer.xlsx", [HEADER, *newer]), user=na_ri["officer"])
    assert second.status == ImportBatch.Status.COMMITTED, second.errors[:3]
    assert (second.created, second.updated, second.replaced_reviews) == (0, ROWS // 2, ROWS // 2)
    renamed = {code for code, name in Household.objects.values_list("code", "head_name") if name != names[code]}
    assert renamed == {f"S{i:05d}" for i in range(2, ROWS, 4)}
    assert second.household_snapshots.count() == len(renamed)
    assert HouseholdReview.objects.filter(import_batch_id=first.pk).count() == ROWS // 2
    assert set(HouseholdReview.objects.filter(import_batch_id=second.pk).values_list("classification",
                                                                                      flat=True)) == {"not_poor"}
    _check_staging(chunk_writes, staged=staged)
    services.import_batch_revert(batch=second, acting_user=na_ri["staff"])
    assert sorted(HouseholdReview.objects.values_list("pk", "household_id", "income_per_capita",
                                                      "transition")) == before
    assert dict(Household.objects.values_list("code", "head_name")) == names


@BOTH_WAYS
def test_a_bad_row_in_the_last_chunk_rolls_back_the_chunks_already_written(na_ri, tmp_path, small_chunks,
                                                                           chunk_writes, lockstep, staged):
    rows = _rows(ROWS)
    rows[-1][4] = "nhiều"
    batch = upload(write_xlsx(tmp_path / "late-error.xlsx", [HEADER, *rows]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    assert [error["row"] for error in batch.errors] == [ROWS + 1]
    assert "không phải là số tiền" in batch.errors[0]["message"]
    if connection.vendor == "postgresql":  # most of the workbook had been written, then rolled back
        assert sum(rows for _table, rows in chunk_writes) >= ROWS // 2
    assert (Household.objects.count(), HouseholdReview.objects.count()) == (0, 0)
    assert not _parse_threads()
    _check_staging(chunk_writes, staged=staged)


@BOTH_WAYS
def test_a_parser_failure_midway_rolls_back_and_rejects_with_its_message(na_ri, tmp_path, small_chunks,
                                                                         chunk_writes, lockstep, settings, staged):
    settings.IMPORT_MAX_ROWS = 450
    batch = upload(write_xlsx(tmp_path / "too-long.xlsx", [HEADER, *_rows(ROWS)]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    assert "Tệp có hơn 450 dòng dữ liệu" in batch.rejected_reason
    if connection.vendor == "postgresql":
        assert sum(rows for _table, rows in chunk_writes) >= 300
    assert (Household.objects.count(), HouseholdReview.objects.count()) == (0, 0)
    assert not _parse_threads()
    _check_staging(chunk_writes, staged=staged)


@BOTH_WAYS
def test_a_writer_failure_stops_the_parse_thread_and_rejects_whole(na_ri, tmp_path, small_chunks, monkeypatch,
                                                                   staged):
    require_postgres()
    original, calls = write.PostgresChunks.write_staged, []

    def failing(self, chunk):
        calls.append(chunk.rows)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, chunk)

    monkeypatch.setattr(write.PostgresChunks, "write_staged", failing)
    batch = upload(write_xlsx(tmp_path / "many.xlsx", [HEADER, *_rows(ROWS)]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    assert "mã lỗi: RuntimeError" in batch.rejected_reason
    assert len(calls) == 2 and sum(calls) < ROWS  # the parser did not run to the end for nothing
    assert (Household.objects.count(), HouseholdReview.objects.count()) == (0, 0)
    assert not _parse_threads()
    assert _staging_left() == []


@pytest.mark.django_db(transaction=True)
def test_staging_tables_a_dead_run_left_are_dropped_by_the_next_run_of_that_batch_only(na_ri, tmp_path):
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNLOGGED TABLE import_stage_900001_0 (x int)")
        cursor.execute("CREATE UNLOGGED TABLE import_stage_9000012_0 (x int)")
    assert stage.staged_tables_drop(batch_id=900001) == "import_stage_900001"
    assert _staging_left() == ["import_stage_9000012_0"]
    batch = upload(write_xlsx(tmp_path / "few.xlsx", [HEADER, *_rows(20)]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED
    assert _staging_left() == ["import_stage_9000012_0"]
    stage.staged_tables_drop(batch_id=9000012)
    assert _staging_left() == []


@pytest.mark.django_db(transaction=True)
def test_the_stager_keeps_the_replaced_reviews_and_a_rejected_batch_leaves_none(na_ri, tmp_path, small_chunks,
                                                                                monkeypatch):
    """Staged: the reviews a chunk replaces are copied by the stager (committed on its connection) and the writer
    only deletes them. A newer workbook rejected at its last row leaves no copy behind, and the reviews it would
    have replaced stay as they were."""
    require_postgres()
    kept_chunks = []
    original = write.PostgresChunks.write_staged

    def write_staged(self, chunk):
        kept_chunks.append(chunk.kept)
        return original(self, chunk)

    monkeypatch.setattr(write.PostgresChunks, "write_staged", write_staged)
    first = upload(write_xlsx(tmp_path / "first.xlsx", [HEADER, *_rows(ROWS)]), user=na_ri["officer"])
    assert not any(kept_chunks)  # nothing to replace
    before = sorted(HouseholdReview.objects.values_list("pk", "household_id", "income_per_capita"))
    newer = _rows(ROWS)
    for row in newer:
        row[4] += 1
    second = upload(write_xlsx(tmp_path / "newer.xlsx", [HEADER, *newer]), user=na_ri["officer"])
    assert second.status == ImportBatch.Status.COMMITTED and second.replaced_reviews == ROWS
    assert kept_chunks[-1] and sum(kept_chunks) >= 4
    assert ImportReplacedReview.objects.filter(batch=second).count() == ROWS
    assert set(ImportReplacedReview.objects.filter(batch=second).values_list("import_batch_id", flat=True)) == {
        first.pk}
    newest = _rows(ROWS)
    newest[-1][4] = "nhiều"
    kept_chunks.clear()
    third = upload(write_xlsx(tmp_path / "newest.xlsx", [HEADER, *newest]), user=na_ri["officer"])
    assert third.status == ImportBatch.Status.REJECTED
    assert any(kept_chunks)  # copies had been made, then discarded
    assert not ImportReplacedReview.objects.filter(batch=third).exists()
    assert HouseholdReview.objects.filter(import_batch_id=second.pk).count() == ROWS
    services.import_batch_revert(batch=second, acting_user=na_ri["staff"])
    assert sorted(HouseholdReview.objects.values_list("pk", "household_id", "income_per_capita")) == before


@pytest.mark.django_db(transaction=True)
def test_copies_a_dead_run_kept_neither_block_a_revert_nor_outlive_the_next_run(na_ri, tmp_path):
    """A worker that died mid-import leaves its batch running and the stager's copies committed: they do not count
    as a newer batch replacing the earlier one, and the batch's next run discards them first."""
    require_postgres()
    first = upload(write_xlsx(tmp_path / "first.xlsx", [HEADER, *_rows(20)]), user=na_ri["officer"])
    dead = ImportBatch.objects.create(unit=first.unit, year=first.year, sha256="dead", original_name="dead.xlsx",
                                      status=ImportBatch.Status.RUNNING, file=first.file.name)
    review = HouseholdReview.objects.filter(import_batch_id=first.pk).first()
    ImportReplacedReview.objects.create(
        batch=dead, **{name: getattr(review, field) for field, name in stage.KEPT_COLUMNS.items()})
    before = HouseholdReview.objects.count()
    services.import_batch_revert(batch=first, acting_user=na_ri["staff"])  # not refused
    assert HouseholdReview.objects.count() == before - 20
    ImportBatch.objects.filter(pk=dead.pk).update(status=ImportBatch.Status.QUEUED)
    services.import_batch_process(batch_id=dead.pk)
    assert not ImportReplacedReview.objects.filter(batch=dead).exists()


def test_texts_with_backslashes_quotes_and_tabs_reach_the_database_unchanged(na_ri, tmp_path):
    rows = [household_row("Q\\1", 900_000, name="Nguyễn \\Văn \"Tư\""),
            household_row("Q\\2", 900_000, name="Lò Thị 'Năm'")]
    rows[0].extend(["Thôn Nà\\Lẹng"])
    header = [*HEADER, "Thôn/bản"]
    batch = upload(write_xlsx(tmp_path / "quotes.xlsx", [header, rows[0], [*rows[1], "Bản\tPhiêng"]]),
                   user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    stored = dict(Household.objects.values_list("code", "head_name"))
    assert stored == {"Q\\1": "Nguyễn \\Văn \"Tư\"", "Q\\2": "Lò Thị 'Năm'"}
    villages = dict(Household.objects.values_list("code", "village"))
    assert villages["Q\\1"] == "Thôn Nà\\Lẹng"
    assert villages["Q\\2"] in ("Bản Phiêng", "Bản\tPhiêng")  # the reader may fold the tab into a space


def test_stage_text_escapes_what_copy_would_misread():
    parsed = ParsedRow(
        row=2, household_code="A\\1", head_name="Tên\tcó tab", id_number="", commune_code="02146",
        village="Dòng 1\nDòng 2\r", area="rural", ethnicity="Tày", members=3, income_per_capita=800_000,
        deprivations=frozenset({"housing_area"}), declared_classification="poor", female_head=True,
        has_disabled=False, has_merit=False, social_protection=True, note="", extra={},
    )
    text = stage.stage_text([ClassifiedRow(parsed, "poor", 1, "Lý do \\ có gạch", False)], {"02146": 7}, first=4)
    assert text.endswith("\n") and text.count("\n") == 1
    fields = text[:-1].split("\t")
    assert len(fields) == len(stage._STAGE_COLUMNS)
    named = dict(zip((name for name, _kind in stage._STAGE_COLUMNS), fields, strict=True))
    assert (named["row_no"], named["commune_id"], named["code"]) == ("4", "7", "A\\\\1")
    assert named["head_name"] == "Tên\\tcó tab" and named["village"] == "Dòng 1\\nDòng 2\\r"
    assert named["head_name_search"] == "ten co tab"
    assert (named["is_ethnic_minority"], named["is_female_head"], named["is_mismatch"]) == ("t", "t", "f")
    assert named["deprivations"] == '["housing_area"]' and named["reason"] == "Lý do \\\\ có gạch"


def test_an_import_leaves_no_search_entries_pending(na_ri, tmp_path):
    """PostgreSQL: an import's new entries wait in the trigram indexes' pending lists (migration 0007) until its
    follow-up task merges them; searches find them either way. Elsewhere there is nothing to merge."""
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'household_name_trgm_idx'")
            assert cursor.fetchone()[0] == ["gin_pending_list_limit=131072"]
    batch = upload(write_xlsx(tmp_path / "few.xlsx", [HEADER, *_rows(50)]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED
    assert search_index_flush() == 0  # the import's follow-up merged them already (or: not PostgreSQL)
    Household.objects.create(code="MOI-1", head_name="Hà Văn Mới", head_name_search="ha van moi",
                             commune=na_ri["units"]["02146"])
    assert (search_index_flush() > 0) is on_postgres  # a write leaves its entries pending until a flush
    assert Household.objects.filter(head_name_search__contains="van moi").count() == 1
    assert Household.objects.filter(head_name_search__contains="luong van 4").count() == 11  # 4, 40-49
