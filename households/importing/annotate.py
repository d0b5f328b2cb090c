"""The review import's annotated copy: the officer's own workbook back, with every bad cell highlighted and a
comment saying what is wrong (errors of a rejected batch, else the warnings of a committed one).

The copy itself is the import core's (`spreadsheets.annotate`: the upload marked in place with openpyxl, or a fresh
XlsxWriter copy, or over settings.IMPORT_ANNOTATED_MAX_ROWS the error list alone). What is the review import's is
here: which problems a batch has, how its header is found (one row, or two under a merged group header, within the
first HEADER_SCAN_ROWS rows) and where the copy is kept. It is built once, by the worker after the batch has
finished (`import_batch_annotate`), and kept on the batch (`ImportBatch.annotated`); the download serves that file.
"""

from collections.abc import Iterator
from pathlib import Path

from households.importing import validate
from households.models import ImportBatch
from spreadsheets import annotate as core


def _issues(batch: ImportBatch) -> Iterator[dict]:
    """The errors of a rejected batch, else its warnings; sorted by (row, column)."""
    if batch.error_count or batch.errors:
        return batch.error_entries()
    return iter(batch.warning_entries())


def header_columns(scanned: list[tuple[int, list]]) -> dict[str, int]:
    """The review header's texts as written (known columns and the workbook's own) → their positions; none when
    the first rows hold no review header."""
    try:
        header, _rest = validate.find_header(iter(scanned))
    except validate.HeaderError:
        return {}
    columns = {text: index for index, text in header.columns.values()}
    columns.update({text: index for index, text in header.unknown})  # the workbook's own columns
    return columns


def annotated_workbook(*, batch: ImportBatch, target: Path, in_request: bool = False) -> bool:
    """Write the batch's annotated copy to `target`: the marked copy of its rows (True), or, over the cap, the
    error list alone with a first sheet saying why (False); `in_request`: a tenth of the cap (spreadsheets.annotate)."""
    return core.annotated_workbook(
        source=Path(batch.file.path) if batch.file else None, issues=lambda: _issues(batch),
        count=batch.issue_count, rows=batch.rows, locate=header_columns,
        scan_rows=validate.HEADER_SCAN_ROWS, target=target, in_request=in_request, label=f"import batch {batch.pk}",
    )


def import_batch_annotate(*, batch: ImportBatch, in_request: bool = False) -> ImportBatch:
    """Build the batch's annotated copy and keep it on the batch, unless it has one already. Run by the worker
    once the batch has finished; the download builds it (`in_request`, smaller) only for a batch that has none
    (finished before 0011, or its file went missing)."""
    if not batch.is_finished:
        return batch
    core.annotated_keep(
        job=batch, name=f"{Path(batch.original_name).stem[:80]}.xlsx",
        build=lambda target: annotated_workbook(batch=batch, target=target, in_request=in_request),
    )
    return batch
