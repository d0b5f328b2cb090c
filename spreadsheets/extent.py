"""How many cells a sheet spans, read from the file before python-calamine loads it.

calamine holds a sheet as one dense grid from its first to its last cell, about 70 bytes a cell in memory. Two
cells, A1 and XFD1048576, make a 6 KB .xlsx that asks for 17 billion cells: calamine's allocation fails and the
process aborts (not an exception: the worker, or in the embedded mode the web server, dies). So the extent is read
here first, and a sheet over IMPORT_MAX_CELLS is refused with a message before calamine sees it.

- xlsx: every `r` attribute in the sheet's XML (a row's number, a cell's reference) is decoded with numpy over the
  decompressed stream, in two threads, about 0.25 s per 100,000 rows; a cell without a reference takes the next
  column of its row, as calamine places it.
- ods: calamine measures it in a child process whose memory is capped: `spreadsheets.reader.ods_extent` (the
  reader is the one module that loads python-calamine).
- xls: the format itself stops at 65,536 rows × 256 columns; nothing to read first.
"""

import collections
import concurrent.futures
import posixpath
import zipfile
from dataclasses import dataclass

import numpy as np
from defusedxml import ElementTree

CHUNK = 16 * 1024 * 1024
SCANNING = 2  # chunks scanned at once (this kind of machine has two cores)
CARRY = 64  # bytes kept from one chunk to the next: longer than any `r="XFD1048576"` token and its context
_LT, _GT, _R, _EQ, _COLON = (ord(c) for c in "<>r=:")
_QUOTES = np.array([ord('"'), ord("'")], dtype=np.uint8)
_SPACES = np.array([ord(c) for c in " \t\r\n"], dtype=np.uint8)
_CELL_END = np.array([ord(c) for c in " \t\r\n>/"], dtype=np.uint8)


@dataclass(frozen=True)
class Extent:
    rows: int  # from row 1 to the last row with a cell (calamine's grid starts at the first; this bounds it)
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


class ExtentError(Exception):
    """The sheet's structure cannot be measured (a reference no spreadsheet writes)."""


class SheetTooLarge(Exception):
    """The sheet's grid would not fit in memory (it was too large to measure)."""


def sheet_extent(path, *, kind: str, sheet: str | None, stop_above: int | None = None) -> Extent | None:
    """The extent of the sheet `open_table` will read (the first, or `sheet`), None when the format bounds it (xls).
    An .xlsx is read only until its extent passes `stop_above` cells (what is read so far is returned). An .ods is
    measured by calamine itself: `spreadsheets.reader.ods_extent`."""
    if kind == "xlsx":
        with zipfile.ZipFile(path) as archive:
            return _xlsx_extent(archive, _xlsx_member(archive, sheet), stop_above=stop_above)
    if kind == "ods":
        raise ValueError("an .ods sheet is measured by spreadsheets.reader.ods_extent")
    return None


def _xlsx_member(archive: zipfile.ZipFile, sheet: str | None) -> str:
    """The archive member of the named (or first) worksheet, through xl/workbook.xml and its relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels if rel.tag.endswith("Relationship")}
    sheets = [node for node in book.iter() if node.tag.endswith("}sheet") or node.tag == "sheet"]
    chosen = next((node for node in sheets if sheet is None or node.get("name") == sheet), None)
    if chosen is None:
        raise ExtentError(sheet)
    rid = next((value for key, value in chosen.attrib.items() if key.endswith("}id")), None)
    target = targets.get(rid, "")
    member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    if member not in archive.namelist():
        raise ExtentError(target)
    return member


def _xlsx_extent(archive: zipfile.ZipFile, member: str, *, stop_above: int | None = None) -> Extent:
    """The sheet's stream decompressed here a chunk at a time while two threads scan the chunks already read (zlib
    and numpy's array operations release the GIL: the scan of a 100,000-row sheet takes about half as long as
    one after the other, on a core the import leaves idle until calamine has read the sheet). At most SCANNING
    chunks are in flight, so memory stays bounded; with `stop_above`, reading stops soon after the extent passes it
    (what was scanned by then is returned)."""
    rows = columns = 0
    carry = b""
    pending: collections.deque[concurrent.futures.Future] = collections.deque()

    def settle(future: concurrent.futures.Future) -> None:
        nonlocal rows, columns
        chunk_rows, chunk_columns = future.result()
        rows, columns = max(rows, chunk_rows), max(columns, chunk_columns)

    with archive.open(member) as handle, concurrent.futures.ThreadPoolExecutor(
            max_workers=SCANNING, thread_name_prefix="extent") as scanners:
        try:
            while True:
                chunk = handle.read(CHUNK)
                data = carry + chunk
                last = not chunk
                limit = len(data) if last else max(len(data) - CARRY, 0)
                if data:
                    pending.append(scanners.submit(_xlsx_chunk_extent, np.frombuffer(data, dtype=np.uint8), limit))
                while pending and (len(pending) >= SCANNING or pending[0].done() or last):
                    settle(pending.popleft())
                if last or (stop_above is not None and rows * columns > stop_above):
                    return Extent(rows, columns)
                carry = data[limit:]
        finally:
            for future in pending:
                future.cancel()


def _pairs(a: np.ndarray, limit: int, pair: bytes) -> np.ndarray:
    """Where the two bytes `pair` start, before `limit` (compared two bytes at a time: a 16 MB chunk in ms)."""
    found = []
    pattern = pair[0] | pair[1] << 8
    for offset in (0, 1):
        usable = (len(a) - offset) // 2 * 2
        view = a[offset:offset + usable].view("<u2")
        found.append(np.flatnonzero(view == pattern) * 2 + offset)
    at = np.sort(np.concatenate(found))
    return at[at < limit]


def _run_lengths(a: np.ndarray, start: np.ndarray, low: int, high: int, most: int) -> np.ndarray:
    """How many bytes in [low, high] follow each position of `start`, counting up to most + 1."""
    size = len(a)
    length = np.zeros(len(start), dtype=np.int8)
    for offset in range(most + 1):
        byte = a[np.minimum(start + offset, size - 1)]
        length += (length == offset) & (byte >= low) & (byte <= high)
    return length


def _largest(a: np.ndarray, start: np.ndarray, length: np.ndarray, base: int, zero: int) -> int:
    """The largest of the numbers written at `start` (`length` digits of `base`, the first digit `zero` + 1 for
    letters or `zero` for digits): the longest ones, then the largest byte at each place (no arithmetic per item)."""
    if not len(start):
        return 0
    longest = int(length.max())
    candidates = start[length == longest]
    value = 0
    for offset in range(longest):
        byte = a[candidates + offset]
        top = int(byte.max())
        candidates = candidates[byte == top]
        value = value * base + top - zero
    return value


def _references_max(a: np.ndarray, start: np.ndarray, *, with_letters: bool) -> tuple[int, int]:
    """The largest column (A=1; 0 without letters) and row of the references at `start`. Refuses what no
    spreadsheet writes: a column past XFD's three letters, a row number over seven digits."""
    letters = _run_lengths(a, start, 65, 90, 3) if with_letters else np.zeros(len(start), dtype=np.int8)
    digits = _run_lengths(a, start + letters, 48, 57, 7)
    if np.any(letters > 3) or np.any(digits > 7) or np.any(digits == 0) or (with_letters and np.any(letters == 0)):
        raise ExtentError("reference")
    return _largest(a, start, letters, 26, 64), _largest(a, start + letters, digits, 10, 48)


def _xlsx_chunk_extent(a: np.ndarray, limit: int) -> tuple[int, int]:
    """Rows and columns reached by the cells and rows that start before `limit`.

    The fast path: every cell tag is `<c r="A1"…` and every row tag `<row r="1"…`, the reference first, as Excel,
    LibreOffice and every library tried write them; then only those references are decoded. Anything else (a
    prefixed tag, a reference further along or missing) goes the general way, which reads every `r` attribute."""
    size = len(a)
    end = lambda at, offset: a[np.minimum(at + offset, size - 1)]  # noqa: E731
    cells = _pairs(a, limit, b"<c")
    cells = cells[np.isin(end(cells, 2), _CELL_END)]
    rows = _pairs(a, limit, b"<r")
    rows = rows[(end(rows, 2) == ord("o")) & (end(rows, 3) == ord("w")) & np.isin(end(rows, 4), _CELL_END)]
    prefixed = _pairs(a, limit, b":c")
    prefixed = prefixed[np.isin(end(prefixed, 2), _CELL_END)]
    prefixed_rows = _pairs(a, limit, b":r")
    prefixed_rows = prefixed_rows[(end(prefixed_rows, 2) == ord("o")) & (end(prefixed_rows, 3) == ord("w"))]

    def direct(at, offset):
        return ((end(at, offset) == 32) & (end(at, offset + 1) == _R) & (end(at, offset + 2) == _EQ)
                & np.isin(end(at, offset + 3), _QUOTES))

    if not len(prefixed) and not len(prefixed_rows) and direct(cells, 2).all() and direct(rows, 4).all():
        columns, cell_rows = _references_max(a, cells + 6, with_letters=True)
        _, row_numbers = _references_max(a, rows + 8, with_letters=False)
        return max(cell_rows, row_numbers), columns
    return _general_chunk_extent(a, limit)


def _general_chunk_extent(a: np.ndarray, limit: int) -> tuple[int, int]:
    """Every `r="…"` attribute (a row's number or a cell's reference), wherever it stands in its tag, and the
    cells without one."""
    size = len(a)
    at = np.flatnonzero(a[1:max(limit, 1)] == _R) + 1
    at = at[at + 3 < size]
    at = at[np.isin(a[at - 1], _SPACES) & (a[at + 1] == _EQ) & np.isin(a[at + 2], _QUOTES)]
    letters = _run_lengths(a, at + 3, 65, 90, 3)
    cells, rows = at[letters > 0], at[letters == 0]
    columns, cell_rows = _references_max(a, cells + 3, with_letters=True)
    _, row_numbers = _references_max(a, rows + 3, with_letters=False)
    return max(cell_rows, row_numbers), max(columns, _unreferenced_columns(a, limit, cells))


def _tags(a: np.ndarray, limit: int, name: bytes) -> np.ndarray:
    """Where elements called `name` start (`<name` or a prefixed `:name`, then white space, `>` or `/`)."""
    size = len(a)
    found = np.flatnonzero(np.isin(a[:max(limit, 1)], [_LT, _COLON]))
    found = found[found + len(name) + 1 < size]
    for offset, byte in enumerate(name, start=1):
        found = found[a[found + offset] == byte]
    return found[np.isin(a[found + len(name) + 1], _CELL_END)]


def _unreferenced_columns(a: np.ndarray, limit: int, references: np.ndarray) -> int:
    """The most cells without an `r` attribute in one row: calamine places each after the one before it. A bound
    (a row's cells without references counted from column 1): files that omit references omit them all."""
    cells = _tags(a, limit, b"c")
    if not len(cells):
        return 0
    gt = np.flatnonzero(a == _GT)
    if not len(gt):
        return 0
    tag_end = gt[np.minimum(np.searchsorted(gt, cells), len(gt) - 1)]
    referenced = np.searchsorted(references, tag_end) > np.searchsorted(references, cells)
    unreferenced = cells[~referenced]
    if not len(unreferenced):
        return 0
    row_of = np.searchsorted(_tags(a, limit, b"row"), unreferenced, side="right")
    return int(np.bincount(row_of).max())
