"""Issue 19, broken paths of the upload page: the blank template's example row is not data, the template follows
the chosen year, the proposed review year, and files that are not tables refused at upload."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.errors import ApplicationError
from households.importing.defaults import review_year_in_progress, upload_year_default
from households.importing.example_row import is_example_row
from households.importing.services import import_batch_create
from households.models import HouseholdReview, ImportBatch
from tests.factories import TEST_PASSWORD
from tests.households.test_imports import upload

pytestmark = pytest.mark.django_db


def test_a_template_filled_with_two_households_imports_exactly_two(client, na_ri, tmp_path):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    response = client.get("/imports/template.xlsx", {"year": 2023})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Danh sách"]
    header = [cell.value for cell in sheet[4]]
    example = [cell.value for cell in sheet[5]]
    assert example[0] == "VD" and sheet.cell(5, 1).font.i  # marked: "VD", italic
    code_column, name_column = header.index("Mã hộ"), header.index("Họ và tên chủ hộ")
    for offset, (code, name) in enumerate([("066-0001", "Hoàng Văn Pác"), ("066-0002", "Lương Thị Nhung")]):
        row = list(example)
        row[code_column], row[name_column] = code, name
        for column, value in enumerate(row, start=1):
            sheet.cell(6 + offset, column, value)
    path = tmp_path / "mau-da-dien.xlsx"
    book.save(path)
    batch = upload(path, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    assert batch.rows == 2
    assert sorted(HouseholdReview.objects.values_list("household__head_name", flat=True)) == [
        "Hoàng Văn Pác", "Lương Thị Nhung"]


def test_the_example_row_of_older_templates_is_skipped_too():
    assert is_example_row(["021462300001", "Nguyễn Văn An"], 0, 1)
    assert is_example_row([" vd ", "Ai đó"], 0, 1)
    assert not is_example_row(["021462300001", "Nguyễn Văn Bình"], 0, 1)
    assert not is_example_row(["VD-01", "Nguyễn Văn An"], 0, 1)


def test_the_template_follows_the_chosen_year(client, na_ri):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    for year in (2022, 2024):
        response = client.get("/imports/template.xlsx", {"year": year})
        assert f"mau-ra-soat-ho-ngheo-{year}.xlsx" in response["Content-Disposition"]
        title = openpyxl.load_workbook(io.BytesIO(response.content))["Danh sách"]["A1"].value
        assert title.endswith(f"NĂM {year}")
    page = client.get("/imports/").content.decode()
    assert 'data-testid="template-form"' in page and 'name="year"' in page  # its own picker, submitted with it


def test_the_upload_year_is_the_units_latest_review_not_the_calendar(client, na_ri, tmp_path):
    officer = na_ri["officer"]
    today = datetime.date(2026, 12, 3)
    assert review_year_in_progress(datetime.date(2026, 8, 31)) == 2025
    assert review_year_in_progress(today) == 2026
    assert upload_year_default(officer, today) == 2026  # nothing yet: the review in progress
    ImportBatch.objects.create(unit=na_ri["units"]["066"], year=2023, uploaded_by=officer, sha256="x" * 64,
                               size_bytes=1, original_name="a.xlsx", status=ImportBatch.Status.COMMITTED)
    ImportBatch.objects.create(unit=na_ri["units"]["066"], year=2030, uploaded_by=officer, sha256="y" * 64,
                               size_bytes=1, original_name="b.xlsx", status=ImportBatch.Status.COMMITTED)
    assert upload_year_default(officer, today) == 2023  # the latest year with data, never beyond 2026
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    page = client.get("/imports/").content.decode()
    assert 'value="2023"' in page and '<option value="2023" selected>' in page


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("ghi-chu.txt", "Mã hộ,Họ tên\nH1,Nguyễn Văn Bình\n".encode(), "không phải bảng tính"),
    ("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "không phải bảng tính .xlsx"),
    ("bang.csv", b"\x00\x01\x02binary" * 10, "không phải bảng tính .csv"),
    ("bang.docx", b"PK\x03\x04" + b"\x01" * 50, "không phải bảng tính"),
])
def test_a_file_that_is_not_a_table_is_refused_at_upload(na_ri, name, content, fragment):
    with pytest.raises(ApplicationError) as refused:
        import_batch_create(uploaded_file=SimpleUploadedFile(name, content), year=2023, acting_user=na_ri["officer"],
                            original_name=name)
    assert fragment in refused.value.message and refused.value.field == "file"
    assert not ImportBatch.objects.exists()


def test_the_upload_page_refuses_a_txt_with_a_message(client, na_ri):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    response = client.post("/imports/", {"year": 2023, "file": SimpleUploadedFile("ds.txt", b"Ma ho\nH1\n")})
    assert response.status_code == 200
    assert "không phải bảng tính" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_no_annotated_copy_is_offered_for_a_file_that_was_not_read_as_a_table(client, na_ri, tmp_path):
    path = tmp_path / "khong-co-tieu-de.csv"
    path.write_text("một dòng chữ\nkhông có cột nào\n", encoding="utf-8")
    batch = upload(path, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED and batch.rows == 0
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "annotated-download" not in page
