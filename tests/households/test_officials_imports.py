"""What an officer sees of an import (issue 19): the value as typed, the row once, a link to the earlier import,
two different messages for an unknown commune code and one of another district, day-first dates."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from households.models import ImportBatch
from tests.factories import TEST_PASSWORD
from tests.households.test_imports import HEADER, household_row, upload, write_xlsx


def warning_workbook(tmp_path):
    return write_xlsx(tmp_path / "canh-bao.xlsx", [
        HEADER, household_row("K1", 900_000, declared="Hộ cận nghèo", name="Hoàng Thị Mai"),
        household_row("K2", 900_000, declared="  hộ cận nghèo ", name="Lường Văn Tâm"),
    ])


def test_a_warning_shows_the_value_as_typed_and_the_row_once(client, na_ri, tmp_path):
    batch = upload(warning_workbook(tmp_path), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED and batch.mismatches == 2
    first, second = batch.warning_list
    assert (first["row"], first["column"], first["value"]) == (2, "Phân loại", "Hộ cận nghèo")
    assert second["value"].strip() == "hộ cận nghèo"  # what the cell holds, not the code "near_poor" it was read as
    assert first["message"].startswith("Dòng 2: ")  # stands on its own in the API and the annotated copy
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    html = client.get(f"/imports/{batch.pk}/").content.decode()
    table = html[html.index('data-testid="import-errors"'):]
    table = table[:table.index("</table>")]
    assert "<code>Hộ cận nghèo</code>" in table and "near_poor" not in table
    assert re.search(r">2</td>", table) and "Dòng 2:" not in table and "Dòng 3:" not in table
    assert "Xã ghi “Hộ cận nghèo” nhưng theo chuẩn" in table  # the message starts with a capital


def test_the_import_list_writes_dates_day_first(client, na_ri, tmp_path):
    upload(warning_workbook(tmp_path), user=na_ri["officer"])
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    html = client.get("/imports/").content.decode()
    assert re.search(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b", html)
    assert not re.search(r"\b\d{1,2}:\d{2} \d{2}/\d{2}/\d{4}\b", html)


def test_a_duplicate_file_links_to_the_earlier_import(client, na_ri, tmp_path):
    path = warning_workbook(tmp_path)
    earlier = upload(path, user=na_ri["officer"])
    assert earlier.status == ImportBatch.Status.COMMITTED
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/imports/", {
            "file": SimpleUploadedFile("lan-hai.xlsx", path.read_bytes()), "year": 2023})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"(lần nhập số {earlier.pk}); không nhập lại." in html
    link = re.search(r'<a href="([^"]+)" data-testid="duplicate-of">Xem lần nhập trước \(số (\d+)\)</a>', html)
    assert link is not None, html[html.find("alert"):][:500]
    assert link.group(1) == f"/imports/{earlier.pk}/" and link.group(2) == str(earlier.pk)
    assert client.get(link.group(1)).status_code == 200
    assert ImportBatch.objects.count() == 1


def test_a_year_out_of_range_is_refused_without_a_stray_space(client, na_ri, tmp_path):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    response = client.post("/imports/", {
        "file": SimpleUploadedFile("x.xlsx", warning_workbook(tmp_path).read_bytes()), "year": 2000})
    html = response.content.decode()
    assert "Giá trị phải lớn hơn hoặc bằng 2021." in html
    assert not re.search(r"\d \.", html)


def test_an_unknown_commune_and_another_districts_commune_get_different_messages(na_ri, tmp_path):
    ba_be = next(unit for unit in na_ri["units"].values() if unit.level == "commune" and unit.parent.code == "061")
    batch = upload(write_xlsx(tmp_path / "xa.xlsx", [
        HEADER, household_row("X1", 900_000, commune=ba_be.code, name="Đinh Văn Sơn"),
        household_row("X2", 900_000, commune="99999", name="Đinh Thị Hoa"),
    ]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    elsewhere, unknown = (error["message"] for error in batch.errors)
    assert f"là của {ba_be.name} thuộc Huyện Ba Bể, không thuộc Huyện Na Rì" in elsewhere
    assert "không có xã nào mang mã 99999" in unknown and "Huyện Ba Bể" not in unknown
