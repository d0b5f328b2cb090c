"""What the import commands share (`manage.py import_reviews`, `manage.py import_budgets`): the `--user` and
`--dry-run` options, and the file and user a run reads from them."""

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

