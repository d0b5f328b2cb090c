"""CSV files and the legacy Vietnamese fonts (domain.md §11, rule 14). Excel saves a workbook typed in TCVN3
(.VnTime) or VNI (VNI-Times) as CSV in the Windows ANSI code page: the font's bytes, which Windows-1252 reads as
the xlsx cells read. Such cells import converted with one warning each, as from an xlsx; genuine Vietnamese in
Windows-1258 (tones as combining marks, as Excel writes it) and in UTF-8 reads exactly as before, converting
nothing.

The files are written here: the legacy text with the tables of spreadsheets/data/legacy_encodings.json
(`tcvn3_encode`, `vni_encode`), then saved in Windows-1252 as the font's bytes."""

import unicodedata

import pytest

from households.models import Household, ImportBatch
from spreadsheets.legacy_text import ansi_cell, tcvn3_encode, vni_encode
from spreadsheets.reader import open_table
from tests.households.importing.test_legacy_text import NAMES, assert_legacy_households_unicode, reference_names
from tests.households.test_import_hostile import upload_bytes
from tests.households.test_imports import HEADER, household_row

# Genuine names that, written in Windows-1258, read in Windows-1252 as TCVN3 would type something else: the reader
# must keep them as they are.
TRAPS = ["Ba Lòng", "Bỉm Sơn", "Củ Chi", "Gò Công", "Chỉnh", "Dân Chủ", "Hòn Tre"]
# Windows-1258 holds tones as combining marks after the letter (U+0300, U+0301, U+0303, U+0309, U+0323).
TONE_BYTES = {"\u0300": b"\xcc", "\u0301": b"\xec", "\u0303": b"\xde", "\u0309": b"\xd2", "\u0323": b"\xf2"}


def cp1258(text: str) -> bytes:
    """Unicode → Windows-1258 as Excel writes it: a letter the code page has as one byte, else its base letter and
    its tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(part for part in parts if part not in TONE_BYTES))
            out += base.encode("cp1258") + b"".join(TONE_BYTES[part] for part in parts if part in TONE_BYTES)
    return bytes(out)


def csv_line(cells: list, encode) -> bytes:
    return b",".join(encode(str(cell)) for cell in cells) + b"\r\n"


def unaccented(text: str) -> str:
    """"Họ và tên chủ hộ" → "Ho va ten chu ho"."""
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(char for char in bare if not unicodedata.combining(char))


def legacy_file(encode_font) -> bytes:
    """A review sheet saved by Excel from a workbook whose names and villages were typed in a legacy font, in
    Windows-1252: the headers and the classification typed without accents (the code page has no Vietnamese)."""
    header = [*map(unaccented, HEADER), "Thon", "Ghi chu"]
    lines = [csv_line(header, str.encode)]
    for number, name in enumerate(NAMES[:12]):
        village = encode_font("Bản Khuổi Mạn") if number % 2 else "Thôn 5"
        row = [*household_row(f"L{number:03d}", 900_000, name=encode_font(name), declared="Ho ngheo"), village, ""]
        lines.append(csv_line(row, lambda text: text.encode("cp1252")))
    return b"".join(lines)


def genuine_rows() -> list[list]:
    rows = [[*HEADER, "Thôn", "Ghi chú"]]
    for number, name in enumerate(NAMES[:12] + TRAPS):
        village = "Bản Khuổi Mạn" if number % 2 else "Hòa"
        rows.append([*household_row(f"G{number:03d}", 900_000, name=name), village, ""])
    return rows


def conversions(batch: ImportBatch) -> list[dict]:
    return [warning for warning in batch.warning_list if "đã chuyển sang Unicode" in warning["message"]]


@pytest.mark.parametrize("encode, label", [(tcvn3_encode, "TCVN3 (.VnTime)"), (vni_encode, "VNI (VNI-Times)")])
def test_a_csv_typed_in_a_legacy_font_imports_converted_with_a_warning_per_cell(na_ri, encode, label):
    content = legacy_file(encode)
    assert content.decode("cp1252") and not _is_utf8(content)  # the font's bytes, read as the reader reads them
    batch = upload_bytes("legacy.csv", content, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert_legacy_households_unicode()
    converted = conversions(batch)
    assert len(converted) == 12 + 6  # every name, every other village: as from an xlsx
    first = converted[0]
    assert first["row"] == 2 and first["column"] == "Ho va ten chu ho" and first["value"] == encode(NAMES[0])
    assert first["message"] == (
        f"Dòng 2: ô “Ho va ten chu ho” được gõ bằng phông {label}, đã chuyển sang Unicode: "
        f"“{encode(NAMES[0])}” → “{NAMES[0]}”. Hãy kiểm tra lại."
    )
    assert {warning["column"] for warning in converted} == {"Ho va ten chu ho", "Thon"}


def test_a_windows_1258_csv_reads_as_before_and_converts_nothing(na_ri):
    content = b"".join(csv_line(row, cp1258) for row in genuine_rows())
    assert not _is_utf8(content)
    batch = upload_bytes("cp1258.csv", content, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert conversions(batch) == []
    households = {household.code: household for household in Household.objects.all()}
    for number, name in enumerate(NAMES[:12] + TRAPS):
        assert households[f"G{number:03d}"].head_name == name
        assert households[f"G{number:03d}"].village == ("Bản Khuổi Mạn" if number % 2 else "Hòa")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_utf8_csv_reads_as_before(na_ri, bom):
    rows = genuine_rows()
    # Excel's "CSV UTF-8" of a legacy workbook: the font's characters as Unicode, converted as from an xlsx.
    rows.append([*household_row("T000", 900_000, name=tcvn3_encode("Nông Văn Dũng")), "Thôn 5", ""])
    content = bom + b"".join(csv_line(row, str.encode) for row in rows)
    batch = upload_bytes("utf8.csv", content, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert [warning["value"] for warning in conversions(batch)] == [tcvn3_encode("Nông Văn Dũng")]
    households = {household.code: household for household in Household.objects.all()}
    for number, name in enumerate(NAMES[:12] + TRAPS):
        assert households[f"G{number:03d}"].head_name == name
    assert households["T000"].head_name == "Nông Văn Dũng"


def test_the_reader_gives_every_reference_name_in_windows_1258_back_unchanged(tmp_path):
    """Every unit and demo name (28,000) the code page can hold, in a Windows-1258 CSV: read exactly as the
    whole-file Windows-1258 reading (NFC) always read them."""
    names = sorted(name for name in reference_names() if '"' not in name and "\n" not in name and _fits(name))
    assert len(names) > 20_000
    path = tmp_path / "names.csv"
    path.write_bytes(b"".join(b'"' + cp1258(name) + b'"\r\n' for name in names))
    rows = [cells for _number, cells in open_table(path).rows]
    assert [cells[0] for cells in rows] == [unicodedata.normalize("NFC", name) for name in names]


def test_ansi_cell():
    assert ansi_cell("Nguyen Van An") == "Nguyen Van An"
    for name in NAMES + TRAPS:
        genuine = cp1258(name).decode("latin-1")
        assert ansi_cell(genuine) == name
        for encode in (tcvn3_encode, vni_encode):
            typed = encode(name)
            if not typed.isascii():
                assert ansi_cell(typed.encode("cp1252").decode("latin-1")) == typed  # as an xlsx cell reads


def _fits(name: str) -> bool:
    try:
        cp1258(name)
    except UnicodeEncodeError:
        return False
    return True


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
