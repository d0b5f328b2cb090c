"""Columns and the header row: one `Column` type for every import, and finding the header among the first rows.

A header cell matches a column when its `config.text.fold` (case, diacritics, spacing and punctuation ignored)
equals the fold of the column's Vietnamese header, of its key ("household_code" and "household code") or of one
of its accepted variants. The header may sit below a title block (it is looked for in the first `scan_rows` rows)
and may span two rows, where a group header is merged over some columns and their own headers are on the row
below. Pure: no ORM, no app.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

from config.text import fold
from spreadsheets.cells import cell_text, is_blank


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the canonical Vietnamese header, as the template writes it and messages name it
    aliases: tuple[str, ...] = ()  # further accepted headers (matched folded)
    required: bool = False
    parser: Callable[[object], object] | None = None  # a spreadsheets.cells parser, when the import uses one

    @property
    def label(self) -> str:
        return self.header

    def names(self) -> set[str]:
        """Every folded spelling that maps to this column: the header, its variants and the English key."""
        return {fold(name) for name in (self.header, self.key, self.key.replace("_", " "), *self.aliases)}

    def accepts(self, text: str) -> bool:
        return fold(text) in self.names()


class Lookup:
    """Folded header text → the keys of the columns it may mean, in the order the columns are given (a text two
    columns accept goes to the first one not already found)."""

    def __init__(self, columns: Iterable[Column]):
        self.columns = tuple(columns)
        self.by_key = {column.key: column for column in self.columns}
        self.table: dict[str, tuple[str, ...]] = {}
        for column in self.columns:
            for name in column.names():
                self.table[name] = (*self.table.get(name, ()), column.key)

    def keys(self, text: str) -> tuple[str, ...]:
        folded = fold(text)
        return self.table.get(folded, ()) if folded else ()

    def match(self, text: str) -> str | None:
        """The first column key a header cell means ("MÃ HỘ", "ma ho:", "household_code" → "household_code")."""
        keys = self.keys(text)
        return keys[0] if keys else None


@dataclass
class HeaderMatch:
    rows: tuple[int, ...]  # the Excel row numbers of the header (one, or two)
    columns: dict[str, tuple[int, str]]  # key → (cell index, header as written)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # headers matching no column (nor a group)
    ignored: list[tuple[int, str]] = field(default_factory=list)  # every non-blank header cell not used

    @property
    def row(self) -> int:
        return self.rows[0]

    def header(self, key: str, default: str = "") -> str:
        return self.columns[key][1] if key in self.columns else default

    def headers(self) -> dict[str, str]:
        return {key: text for key, (_index, text) in self.columns.items()}


def map_cells(cells: list, lookup: Lookup, *, group_headers: Iterable[str] = ()) -> HeaderMatch:
    """Which column each cell of one header row means. A column is taken by its first cell; a later cell with the
    same meaning is ignored (not unknown). `group_headers` (folded) are neither columns nor unknown."""
    groups = set(group_headers)
    found: dict[str, tuple[int, str]] = {}
    unknown, ignored = [], []
    for index, cell in enumerate(cells):
        if is_blank(cell):
            continue
        text = cell_text(cell)
        keys = lookup.keys(text)
        key = next((key for key in keys if key not in found), None)
        if key is not None:
            found[key] = (index, text)
            continue
        ignored.append((index, text))
        if not keys and fold(text) not in groups:
            unknown.append((index, text))
    return HeaderMatch((), found, unknown, ignored)


def combine_rows(upper: list, lower: list) -> list:
    """A two-row header read as one: the lower row's cell where it has one, else the upper row's."""
    width = max(len(upper), len(lower))
    upper, lower = list(upper) + [""] * (width - len(upper)), list(lower) + [""] * (width - len(lower))
    return [low if not is_blank(low) else up for up, low in zip(upper, lower, strict=True)]


def find_header(
    rows: Iterator[tuple[int, list]], columns: Iterable[Column] | Lookup, *, scan_rows: int = 10,
    two_rows: bool = False, group_headers: Iterable[str] = (), plausible: Callable[[HeaderMatch], bool] | None = None,
    stop_when_complete: bool = True,
) -> tuple[HeaderMatch | None, Iterator[tuple[int, list]]]:
    """The header among the first `scan_rows` rows of `rows` ((Excel row number, cells) pairs), and the rows after
    it (those scanned past the header, then the rest of `rows`).

    The header is the row matching the most columns (the first such), among rows that `plausible` accepts (by
    default any row matching a column). With `two_rows`, a row read together with the next one (combine_rows) is
    preferred when that matches more columns. With `stop_when_complete`, scanning stops at the first header holding
    every required column. Returns (None, rows after the scanned ones) when no row qualifies."""
    lookup = columns if isinstance(columns, Lookup) else Lookup(columns)
    required = {column.key for column in lookup.columns if column.required}
    groups = tuple(group_headers)
    accept = plausible or (lambda match: bool(match.columns))
    scanned: list[tuple[int, list]] = []
    best: HeaderMatch | None = None
    best_index = -1
    for item in rows:
        scanned.append(item)
        if len(scanned) >= scan_rows:
            break
    for index, (number, cells) in enumerate(scanned):
        match = map_cells(cells, lookup, group_headers=groups)
        if accept(match):
            candidate, used = HeaderMatch((number,), match.columns, match.unknown, match.ignored), index
            if two_rows and index + 1 < len(scanned):
                next_number, next_cells = scanned[index + 1]
                combined = map_cells(combine_rows(cells, next_cells), lookup, group_headers=groups)
                if len(combined.columns) > len(match.columns):
                    candidate = HeaderMatch((number, next_number), combined.columns, combined.unknown,
                                            combined.ignored)
                    used = index + 1
            if best is None or len(candidate.columns) > len(best.columns):
                best, best_index = candidate, used
            if stop_when_complete and required <= best.columns.keys():
                break
    if best is None:
        return None, rows
    return best, chain(scanned[best_index + 1:], rows)


def missing_required(match: HeaderMatch | None, columns: Iterable[Column]) -> list[Column]:
    """The required columns the header lacks (all of them without a header)."""
    found = match.columns.keys() if match else set()
    return [column for column in columns if column.required and column.key not in found]
