"""What kind of spreadsheet a file is, from its bytes, and whether it is safe to open: standard library only, so
that the read-ahead's child process (spreadsheets.read_ahead) checks a file exactly as the reader does without
loading Django. The reader (spreadsheets.reader.detect_kind) turns a refusal into its Vietnamese message."""

import zipfile
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # 1 GiB of XML is far beyond any real review workbook
MAX_COMPRESSION_RATIO = 200


class Refused(Exception):
    """Why the file cannot be opened: `reason` is one of EMPTY, ZIP_BOMB (with `megabytes`), CORRUPT, NOT_A_SHEET,
    ENCRYPTED."""

    EMPTY, ZIP_BOMB, CORRUPT, NOT_A_SHEET, ENCRYPTED = "empty", "zip_bomb", "corrupt", "not_a_sheet", "encrypted"

    def __init__(self, reason: str, *, megabytes: int = 0):
        super().__init__(reason)
        self.reason, self.megabytes = reason, megabytes


def kind_of(path: Path) -> str:
    """xlsx, xls, ods or csv; Refused for an empty, encrypted, corrupt or over-compressed file."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if head == OLE_MAGIC:
        return _ole_kind(path)
    if not head:
        raise Refused(Refused.EMPTY)
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
            if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                raise Refused(Refused.ZIP_BOMB, megabytes=total // (1024 * 1024))
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "content.xml" in names and "mimetype" in names:
                return "ods"
    except zipfile.BadZipFile as error:
        raise Refused(Refused.CORRUPT) from error
    raise Refused(Refused.NOT_A_SHEET)


def _ole_kind(path: Path) -> str:
    # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream.
    with path.open("rb") as handle:
        sample = handle.read(min(path.stat().st_size, 4 * 1024 * 1024))
    if "EncryptedPackage".encode("utf-16-le") in sample:
        raise Refused(Refused.ENCRYPTED)
    return "xls"
