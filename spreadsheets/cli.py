"""What the import commands share (`manage.py import_reviews`, `manage.py import_budgets`): the `--user` and
`--dry-run` options, the file and user a run reads from them, and the read-ahead manage.py starts for them."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def add_import_options(parser) -> None:
    """`--user` (the import runs in that user's scope; none: nationwide) and `--dry-run` (check, write nothing)."""
    parser.add_argument("--user", help="Người nhập (phạm vi theo đơn vị của người đó); trống: toàn quốc")
    parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi gì")


def import_source(path: str, username: str | None):
    """The file to import and the user the import runs as (None: a system import, nationwide). A missing file or
    user is a CommandError."""
    source = Path(path)
    if not source.is_file():
        raise CommandError(f"Không thấy tệp {source}")
    acting_user = None
    if username:
        acting_user = get_user_model().objects.filter(username=username).first()
        if acting_user is None:
            raise CommandError(f"Không có người dùng {username}")
    return source, acting_user


READ_AHEAD_COMMANDS = ("import_reviews",)  # their workbook is read whole by open_table


def read_ahead(argv: list[str]) -> None:
    """From manage.py, before Django is set up: for an import command, start reading its workbook (the first
    argument naming a file) in a thread (spreadsheets.reader.start_read_ahead). Never in the way: if anything here
    fails, the command reads the file itself and reports as usual."""
    if len(argv) < 3 or argv[1] not in READ_AHEAD_COMMANDS:
        return
    try:
        path = next((Path(value) for value in argv[2:] if not value.startswith("-") and Path(value).is_file()), None)
        if path is None:
            return
        from django.conf import settings  # (the settings module only: the apps are not loaded yet)

        from spreadsheets.reader import start_read_ahead

        start_read_ahead(path, max_cells=settings.IMPORT_MAX_CELLS, max_bytes=settings.IMPORT_MAX_FILE_BYTES)
    except Exception:  # noqa: S110 - a read-ahead is only ever a head start
        pass
