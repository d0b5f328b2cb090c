"""The test suite. Sample workbooks saved by real office software live in `tests/data/`."""
from pathlib import Path

import xlsxwriter

DATA = Path(__file__).resolve().parent / "data"


def write_xlsx(path: Path, rows: list[list]) -> Path:
    """A one-sheet workbook of `rows`, written cell by cell with XlsxWriter (types as given)."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    workbook.close()
    return path
