"""`manage.py import_reviews PATH` reads its workbook while Django loads (about half a second of every run).

manage.py calls `for_command` first thing, before Django is set up; this module imports no more than the standard
library, numpy (the extent), calamine and the settings module's lazy object. It checks the file as the reader would
(an .xlsx or .xls: spreadsheets.kinds; the cell extent of its first sheet: spreadsheets.extent) before Django starts
loading, since the extent's array operations would otherwise queue for the GIL behind Django's imports; a thread
then compares that with the settings' limits and lets calamine, which releases the GIL, load the sheet on the
second core. The batch's `reader.open_table` takes it (`claim`) when its stored copy of the file has the same
SHA-256. Anything else (a refusal, a CSV or .ods, a failure, other content) is left to open_table, which reads the
file as always and says what is wrong; so a read-ahead is only ever a head start.
"""

import hashlib
import threading
import time
from pathlib import Path

from django.conf import settings  # (the module only: nothing is loaded or configured by importing it)
from python_calamine import CalamineWorkbook

from spreadsheets.extent import sheet_extent
from spreadsheets.kinds import kind_of

SETTINGS_SECONDS = 30  # how long the thread waits for manage.py's Django to load its settings
# The extent is measured before the settings are loaded: up to this many cells (far above any IMPORT_MAX_CELLS a
# server would set), so that a sheet built to be measured for long is not; a larger one is left to open_table.
MEASURED_CELLS = 50_000_000


class ReadAhead:
    """The file's kind and its first sheet's extent, checked here as the reader checks them (spreadsheets.kinds,
    spreadsheets.extent), before Django starts loading: the scan uses both cores for a quarter of a second. Then a
    thread compares them with the settings' limits, once manage.py's Django has loaded them, and lets calamine load
    the sheet while Django loads the rest."""

    def __init__(self, path: Path, *, limits: tuple[int, int] | None = None):
        self.path, self.limits = path, limits
        self.sheet: tuple | None = None  # (sha256, kind, sheet name, calamine sheet) once read
        self.kind, self.cells = None, 0
        try:
            self.kind = kind_of(path)
            if self.kind == "xlsx":
                self.cells = sheet_extent(path, kind="xlsx", sheet=None, stop_above=MEASURED_CELLS).cells
        except Exception:  # a file the reader refuses: open_table reads it again and says why
            self.kind = None
        self.thread = threading.Thread(target=self._read, name="read-ahead", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        # A CSV is read line by line anyway; an .ods is measured by calamine itself; an .xls stops at 65,536 rows and
        # 256 columns.
        if self.kind not in ("xlsx", "xls") or self.cells > MEASURED_CELLS:
            return
        try:
            max_bytes, max_cells = self.limits or _settings_limits()
            if self.path.stat().st_size > max_bytes or self.cells > max_cells:
                return
            digest = sha256(self.path)
            workbook = CalamineWorkbook.from_path(str(self.path))
            name = workbook.sheet_names[0]
            self.sheet = (digest, self.kind, name, workbook.get_sheet_by_name(name))
        except Exception:  # whatever went wrong, open_table reads the file again and says what
            self.sheet = None


def _settings_limits() -> tuple[int, int]:
    """(IMPORT_MAX_FILE_BYTES, IMPORT_MAX_CELLS), once manage.py's Django has loaded the settings (reading them from
    here first would race its setup)."""
    waited = 0.0
    while not settings.configured:
        if waited > SETTINGS_SECONDS:
            raise TimeoutError("settings")
        time.sleep(0.005)
        waited += 0.005
    return settings.IMPORT_MAX_FILE_BYTES, settings.IMPORT_MAX_CELLS


_started: ReadAhead | None = None
COMMANDS = ("import_reviews",)  # their workbook is read whole by open_table


def for_command(argv: list[str]) -> None:
    """From manage.py: for an import command, start reading its workbook (the first argument naming a file). Never in
    the way: if anything here fails, the command reads the file itself and reports as usual."""
    if len(argv) < 3 or argv[1] not in COMMANDS:
        return
    try:
        path = next((Path(value) for value in argv[2:] if not value.startswith("-") and Path(value).is_file()), None)
        if path is not None:
            start(path)
    except Exception:  # noqa: S110 - a read-ahead is only ever a head start
        pass


def start(path: Path, *, limits: tuple[int, int] | None = None) -> None:
    """Start reading `path`'s first sheet in a thread. `limits`: (file bytes, sheet cells); the settings' if None."""
    global _started
    _started = ReadAhead(path, limits=limits)


def claim(path: Path) -> tuple | None:
    """(kind, sheet name, calamine sheet) read ahead, if the file at `path` has the content that was read; once."""
    global _started
    ahead, _started = _started, None
    if ahead is None:
        return None
    ahead.thread.join()
    if ahead.sheet is None:
        return None
    digest, kind, name, data = ahead.sheet
    return (kind, name, data) if sha256(path) == digest else None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
