"""The column-wise fast path of the import gives exactly what the row-by-row validator gives: the same parsed
rows, the same problems (row, column, value, message, in order) and the same warnings, on the LibreOffice-made
samples and on a workbook mixing clean cells with every kind of bad or unusual one."""

import unicodedata
from pathlib import Path

import pytest
import xlsxwriter

from households.importing import parse
from households.importing.validate import RowValidator, _by_distinct
from tests import DATA

SAMPLES = [
    "review-2023-066-600.xlsx", "review-2023-066-600.xls", "review-2023-066-600.csv",
    "review-2023-066-40-errors-2row.xlsx", "review-2023-066-40-errors-2row.ods",
]
HEADER = ["Mã hộ", "Họ và tên chủ hộ", "Số CCCD/CMND chủ hộ", "Mã xã", "Khu vực", "Dân tộc", "Thôn",
          "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
          "Việc làm", "Người phụ thuộc trong hộ gia đình", "Dinh dưỡng", "Bảo hiểm y tế",
          "Trình độ giáo dục của người lớn", "Tình trạng đi học của trẻ em", "Chất lượng nhà ở",
          "Diện tích nhà ở bình quân đầu người", "Nguồn nước sinh hoạt", "Nhà tiêu hợp vệ sinh",
          "Sử dụng dịch vụ viễn thông", "Phương tiện phục vụ tiếp cận thông tin", "Phân loại", "Chủ hộ là nữ",
          "Ghi chú", "Cột riêng của xã"]
CLEAN = ["NR0001", "Nguyễn Văn An", "012345678901", "02146", "", "Tày", "Bản Pjạc", 4, 1_200_000,
         1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, "Hộ nghèo", 0, "", ""]
# (column, odd value): each replaces one cell of a clean row; some are fine, some are errors.
ODD = [
    (0, 12345), (0, 12345.0), (0, 1.5), (0, " NR 7 "), (0, "1e5"), (0, "NR-0009/a"), (0, "Mã-Đặc-Biệt"), (0, ""),
    (0, True), (1, "  Nguyễn   Văn\tBình "), (1, unicodedata.normalize("NFD", "Nguyễn Thị Hà")), (1, 123),
    (1, "   "), (2, 123456789), (2, "12345"), (2, " 012345678901"), (2, 1.2e11), (3, 2146), (3, 2146.0),
    (3, "2146"), (3, "99999"), (3, "00001"), (3, ""), (3, "02146 "), (4, "Nông thôn"), (4, "thanh thi"),
    (4, "Miền núi"), (4, 1), (5, "Kinh"), (5, " Dao  đỏ "), (5, 7), (6, 12), (6, "Thôn\u00a0Nà Deng"),
    (7, "3"), (7, 3.0), (7, 3.5), (7, 0), (7, 51), (7, "ba"), (7, "1.000"), (7, True), (7, ""),
    (8, "1.500.000"), (8, "1,5 triệu"), (8, 1_500_000.4), (8, -5), (8, 200_000_000), (8, "1500000 đ"),
    (8, "abc"), (8, ""), (8, "0001500000"), (9, "x"), (9, "X"), (9, "có"), (9, "Không"), (9, 2), (9, "abc"),
    (9, True), (9, 1.0), (9, "  "), (9, "-"), (21, "Hộ cận nghèo"), (21, "ngheo"), (21, "Giàu"), (21, 1),
    (21, "  "), (22, "x"), (22, "nữ"), (23, "ghi  chú"), (24, "giữ lại"), (24, 5.0),
]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    book.close()
    return path


def mixed_rows() -> list[list]:
    rows = [HEADER]
    for number, (column, value) in enumerate(ODD):
        row = list(CLEAN)
        row[0] = f"NR{number + 1000:04d}"
        row[2] = f"{number + 100_000_000_000:012d}"
        row[column] = value
        rows.append(row)
        rows.append([f"NR{number + 5000:04d}", *CLEAN[1:2], f"{number + 200_000_000_000:012d}", *CLEAN[3:]])
    rows.append([])  # a blank row in the middle
    rows.append(["NR1003", *CLEAN[1:]])  # a clean row repeating a code first seen on a row with another error
    rows.append(["NR5001", *CLEAN[1:]])  # a clean row repeating a clean row's code
    rows.append(["NR9999", *CLEAN[1:5]])  # a short row: the cells after it are missing
    rows.append([None, None, None, "02146"])  # no code
    return rows


def parse_both(path: Path, unit, monkeypatch):
    accepted = []
    original = RowValidator.fast_many

    def counting(self, chunk):
        parsed = original(self, chunk)
        accepted.extend(row for row in parsed if row is not None)
        return parsed

    with monkeypatch.context() as patch:
        patch.setattr(RowValidator, "fast_many", counting)
        fast = parse.parse_workbook(path=path, year=2023, unit=unit)
    # The fast path really took part: it accepted most clean rows (the odd ones go row by row).
    assert len(accepted) >= len(fast[0]) // 2 > 0 or not fast[0]
    with monkeypatch.context() as patch:
        patch.setattr(RowValidator, "fast_many", lambda self, chunk: [None] * len(chunk))
        slow = parse.parse_workbook(path=path, year=2023, unit=unit)
    return fast, slow


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_parse_the_same_with_and_without_the_fast_path(na_ri, name, monkeypatch):
    (rows, problems, warnings), slow = parse_both(DATA / name, na_ri["units"]["066"], monkeypatch)
    assert (rows, problems, warnings) == slow
    assert rows or problems


def test_mixed_workbook_parses_the_same_with_and_without_the_fast_path(na_ri, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "mixed.xlsx", mixed_rows())
    (rows, problems, warnings), slow = parse_both(path, na_ri["units"]["066"], monkeypatch)
    assert rows == slow[0]
    assert problems == slow[1]
    assert warnings == slow[2]
    # The workbook really mixes both: many rows parse, many problems, a duplicate of each kind.
    assert len(rows) > 100 and len(problems) > 30
    assert sum("trùng với dòng" in problem.message for problem in problems) == 2


def test_mixed_csv_parses_the_same_with_and_without_the_fast_path(na_ri, tmp_path, monkeypatch):
    lines = [",".join(str(value) for value in row) for row in mixed_rows()]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    (rows, problems, warnings), slow = parse_both(path, na_ri["units"]["066"], monkeypatch)
    assert (rows, problems, warnings) == slow
    assert len(rows) > 100 and problems


def test_one_conversion_per_distinct_cell_keeps_equal_numbers_of_other_types_apart():
    seen = []

    def convert(value):
        seen.append(value)
        return repr(value)

    assert _by_distinct((1, 1.0, True, "1", 1, "1"), convert) == ["1", "1.0", "True", "'1'", "1", "'1'"]
    assert len(seen) == 4


def test_names_fold_word_by_word_as_config_text_fold_does():
    from config.text import fold
    from households.importing.stage import fold_name

    names = ["Nguyễn Văn An", "  Đặng  Thị\tHà ", "A-B c—d", "İstanbul", "a \u0301b", "", "   ", "Lò Văn Pjạc",
             unicodedata.normalize("NFD", "Hoàng Thị Ánh"), "x\u00a0y", "Ø ø", "1.000 đồng", "K\u212a", "ΑΣ Σ",
             "Nguyễn Văn 12", "Hộ A7 B", "NGUYEN VAN 3b", "x_y", "ǅ", "²"]
    assert [fold_name(name) for name in names] == [fold(name) for name in names]


def test_the_import_pauses_the_garbage_collector_and_restores_its_state():
    import gc

    from households.importing.parse import gc_paused

    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
