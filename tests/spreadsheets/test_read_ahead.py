"""The read-ahead of `manage.py import_reviews`: the workbook read in a thread while Django loads, handed to the
next open_table of a file with the same content; anything unusual is left to open_table, which reads it again."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from django.conf import settings

from spreadsheets import read_ahead
from spreadsheets.reader import WorkbookError, open_table

ROOT = Path(__file__).resolve().parent.parent.parent


def workbook(path: Path, rows: list[list]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Danh sách")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return path


ROWS = [["Mã hộ", "Họ và tên chủ hộ"], ["H001", "Nguyễn Văn An"], ["H002", "Trần Thị Bình"]]


LIMITS = (settings.IMPORT_MAX_FILE_BYTES, settings.IMPORT_MAX_CELLS)


@pytest.fixture(autouse=True)
def _no_read_ahead_left():
    yield
    read_ahead._started = None


def started(path: Path, limits=LIMITS) -> read_ahead.ReadAhead:
    read_ahead.start(path, limits=limits)
    ahead = read_ahead._started
    ahead.thread.join()
    return ahead


def loads(monkeypatch) -> list[str]:
    """Record each calamine load from now on (and still load)."""
    loaded = []
    original = read_ahead.CalamineWorkbook.from_path

    def recorded(path):
        loaded.append(path)
        return original(path)

    monkeypatch.setattr(read_ahead.CalamineWorkbook, "from_path", recorded)  # (the class reader.py uses too)
    return loaded


def rows_of(table) -> list[list]:
    return [list(cells) for _number, cells in table.rows]


def test_the_sheet_read_ahead_is_what_open_table_gives_for_a_copy(tmp_path, monkeypatch):
    source = workbook(tmp_path / "ds.xlsx", ROWS)
    started(source)
    stored = tmp_path / "kept" / "ds.xlsx"  # the batch reads its stored copy
    stored.parent.mkdir()
    shutil.copy(source, stored)
    loaded = loads(monkeypatch)
    table = open_table(stored)
    assert loaded == []  # nothing read again
    assert (table.kind, table.sheet_name, table.height) == ("xlsx", "Danh sách", 3)
    assert rows_of(table) == ROWS
    assert read_ahead._started is None  # handed over once
    assert rows_of(open_table(stored)) == ROWS and loaded == [str(stored)]


def test_a_file_with_other_content_is_read_as_always(tmp_path, monkeypatch):
    source = workbook(tmp_path / "ds.xlsx", ROWS)
    started(source)
    other = workbook(tmp_path / "khac.xlsx", [*ROWS, ["H003", "Lê Văn Cường"]])
    loaded = loads(monkeypatch)
    assert rows_of(open_table(other))[-1] == ["H003", "Lê Văn Cường"]
    assert loaded == [str(other)]


def test_a_sheet_too_large_is_not_read_ahead_and_open_table_refuses_it(tmp_path, monkeypatch):
    path = tmp_path / "sparse.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write(0, 0, "Mã hộ")
    sheet.write(1_048_575, 16_383, "z")  # calamine would ask for 17 billion cells
    book.close()
    loaded = loads(monkeypatch)
    assert started(path).sheet is None and loaded == []  # measured apart, never loaded
    with pytest.raises(WorkbookError, match=r"dòng 1\.048\.576, cột XFD"):
        open_table(path)
    assert loaded == []


def test_a_file_over_the_size_limit_or_not_a_workbook_is_left_to_open_table(tmp_path):
    path = workbook(tmp_path / "ds.xlsx", ROWS)
    assert started(path, limits=(path.stat().st_size - 1, settings.IMPORT_MAX_CELLS)).sheet is None
    assert started(path, limits=(path.stat().st_size, 5)).sheet is None  # 3 rows × 2 columns
    assert started(path).sheet is not None
    text = tmp_path / "ds.csv"
    text.write_text("Mã hộ,Họ và tên chủ hộ\nH001,Nguyễn Văn An\n", encoding="utf-8")
    assert started(text).sheet is None
    assert rows_of(open_table(text))[1] == ["H001", "Nguyễn Văn An"]


def test_manage_py_reads_ahead_only_for_the_import_command_and_its_file(tmp_path, monkeypatch):
    path = workbook(tmp_path / "ds.xlsx", ROWS)
    read_ahead.for_command(["manage.py", "import_budgets", str(path), "--kind", "allocations"])
    assert read_ahead._started is None
    read_ahead.for_command(["manage.py", "import_reviews", "--year", "2023", str(tmp_path / "missing.xlsx")])
    assert read_ahead._started is None
    read_ahead.for_command(["manage.py", "import_reviews", "--year", "2023", str(path), "--user", "so_hatinh"])
    assert read_ahead._started is not None and read_ahead._started.path == path
    read_ahead._started.thread.join()  # (the child read the limits from the settings)
    loaded = loads(monkeypatch)
    assert rows_of(open_table(path)) == ROWS and loaded == []


def test_manage_py_with_a_missing_file_still_says_so():
    """manage.py's read-ahead and its exit step never get in the way of the command's own messages."""
    done = subprocess.run(
        [sys.executable, "manage.py", "import_reviews", "khong-co.xlsx", "--year", "2023"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": "sqlite:///:memory:"},
    )
    assert done.returncode == 1
    assert "Không thấy tệp khong-co.xlsx" in done.stderr
