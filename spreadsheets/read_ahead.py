"""`manage.py import_reviews PATH` reads its workbook while Django loads (about half a second of every run).

manage.py calls `for_command` first thing, before Django is set up; this module imports nothing but the standard
library and python-calamine, so the thread starts at once. A child process checks the file as the reader would (an
.xlsx or .xls: spreadsheets.kinds; the cell extent of its first sheet: spreadsheets.extent, whose array operations
would otherwise queue for the GIL behind Django's imports), and the thread compares that with the settings' limits;
then calamine, which releases the GIL, loads the sheet here on the second core. The batch's `reader.open_table`
takes it (`claim`) when its stored copy of the file has the same SHA-256. Anything else (a refusal, a CSV or .ods,
a failure, other content) is left to open_table, which reads the file as always and says what is wrong; so a
read-ahead is only ever a head start.
"""

import hashlib
import subprocess
import sys
import threading
import time
from pathlib import Path

from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
PROBE_SECONDS = 60
SETTINGS_SECONDS = 30  # how long the thread waits for manage.py's Django to load its settings
# The child: the reader's own checks (spreadsheets.kinds, spreadsheets.extent; no Django, so it starts in a tenth of a
# second). Prints the kind, the file's size and the first sheet's rows and columns, or exits non-zero: not read ahead.
_PROBE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from spreadsheets.extent import sheet_extent
from spreadsheets.kinds import kind_of
path = Path(sys.argv[1])
kind = kind_of(path)
if kind == "xlsx":
    extent = sheet_extent(path, kind=kind, sheet=None)
    print(kind, path.stat().st_size, extent.rows, extent.columns)
elif kind == "xls":  # the format stops at 65,536 rows and 256 columns
    print(kind, path.stat().st_size, 0, 0)
else:  # a CSV is read line by line anyway; an .ods is measured by calamine itself
    sys.exit(3)
"""


class ReadAhead:
    def __init__(self, path: Path, *, limits: tuple[int, int] | None = None):
        self.path, self.limits = path, limits
        self.sheet: tuple | None = None  # (sha256, kind, sheet name, calamine sheet) once read
        self.thread = threading.Thread(target=self._read, name="read-ahead", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            child = subprocess.run(  # noqa: S603 - our own interpreter and code; the path is the command's argument
                [sys.executable, "-c", _PROBE, str(self.path), str(ROOT)],
                capture_output=True, timeout=PROBE_SECONDS, check=False,
            )
            if child.returncode != 0:
                return
            kind, size, rows, columns = child.stdout.decode().split()
            max_bytes, max_cells = self.limits or _settings_limits()
            if int(size) > max_bytes or int(rows) * int(columns) > max_cells:
                return
            digest = sha256(self.path)
            workbook = CalamineWorkbook.from_path(str(self.path))
            name = workbook.sheet_names[0]
            self.sheet = (digest, kind, name, workbook.get_sheet_by_name(name))
        except Exception:  # whatever went wrong, open_table reads the file again and says what
            self.sheet = None


def _settings_limits() -> tuple[int, int]:
    """(IMPORT_MAX_FILE_BYTES, IMPORT_MAX_CELLS), once manage.py's Django has loaded the settings (reading them from
    here first would race its setup)."""
    from django.conf import settings  # (imported by manage.py's Django long before the child is done)

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
