"""What every spreadsheet upload is checked for before it is kept: its size, and its content hash (the key that
refuses the same content committed twice)."""

import hashlib

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config.errors import ApplicationError


def upload_size_check(file) -> None:
    """Refuse an empty file, or one over IMPORT_MAX_FILE_BYTES (ApplicationError on the field `file`)."""
    size = file.size
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise ApplicationError(
            _("Tệp %(size)s MB vượt giới hạn %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    if size == 0:
        raise ApplicationError(_("Tệp rỗng."), field="file")


def upload_sha256(file) -> str:
    """The hex SHA-256 of the file's content, read chunk by chunk (a Django File or UploadedFile)."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def upload_refuse_duplicate(earlier) -> None:
    """Refuse a file whose exact content was already committed: `earlier` is that committed job or batch (anything
    with `pk` and `created_at`), or None when there is none (then nothing is refused)."""
    if earlier is None:
        return
    raise ApplicationError(
        _("Tệp này (cùng nội dung) đã được nhập ngày %(date)s (lần nhập số %(id)s); không nhập lại.")
        % {"date": date_format(timezone.localtime(earlier.created_at), "DATETIME_FORMAT"), "id": earlier.pk},
        field="file", extra={"duplicate_of": earlier.pk},
    )
