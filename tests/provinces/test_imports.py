"""Spreadsheet imports of household totals and programme flags: whole or nothing, row errors as Excel shows."""

import csv

import openpyxl
import pytest
import xlsxwriter

from provinces.models import AdministrativeUnit, HouseholdTotal
from provinces.services import household_totals_import, unit_flags_load

TOTAL_HEADERS = ["Mã đơn vị", "Năm", "Tổng số hộ", "Ghi chú"]


def xlsx(tmp_path, rows, name="tong-so-ho.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_a_good_workbook_is_imported(tmp_path, people, units):
    path = xlsx(tmp_path, [
        TOTAL_HEADERS,
        ["02146", 2023, 1_000, "Báo cáo xã"],
        ["02161", 2023, 2_500, None],
        ["066", 2022, 10_060, "Niên giám"],
    ])
    outcome = household_totals_import(path=path, acting_user=people["staff"], source_note="tong-so-ho.xlsx")
    assert outcome.errors == []
    assert (outcome.rows, outcome.created, outcome.updated, outcome.unchanged) == (3, 3, 0, 0)
    rows = {(t.unit.code, t.year): t for t in HouseholdTotal.objects.select_related("unit")}
    assert rows[("02146", 2023)].total_households == 1_000
    assert rows[("02146", 2023)].source == HouseholdTotal.Source.SPREADSHEET
    assert rows[("02146", 2023)].source_note == "Báo cáo xã"
    assert rows[("02161", 2023)].source_note == "tong-so-ho.xlsx"
    assert rows[("066", 2022)].updated_by == people["staff"]
    # The same file again changes nothing; a corrected figure updates.
    again = household_totals_import(path=path, acting_user=people["staff"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    path = xlsx(tmp_path, [TOTAL_HEADERS, ["02146", 2023, 1_010, None]], name="sua.xlsx")
    assert household_totals_import(path=path, acting_user=people["staff"]).updated == 1
    assert HouseholdTotal.objects.get(unit__code="02146").total_households == 1_010


def test_a_bad_workbook_is_rejected_whole_with_row_errors(tmp_path, people, units):
    path = xlsx(tmp_path, [
        ["Tổng số hộ theo đơn vị, Bắc Kạn"],  # a title row above the headers
        TOTAL_HEADERS,
        ["02146", 2023, 1_000, None],  # fine, but not written: the file is rejected whole
        ["99999", 2023, 500, None],  # unknown code
        ["02161", 2023, -5, None],  # negative
        ["02146", 2023, 1_000, None],  # the same unit and year again
        ["06436", 2023, 300, None],  # another province's commune: out of scope, same message as unknown
        ["01849", 2023, 12.5, None],  # not a whole number
        ["01849", "năm ngoái", "", None],  # not a year, empty total
    ])
    outcome = household_totals_import(path=path, acting_user=people["staff"])
    assert not outcome.committed
    assert HouseholdTotal.objects.count() == 0
    assert [(e["row"], e["column"], e["value"]) for e in outcome.errors] == [
        (4, "Mã đơn vị", "99999"),
        (5, "Tổng số hộ", "-5"),
        (6, "Mã đơn vị", "02146"),
        (7, "Mã đơn vị", "06436"),
        (8, "Tổng số hộ", "12.5"),
        (9, "Năm", "năm ngoái"),
        (9, "Tổng số hộ", ""),
    ]
    messages = {e["row"]: e["message"] for e in outcome.errors}
    assert messages[4] == (
        "Dòng 4: không có đơn vị mã “99999” có hiệu lực vào cuối năm 2023 trong phạm vi bạn được sửa."
    )
    assert messages[5] == "Dòng 5: số hộ không được âm."
    assert messages[6] == "Dòng 6: trùng đơn vị và năm với dòng 3."
    assert messages[7] == messages[4].replace("4", "7").replace("99999", "06436")
    assert messages[8] == "Dòng 8: “Tổng số hộ” phải là số nguyên."


def test_headers_match_without_diacritics_and_codes_typed_as_numbers_are_resolved(tmp_path, people, units):
    path = tmp_path / "tong.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["MA DON VI", "nam", "Tong so ho:", "Cột khác"])
    sheet.write_row(1, 0, [2146, 2023, "1.234"])  # 02146 lost its leading zero; "1.234" is 1,234
    sheet.write_row(2, 0, [66, 2023, 9_000])  # 66 could be province 66 or district 066: here only 066 exists
    workbook.close()
    outcome = household_totals_import(path=path, acting_user=people["staff"])
    assert outcome.errors == []
    assert outcome.warnings == ["Bỏ qua các cột không dùng: Cột khác."]
    assert dict(HouseholdTotal.objects.values_list("unit__code", "total_households")) == {"02146": 1_234, "066": 9_000}


def test_a_code_that_lost_its_zeros_and_means_two_units_is_an_error(tmp_path, people, units):
    AdministrativeUnit.objects.filter(code="06").update(code="66")  # make "66" a province too… (Đắk Lắk is 66)
    staff_province = AdministrativeUnit.objects.get(code="66")
    assert staff_province.pk == units["province"].pk
    path = xlsx(tmp_path, [TOTAL_HEADERS, [66, 2023, 9_000, None]])
    outcome = household_totals_import(path=path, acting_user=people["staff"])
    assert outcome.errors[0]["message"].startswith("Dòng 2: mã “66” bị mất số 0 ở đầu")


def test_csv_is_read_too(tmp_path, people, units):
    path = tmp_path / "tong.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TOTAL_HEADERS)
        writer.writerow(["02146", "2023", "1000", "csv"])
    assert household_totals_import(path=path, acting_user=people["staff"]).errors == []
    assert HouseholdTotal.objects.get().source_note == "csv"


def test_a_missing_column_rejects_the_file_naming_it(tmp_path, people, units):
    path = xlsx(tmp_path, [["Mã đơn vị", "Năm", "Số hộ nghèo"], ["02146", 2023, 10]])
    outcome = household_totals_import(path=path, acting_user=people["staff"])
    assert outcome.errors == [{
        "row": 1, "column": "", "value": "",
        "message": "Thiếu cột “Tổng số hộ”. Các cột tìm thấy: Mã đơn vị, Năm, Số hộ nghèo.",
    }]


def test_not_a_spreadsheet_is_rejected(tmp_path, people, units):
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    outcome = household_totals_import(path=path, acting_user=people["staff"])
    assert outcome.errors[0]["row"] == 1
    assert "hỏng" in outcome.errors[0]["message"]


def test_district_officers_import_nothing(tmp_path, people, units):
    path = xlsx(tmp_path, [TOTAL_HEADERS, ["02146", 2023, 1_000, None]])
    outcome = household_totals_import(path=path, acting_user=people["officer"])
    assert outcome.errors[0]["column"] == "Mã đơn vị"
    assert not HouseholdTotal.objects.exists()


# --- programme flags ----------------------------------------------------------------------------------------

FLAG_HEADERS = ["Mã đơn vị", "Huyện nghèo", "Xã đặc biệt khó khăn", "Miền núi"]


def test_flags_are_loaded_from_a_spreadsheet(tmp_path, people, units):
    AdministrativeUnit.objects.filter(pk=units["ba_be"].pk).update(is_poor_district=True)
    path = xlsx(tmp_path, [
        FLAG_HEADERS,
        ["066", "x", None, "có"],
        ["061", None, None, "x"],  # an empty cell clears the flag
        ["02146", "", "X", 1],
    ])
    outcome = unit_flags_load(path=path, acting_user=people["staff"], year=2024)
    assert outcome.errors == []
    assert (outcome.updated, outcome.unchanged) == (3, 0)
    flags = {
        unit.code: (unit.is_poor_district, unit.is_extremely_difficult, unit.is_mountainous)
        for unit in AdministrativeUnit.objects.filter(code__in=["066", "061", "02146"])
    }
    assert flags == {"066": (True, False, True), "061": (False, False, True), "02146": (False, True, True)}
    # Columns absent from the file are left alone.
    assert not AdministrativeUnit.objects.filter(is_coastal=True).exists()
    assert unit_flags_load(path=path, acting_user=people["staff"], year=2024).unchanged == 3


def test_a_bad_flags_file_is_rejected_whole(tmp_path, people, units):
    path = xlsx(tmp_path, [
        FLAG_HEADERS,
        ["066", "x", None, None],  # fine, but not written
        ["02146", "x", None, None],  # a poor *district* flag on a commune
        ["061", "maybe", None, None],  # not a yes/no
        ["066", None, None, "x"],  # the same unit twice
        ["181", "x", None, None],  # Lạng Sơn: out of scope
    ])
    outcome = unit_flags_load(path=path, acting_user=people["staff"], year=2024)
    assert [(e["row"], e["column"]) for e in outcome.errors] == [
        (3, "Huyện nghèo"), (4, "Huyện nghèo"), (5, "Mã đơn vị"), (6, "Mã đơn vị"),
    ]
    assert outcome.errors[0]["message"] == "Dòng 3: “Huyện nghèo” không áp dụng cho xã/phường/thị trấn Xã Kim Hỷ."
    assert not AdministrativeUnit.objects.filter(is_poor_district=True).exists()


def test_a_flags_file_needs_a_flag_column(tmp_path, people, units):
    path = xlsx(tmp_path, [["Mã đơn vị", "Ghi chú"], ["066", "x"]])
    outcome = unit_flags_load(path=path, acting_user=people["staff"], year=2024)
    assert outcome.errors[0]["message"].startswith("Không có cột cờ chương trình nào.")


@pytest.mark.parametrize("who", ["officer", "leader"])
def test_only_staff_load_flags(tmp_path, people, units, who):
    path = xlsx(tmp_path, [FLAG_HEADERS, ["066", "x", None, None]])
    assert unit_flags_load(path=path, acting_user=people[who], year=2024).errors
    assert not AdministrativeUnit.objects.filter(is_poor_district=True).exists()
