"""Row problems: the one shape of an import error, how a list of them is sorted, and how it is paged.

A problem is `{"row": N, "column": "…", "value": "…", "message": "Dòng N: …"}`: the row number Excel shows, the
column's header as written in the file, the cell as the officer sees it (`cells.cell_text`) and a Vietnamese
message. That is the shape of the review import's errors, of the budget and reference imports' errors and of the
API's `errors` field. Problems with the file itself are on row 1 (or the header row) with an empty column.
Pure: no ORM, no app.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from spreadsheets.cells import CellError, cell_text, is_blank

ERRORS_PER_PAGE = 100  # a rejected import's errors are stored and read one page at a time
ERROR_VALUE_MAX_CHARS = 500  # a cell's value quoted in an error; a CSV field may be 131,072 characters


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


def file_problem(message: str, *, row: int = 1) -> Problem:
    """A problem with the file as a whole (not one cell)."""
    return Problem(row, "", "", message)


def problem_order(problem: Problem | Mapping) -> tuple:
    """Sort key: by row, then column (a stable sort keeps each cell's problems in the order they were found)."""
    if isinstance(problem, Problem):
        return problem.row, problem.column
    return problem["row"], problem["column"]


def sorted_problems(problems: Iterable[Problem | Mapping], *, by_message: bool = False) -> list:
    """Problems by row and column; `by_message` also orders one cell's problems by their text (the budget imports)."""
    if by_message:
        def key(problem):
            message = problem.message if isinstance(problem, Problem) else problem["message"]
            return (*problem_order(problem), message)
        return sorted(problems, key=key)
    return sorted(problems, key=problem_order)


def as_dicts(problems: Iterable[Problem | Mapping]) -> list[dict]:
    return [problem.as_dict() if isinstance(problem, Problem) else dict(problem) for problem in problems]


def clipped(entry: dict, *, limit: int = ERROR_VALUE_MAX_CHARS) -> dict:
    """An error entry with its quoted value cut to `limit` characters (a stray quote can make a cell huge)."""
    value = entry["value"]
    if len(value) > limit:
        return {**entry, "value": value[:limit] + "…"}
    return entry


def paged(entries: list[dict], *, per_page: int = ERRORS_PER_PAGE) -> list[list[dict]]:
    """A sorted error list cut into pages (values clipped); no pages for no errors."""
    return [[clipped(entry) for entry in entries[start:start + per_page]]
            for start in range(0, len(entries), per_page)]


def errors_stored(entries: list[dict], *, per_page: int = ERRORS_PER_PAGE) -> tuple[dict, list[list[dict]]]:
    """A sorted error list as an import stores it: the job's own fields (`error_count`, all of them; `errors`, the
    first page, what the API's detail shows) and the further pages (2, 3, …), each kept in a row of its own
    (`spreadsheets.jobs.job_error_pages_save`, `households.ImportErrorPage`). A workbook of 175,000 bad rows has
    350,000 errors (41 MB of JSON): no request reads more than one page of them."""
    pages = paged(entries, per_page=per_page)
    return {"error_count": len(entries), "errors": pages[0] if pages else []}, pages[1:]


class RowProblems:
    """Collects the problems of a spreadsheet's rows, naming each column by its header as written in the file.

    `headers`: column key → header text (`Sheet.headers`). A message may use %(row)s, %(column)s, %(value)s and any
    further keyword given."""

    def __init__(self, headers: Mapping[str, str]):
        self.headers = headers
        self.problems: list[Problem] = []

    def add(self, row: int, key: str, cell, message: str, **params) -> None:
        column = self.headers.get(key, key)
        shown = cell_text(cell)
        self.problems.append(Problem(row, column, shown, message % {"row": row, "column": column, "value": shown,
                                                                    **params}))

    def cell(self, row: int, key: str, value, parse: Callable, *, required: bool = True):
        """`parse(value)`, or None with a problem: "Dòng N: thiếu “…”." for a required blank cell, "Dòng N: “…”
        <reason>." for a CellError. A blank optional cell gives None without a problem."""
        if is_blank(value):
            if required:
                self.add(row, key, value, _("Dòng %(row)s: thiếu “%(column)s”."))
            return None
        try:
            return parse(value)
        except CellError as error:
            self.add(row, key, value, _("Dòng %(row)s: “%(column)s” %(reason)s."), reason=str(error))
            return None

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def sorted(self, *, by_message: bool = False) -> list[Problem]:
        return sorted_problems(self.problems, by_message=by_message)

    def errors(self, *, by_message: bool = False) -> list[dict]:
        """The problems as the contract's dicts, sorted."""
        return as_dicts(self.sorted(by_message=by_message))
