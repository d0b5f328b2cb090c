"""Spreadsheet imports of allocations and disbursements: whole or nothing, row errors in Vietnamese with Excel row
numbers, scope, exact money. The workbooks are written by the tests with XlsxWriter.

Each file goes through the job path (budgets.importing.pipeline): `budget_import_create` keeps it, then
`budget_import_process` runs it, here in the test's process (the worker's side; tests/budgets/test_import_jobs.py
has the API, the command and the task)."""

import datetime

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.core.files import File

from budgets.importing.pipeline import budget_import_create, budget_import_process
from budgets.models import Allocation, AllocationEntry, BudgetImport, Disbursement
from budgets.selectors import disbursement_progress
from tests.budgets.conftest import M, allocate, login

D = datetime.date
ALLOCATION_HEADERS = ["Năm kế hoạch", "Mã đơn vị", "Mã dự án", "Nguồn vốn", "Loại vốn", "Loại bút toán",
                      "Năm nguồn vốn", "Số tiền (triệu đồng)", "Số quyết định", "Ngày quyết định", "Ghi chú"]
DISBURSEMENT_HEADERS = ["Năm kế hoạch", "Mã đơn vị", "Mã dự án", "Nguồn vốn", "Loại vốn", "Ngày giải ngân",
                        "Số tiền (đồng)", "Số chứng từ", "Ghi chú"]


def workbook(path, headers, rows, *, title: str | None = "KẾ HOẠCH VỐN NĂM 2023"):
    """A workbook with an optional title row above the headers (as the provinces' files have)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("Số liệu")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    start = 0
    if title:
        sheet.write_string(0, 0, title)
        start = 1
    for column, header in enumerate(headers):
        sheet.write_string(start, column, header)
    for offset, row in enumerate(rows, start=start + 1):
        for column, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(offset, column, datetime.datetime.combine(value, datetime.time()), date_format)
            elif value is not None:
                sheet.write(offset, column, value)
    book.close()
    return path


def run_import(path, *, acting_user, kind: str = "allocations", file_name: str = "") -> BudgetImport:
    """The file through the job path, run at once; the finished job (committed or rejected)."""
    with open(path, "rb") as handle:
        job = budget_import_create(acting_user=acting_user, file=File(handle, name=file_name or path.name), kind=kind,
                                   enqueue=False)
    return budget_import_process(job_id=job.pk)


def allocations_import(*, path, acting_user, file_name: str = "") -> BudgetImport:
    return run_import(path, acting_user=acting_user, file_name=file_name)


def disbursements_import(*, path, acting_user) -> BudgetImport:
    return run_import(path, acting_user=acting_user, kind="disbursements")


def counts():
    return Allocation.objects.count(), AllocationEntry.objects.count(), Disbursement.objects.count()


GOOD_ALLOCATIONS = [
    # Excel rows 3…: year, unit, project, source, capital, kind, origin, million, number, date, note
    [2023, "06", "DA1", "Trung ương", "Đầu tư phát triển", "Giao vốn", None, 1500, "62/KH-UBND", D(2023, 3, 13), ""],
    [2023, "066", "Dự án 3.1", "NSTW", "Sự nghiệp", "", None, "1.234,5", "62/KH-UBND", "13/03/2023", "Na Rì"],
    [2023, 66, "DA3.1", "Trung ương", "Sự nghiệp", "Điều chỉnh", None, -234.5, "90/QĐ-UBND", "2023-08-15", ""],
    [2023, "06", "DA7", "Địa phương", "Sự nghiệp", "Giao vốn", None, 45.000001, "62/KH-UBND", D(2023, 3, 13), ""],
    [2022, "06", "DA2", "Trung ương", "Sự nghiệp", "Giao vốn", None, 100, "10/QĐ-UBND", D(2022, 2, 1), ""],
    [2023, "06", "DA2", "Trung ương", "Sự nghiệp", "Chuyển nguồn", 2022, 100, "04/NQ-HĐND", D(2023, 1, 10), ""],
]


def test_a_good_allocation_file_is_committed_whole(world, tmp_path):
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    outcome = allocations_import(path=path, acting_user=world["staff"], file_name="kh.xlsx")
    assert outcome.errors == [] and outcome.committed
    assert (outcome.rows, outcome.created, outcome.updated, Allocation.objects.count()) == (6, 6, 0, 5)
    na_ri = Allocation.objects.get(unit=world["na_ri"], subproject__code="DA3.1")
    assert na_ri.amount_vnd == 1_000 * M  # 1.234,5 − 234,5 million
    assert Allocation.objects.get(project__code="DA7").amount_vnd == 45_000_001
    carried = Allocation.objects.get(fiscal_year=2023, origin_year=2022)
    assert carried.amount_vnd == 100 * M
    assert Allocation.objects.get(fiscal_year=2022).carried_out_vnd == 100 * M
    progress = disbursement_progress(unit=world["province"], year=2023)
    assert progress.total.allocated == 2_545_000_001 and progress.total.carried_over == 100 * M
    batch = BudgetImport.objects.get()
    assert (batch.status, batch.kind, batch.uploaded_by, batch.created) == ("committed", "allocations",
                                                                             world["staff"], 6)
    assert (batch.original_name, batch.progress, batch.unit) == ("kh.xlsx", 100, world["province"])
    assert AllocationEntry.objects.filter(batch=batch).count() == 6


BAD_ALLOCATIONS = [
    GOOD_ALLOCATIONS[0],                                                                            # row 3: fine
    [2023, "999", "DA1", "Trung ương", "Đầu tư", "", None, 10, "1/QĐ", D(2023, 3, 1), ""],          # row 4
    [2023, "181", "DA1", "Trung ương", "Đầu tư", "", None, 10, "1/QĐ", D(2023, 3, 1), ""],          # row 5
    [2023, "066", "DA9", "Ngân hàng", "Sự nghiệp", "", None, -10, "1/QĐ", "31/02/2023", ""],        # row 6
    [2023, "066", "DA2", "Trung ương", "Sự nghiệp", "Điều chỉnh", None, 10, "1/QĐ", D(2023, 3, 1), ""],  # row 7
    [2023, "06", "DA1", "Trung ương", "Đầu tư phát triển", "", None, 5, "", D(2023, 3, 1), ""],     # row 8
    [2023, "06", "DA1", "Trung ương", "Đầu tư phát triển", "", None, "1,500", "2/QĐ", D(2023, 3, 1), ""],  # row 9
]


def test_a_bad_allocation_file_is_rejected_whole_with_row_errors(world, tmp_path):
    allocate(world["province"], 7 * M, code="DA6.1")  # something already there: it must stay as it is
    before = counts()
    path = workbook(tmp_path / "kh-loi.xlsx", ALLOCATION_HEADERS, BAD_ALLOCATIONS)
    outcome = allocations_import(path=path, acting_user=world["staff"], file_name="kh-loi.xlsx")
    assert not outcome.committed
    assert counts() == before  # row 3 was fine, but nothing is written
    errors = outcome.errors
    assert errors == sorted(errors, key=lambda e: (e["row"], e["column"], e["message"]))
    assert all(set(error) == {"row", "column", "value", "message"} for error in errors)
    assert all(error["message"].startswith(f"Dòng {error['row']}:") for error in errors)
    by_row = {}
    for error in errors:
        by_row.setdefault(error["row"], []).append(error)
    assert 3 not in by_row
    assert by_row[4][0]["column"] == "Mã đơn vị" and by_row[4][0]["value"] == "999"
    assert "không có đơn vị mã “999”" in by_row[4][0]["message"]
    # Lạng Sơn's Bình Gia exists, but is outside Bắc Kạn's staff scope: the same message as an unknown code.
    assert by_row[5][0]["message"] == "Dòng 5: không có đơn vị mã “181” trong năm 2023 thuộc phạm vi bạn được ghi số " \
                                      "liệu ngân sách."
    row6 = {error["column"]: error for error in by_row[6]}
    assert set(row6) == {"Mã dự án", "Nguồn vốn", "Số tiền (triệu đồng)", "Ngày quyết định"}
    assert "số tiền phải lớn hơn 0" in row6["Số tiền (triệu đồng)"]["message"]
    assert "không phải là ngày có thật" in row6["Ngày quyết định"]["message"]
    assert "DA9" in row6["Mã dự án"]["value"]
    assert "chưa có kế hoạch vốn cho dòng này để điều chỉnh" in by_row[7][0]["message"]
    assert by_row[8][0]["column"] == "Số quyết định" and "thiếu" in by_row[8][0]["message"]
    assert "dấu phẩy không rõ nghĩa" in by_row[9][0]["message"]
    batch = BudgetImport.objects.get()
    assert batch.status == "rejected" and batch.errors == errors and batch.created == 0
    assert (batch.error_count, batch.rows_rejected, batch.rows) == (len(errors), len(by_row), 7)  # rows 4 to 9


def test_a_second_original_for_the_same_line_is_refused(world, tmp_path):
    rows = [GOOD_ALLOCATIONS[0], GOOD_ALLOCATIONS[0]]
    outcome = allocations_import(path=workbook(tmp_path / "a.xlsx", ALLOCATION_HEADERS, rows),
                                 acting_user=world["staff"])
    assert [(e["row"], e["column"]) for e in outcome.errors] == [(4, "Loại bút toán")]
    assert "đã có vốn giao ban đầu" in outcome.errors[0]["message"]
    assert counts() == (0, 0, 0)


def test_a_money_column_without_its_unit_is_refused(world, tmp_path):
    headers = [header if header != "Số tiền (triệu đồng)" else "Số tiền" for header in ALLOCATION_HEADERS]
    outcome = allocations_import(path=workbook(tmp_path / "b.xlsx", headers, GOOD_ALLOCATIONS[:1]),
                                 acting_user=world["staff"])
    assert len(outcome.errors) == 1
    assert outcome.errors[0]["row"] == 2 and "ghi rõ đơn vị" in outcome.errors[0]["message"]
    assert counts() == (0, 0, 0)


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_row_1(world, tmp_path):
    path = tmp_path / "c.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    outcome = allocations_import(path=path, acting_user=world["staff"])
    assert outcome.errors[0]["row"] == 1 and "hỏng" in outcome.errors[0]["message"]


def test_a_district_officer_cannot_import_allocations(world, tmp_path):
    path = workbook(tmp_path / "d.xlsx", ALLOCATION_HEADERS, [GOOD_ALLOCATIONS[1]])
    with pytest.raises(PermissionDenied):  # refused before the file is kept (config/access.py: budget_imports)
        allocations_import(path=path, acting_user=world["officer"])
    assert counts() == (0, 0, 0) and not BudgetImport.objects.exists()


def test_staff_of_another_province_cannot_import_into_this_one(world, tmp_path):
    path = workbook(tmp_path / "d.xlsx", ALLOCATION_HEADERS, [GOOD_ALLOCATIONS[1]])
    outcome = allocations_import(path=path, acting_user=world["staff_ls"])
    assert not outcome.committed and "phạm vi" in outcome.errors[0]["message"]
    assert counts() == (0, 0, 0)


def test_disbursement_report_import(world, tmp_path):
    line = allocate(world["na_ri"], 100 * M, code="DA3.1").allocation
    rows = [
        [2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", D(2023, 4, 25), 40_000_000, "UNC 01", ""],
        [2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", "25/05/2023", "60.000.000", "UNC 02", ""],
    ]
    outcome = disbursements_import(path=workbook(tmp_path / "gn.xlsx", DISBURSEMENT_HEADERS, rows, title=None),
                                   acting_user=world["staff"])
    assert outcome.committed, outcome.errors
    line.refresh_from_db()
    assert line.disbursed_vnd == 100 * M
    assert list(line.disbursements.order_by("disbursed_on").values_list("document", flat=True)) == ["UNC 01",
                                                                                                    "UNC 02"]


def test_a_disbursement_report_over_the_plan_is_rejected_whole(world, tmp_path):
    line = allocate(world["na_ri"], 100 * M, code="DA3.1").allocation
    rows = [
        [2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", D(2023, 4, 25), 60_000_000, "UNC 01", ""],   # row 2
        [2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", D(2023, 5, 25), 40_000_001, "UNC 02", ""],   # row 3
        [2023, "066", "DA2", "Trung ương", "Sự nghiệp", D(2023, 5, 25), 1_000_000, "UNC 03", ""],      # row 4
        [2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", D(2024, 1, 5), 1_000_000, "UNC 04", ""],     # row 5
        [2023, "066", "DA3.1", "Trung ương", "Sự nghiệp", D(2023, 6, 1), -1_000_000, "", ""],          # row 6
    ]
    outcome = disbursements_import(path=workbook(tmp_path / "gn.xlsx", DISBURSEMENT_HEADERS, rows, title=None),
                                   acting_user=world["staff"])
    problems = [(e["row"], e["column"]) for e in outcome.errors]
    assert problems == [(3, "Số tiền (đồng)"), (4, "Mã dự án"), (5, "Ngày giải ngân"), (6, "Ghi chú")]
    assert "vượt kế hoạch vốn" in outcome.errors[0]["message"]
    assert "sau hạn 31/12/2023" in outcome.errors[2]["message"]
    line.refresh_from_db()
    assert line.disbursed_vnd == 0 and Disbursement.objects.count() == 0


def test_the_import_page(client, world, tmp_path, django_capture_on_commit_callbacks):
    path = workbook(tmp_path / "kh-loi.xlsx", ALLOCATION_HEADERS, BAD_ALLOCATIONS)
    login(client, "so_bk")
    # The upload is a job: kept, queued after commit (run here by eager Celery), then its page shows the outcome.
    with path.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/budgets/import/", {"kind": "allocations", "file": handle})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200
    html = response.content.decode()
    # The row is in its own column: the message does not repeat "Dòng 5:".
    assert 'data-testid="import-rejected"' in html and "<td>5</td>" in html
    assert "Không có đơn vị mã “181”" in html and "Dòng 5:" not in html
    assert counts() == (0, 0, 0)
    good = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    with good.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/budgets/import/", {"kind": "allocations", "file": handle})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200 and 'data-testid="import-committed"' in response.content.decode()
    assert AllocationEntry.objects.count() == 6
    template = client.get("/budgets/import/template/allocations.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")


@pytest.mark.parametrize("username", ["canbo_nari", "lanhdao_bk"])
def test_only_staff_reach_the_import_page(client, world, tmp_path, username):
    login(client, username)
    assert client.get("/budgets/import/").status_code == 403
    path = workbook(tmp_path / "kh.xlsx", ALLOCATION_HEADERS, GOOD_ALLOCATIONS)
    with path.open("rb") as handle:
        assert client.post("/budgets/import/", {"kind": "allocations", "file": handle}).status_code == 403
    assert counts() == (0, 0, 0) and not BudgetImport.objects.exists()
