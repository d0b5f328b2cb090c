"""Refuse, at upload, a file that is not a spreadsheet or CSV table: by its extension and by its first bytes.

The reader would otherwise take any text as CSV (a .txt note, a .docx renamed...), queue it, reject it row by row
and offer an "annotated copy" of something that was never a table.
"""

from pathlib import Path

from django.utils.translation import gettext as _

from config.errors import ApplicationError
from spreadsheets.kinds import OLE_MAGIC, ZIP_MAGIC

ACCEPTED = {".xlsx": "zip", ".ods": "zip", ".xls": "ole", ".csv": "text"}
SAMPLE_BYTES = 64 * 1024


def _content_kind(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if b"\0" in head:
        return "binary"
    return "text"


def upload_refuse_non_table(uploaded_file, name: str) -> None:
    """ApplicationError(field="file") with a Vietnamese message unless `name` ends in .xlsx/.xls/.ods/.csv and the
    content is what that extension says (a zip package, an OLE workbook, or text without NUL bytes)."""
    suffix = Path(name or "").suffix.lower()
    expected = ACCEPTED.get(suffix)
    if expected is None:
        raise ApplicationError(
            _("Tệp “%(name)s” không phải bảng tính: chỉ nhận tệp Excel (.xlsx, .xls), LibreOffice (.ods) hoặc CSV "
              "(.csv). Hãy mở danh sách bằng Excel và lưu lại dưới dạng .xlsx.") % {"name": Path(name or "").name},
            field="file",
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(SAMPLE_BYTES)
    uploaded_file.seek(0)
    actual = _content_kind(head)
    if actual != expected and not (expected == "ole" and actual == "zip"):  # an .xlsx saved as .xls still opens
        raise ApplicationError(
            _("Nội dung tệp “%(name)s” không phải bảng tính %(kind)s như phần đuôi tên tệp: tệp bị hỏng hoặc bị đổi "
              "tên. Hãy mở bằng Excel và lưu lại dưới dạng .xlsx.") % {"name": Path(name).name, "kind": suffix},
            field="file",
        )
