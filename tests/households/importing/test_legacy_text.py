"""Legacy Vietnamese encodings (domain.md §11, rule 14): the TCVN3 and VNI tables round-trip every vowel with every
tone and đ/Đ; the detection converts names typed in those fonts and never fires on genuine Unicode (every unit
name of both reference packages, the demo's names); an import converts such cells, one warning each."""

import json
import unicodedata
from pathlib import Path

import pytest

from households.models import Household, ImportBatch
from provinces import reference_source
from spreadsheets import legacy_text
from spreadsheets.legacy_text import (
    TCVN3,
    VNI,
    is_syllable,
    legacy_conversion,
    tcvn3_decode,
    tcvn3_encode,
    vni_decode,
    vni_encode,
)
from tests import write_xlsx
from tests.households.test_imports import HEADER, household_row, upload

VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]
LETTERS = [unicodedata.normalize("NFC", vowel + tone) for vowel in VOWELS for tone in TONES]
# Words covering every vowel with every tone (72 letters), and đ/Đ.
WORDS = [
    "ba", "bá", "bà", "bả", "bã", "bạ", "ăn", "ắt", "ằn", "ẳng", "ẵng", "ặt", "ân", "ấm", "ầm", "ẩm", "ẫm", "ậm",
    "le", "lé", "lè", "lẻ", "lẽ", "lẹ", "lê", "lế", "lề", "lể", "lễ", "lệ", "mi", "mí", "mì", "mỉ", "mĩ", "mị",
    "to", "tó", "tò", "tỏ", "tõ", "tọ", "tô", "tố", "tồ", "tổ", "tỗ", "tộ", "tơ", "tớ", "tờ", "tở", "tỡ", "tợ",
    "thu", "thú", "thù", "thủ", "thũ", "thụ", "như", "nhứ", "nhừ", "nhử", "những", "nhự", "ky", "ký", "kỳ", "kỷ",
    "kỹ", "kỵ", "đá", "đường", "Đào", "Đông", "người", "Nguyễn", "Việt", "Hoàng", "Phước", "Quỳnh", "khuya",
    "khuỷu", "ngoài", "Trương", "Ngọc", "Thị", "Hương", "Lạng", "Sơn",
]
NAMES = [
    "Nguyễn Văn An", "Lê Thị Hoa", "Trần Đức Thắng", "Hoàng Thị Bích", "Lò Văn Pắn", "Đặng Thị Ngọc Ánh",
    "Phạm Quốc Việt", "Triệu Thị Mười", "Nông Văn Dũng", "Bế Thị Hường", "Hà Văn Tuấn", "Lương Thị Xuân",
    "Thôn Nà Rì", "Bản Khuổi Mạn", "Xóm Đồng Tâm", "Cộng hoà xã hội chủ nghĩa Việt Nam",
]


def test_the_tables_hold_every_letter_of_both_encodings():
    data = json.loads((Path(legacy_text.__file__).parent / "data" / "legacy_encodings.json").read_text())
    small = [letter for letter in LETTERS if letter not in "aeiouy"] + ["đ"]
    assert sorted(data["tcvn3"].values()) == sorted([*small, "Ă", "Â", "Ê", "Ô", "Ơ", "Ư", "Đ"])
    assert sorted(data["vni"]) == sorted(small + [letter.upper() for letter in small])
    assert all(int(code, 16) >= 0xA1 for code in data["tcvn3"])  # VN3 keeps ASCII and the controls
    # The documented samples (domain.md §11).
    assert tcvn3_encode("Cộng hoà xã hội chủ nghĩa Việt Nam") == "Céng hoµ x· héi chñ nghÜa ViÖt Nam"
    assert vni_encode("Cộng hoà xã hội chủ nghĩa Việt Nam") == "Coäng hoaø xaõ hoäi chuû nghóa Vieät Nam"
    assert tcvn3_encode("Nguyễn Văn An") == "NguyÔn V¨n An"


@pytest.mark.parametrize("word", WORDS)
def test_every_vowel_and_tone_round_trips(word):
    assert set("".join(WORDS).lower()) >= set(LETTERS) | {"đ"}
    assert tcvn3_decode(tcvn3_encode(word)) == word
    assert vni_decode(vni_encode(word)) == word
    assert vni_decode(vni_encode(word.upper())) == word.upper()
    if sum(char.isascii() and char.isalpha() for char in word) >= 2:  # .VnTimeH: capitals from the small codes
        assert tcvn3_decode(tcvn3_encode(word.upper())) == word.upper()


def test_every_letter_round_trips_alone_in_vni_and_in_tcvn3_small():
    for letter in [*LETTERS, "đ"]:
        assert tcvn3_decode(tcvn3_encode(letter)) == letter
        assert vni_decode(vni_encode(letter)) == letter
        assert vni_decode(vni_encode(letter.upper())) == letter.upper()


@pytest.mark.parametrize("name", NAMES)
def test_names_typed_in_either_font_are_detected_and_converted(name):
    assert legacy_conversion(tcvn3_encode(name)) == (TCVN3, name)
    assert legacy_conversion(vni_encode(name)) == (VNI, name)
    assert legacy_conversion(name) is None
    assert legacy_conversion(tcvn3_encode(name.upper())) == (TCVN3, name.upper())


def test_syllables():
    assert all(map(is_syllable, ["nguyễn", "Nguyễn", "NGUYỄN", "khuỷu", "người", "gì", "quý", "hoà", "hòa",
                                 "thuỷ", "thủy", "Krông", "Đắk"]))
    assert not any(map(is_syllable, ["NguyƠn", "leõ", "hoàà", "nghÜa", "V¨n", "xyz", "ăn̉", "Hélène", "bă"]))


@pytest.mark.parametrize("text", ["Hoà Bình", "Hélène", "Café", "Y Bhim Niê", "Nguyễn Văn An", "Số 5º", "ASCII only",
                                  "Xuõn An, An Khê District", "Đắk Lắk", "", "Müller", "Tú Lệ"])
def test_genuine_or_ambiguous_text_is_left_alone(text):
    assert legacy_conversion(text) is None


def _strings(value, keys=None):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if keys is None or key in keys or isinstance(item, list | dict):
                yield from _strings(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, keys)


def reference_names() -> set[str]:
    """Every unit name of both reference packages, as loaded and as the packages spell them."""
    names = set()
    for unit in reference_source.legacy_units() + reference_source.current_units():
        names.update((unit.name, unit.short_name))
    columns = {"province", "district", "ward", "provinceShort", "districtShort", "wardShort", "districtType",
               "wardType", "provinceGeoAddress", "districtGeoAddress", "wardGeoAddress"}
    for table in ("admin_units_legacy", "admin_units"):
        for row in reference_source._query(f"SELECT * FROM {table}"):  # noqa: S608 (fixed names)
            names.update(value for key, value in dict(row).items() if key in columns and value)
    with reference_source._vp_file("nested-divisions.json").open(encoding="utf-8") as handle:
        names.update(_strings(json.load(handle), {"name", "division_type"}))
    return names


def demo_names() -> set[str]:
    path = Path(__file__).resolve().parents[3] / "households" / "data" / "demo_names.json"
    return set(_strings(json.loads(path.read_text(encoding="utf-8"))))


def test_no_reference_or_demo_name_is_taken_for_legacy_text():
    names = reference_names() | demo_names()
    assert len(names) > 25_000
    assert [name for name in names if legacy_conversion(name)] == []
    # and the demo's full names, family × middle × given
    demo = json.loads((Path(__file__).resolve().parents[3] / "households" / "data" / "demo_names.json").read_text())
    families = set(_strings(demo["family"]))
    middles = set(_strings(demo["middle"]))
    givens = set(_strings(demo["given"])) | set(_strings(demo["extra_given"]))
    full = [f"{family} {middle} {given}" for family in families for middle in middles for given in givens]
    assert [name for name in full if legacy_conversion(name)] == []


def test_most_reference_names_typed_in_either_font_come_back_exactly():
    names = sorted({unicodedata.normalize("NFC", name) for name in reference_names() | demo_names()
                    if not name.isascii() and "," not in name})
    for encode, encoding in ((tcvn3_encode, TCVN3), (vni_encode, VNI)):
        results = [legacy_conversion(encode(name)) for name in names]
        exact = sum(1 for name, result in zip(names, results, strict=True) if result == (encoding, name))
        wrong = [(name, result) for name, result in zip(names, results, strict=True)
                 if result is not None and result.encoding != encoding]
        assert exact / len(names) > 0.9, encoding
        assert not wrong


def assert_legacy_households_unicode() -> None:
    """The twelve households of a legacy-font file (`legacy_rows`, the CSV test's `legacy_file`) were written
    with their names and villages in Unicode."""
    households = {household.code: household for household in Household.objects.all()}
    for number, name in enumerate(NAMES[:12]):
        household = households[f"L{number:03d}"]
        assert household.head_name == name
        assert household.village == ("Bản Khuổi Mạn" if number % 2 else "Thôn 5")


def legacy_rows(encode) -> list[list]:
    header = [*HEADER, "Thôn", "Ghi chú"]
    rows = [header]
    for number, name in enumerate(NAMES[:12]):
        village = encode("Bản Khuổi Mạn") if number % 2 else "Thôn 5"
        rows.append([*household_row(f"L{number:03d}", 900_000, name=encode(name)), village, ""])
    return rows


@pytest.mark.parametrize("encode, label", [(tcvn3_encode, "TCVN3 (.VnTime)"), (vni_encode, "VNI (VNI-Times)")])
def test_a_workbook_typed_in_a_legacy_font_imports_converted_with_a_warning_per_cell(na_ri, tmp_path, encode,
                                                                                      label):
    batch = upload(write_xlsx(tmp_path / "legacy.xlsx", legacy_rows(encode)), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert_legacy_households_unicode()
    converted = [warning for warning in batch.warning_list if "đã chuyển sang Unicode" in warning["message"]]
    assert len(converted) == 12 + 6  # every name, every other village
    first = converted[0]
    assert first["row"] == 2 and first["column"] == "Họ và tên chủ hộ" and first["value"] == encode(NAMES[0])
    assert first["message"] == (
        f"Dòng 2: ô “Họ và tên chủ hộ” được gõ bằng phông {label}, đã chuyển sang Unicode: "
        f"“{encode(NAMES[0])}” → “{NAMES[0]}”. Hãy kiểm tra lại."
    )
    assert unicodedata.is_normalized("NFC", first["message"])
    assert {warning["column"] for warning in converted} == {"Họ và tên chủ hộ", "Thôn"}


def test_a_workbook_of_unicode_names_converts_nothing(na_ri, tmp_path):
    rows = legacy_rows(lambda text: text)
    rows += [[*household_row(f"U{number:03d}", 900_000, name=name), "Hoà Bình", ""]
             for number, name in enumerate(["Hoà Bình", "Lò Văn Ún", "Y Bhim Niê", "Hélène Hà"])]
    batch = upload(write_xlsx(tmp_path / "unicode.xlsx", rows), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert not [warning for warning in batch.warning_list if "Unicode" in warning["message"]]
    assert Household.objects.get(code="U000").head_name == "Hoà Bình"
