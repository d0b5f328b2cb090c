"""The review import end to end: real sample workbooks, the spec's bad-input table, duplicates, replace,
revert, scope, the API and the command. Units come from the reference package (Na Rì and Ba Bể)."""

import io
import json
import re
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from python_calamine import CalamineWorkbook

from households.importing.services import import_batch_create, import_batch_process, import_batch_revert
from households.models import Household, HouseholdReview, ImportBatch
from tests import DATA, write_xlsx
from tests.conftest import require_postgres
from tests.factories import TEST_PASSWORD

CLEAN = ["review-2023-066-600.xlsx", "review-2023-066-600.xls", "review-2023-066-600.csv"]
BAD = ["review-2023-066-40-errors-2row.xlsx", "review-2023-066-40-errors-2row.ods"]


def upload(path: Path, *, user, year: int = 2023) -> ImportBatch:
    """As the web upload does it: the batch is queued on commit and the (eager) task runs it."""
    content = path.read_bytes()
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = import_batch_create(
            uploaded_file=SimpleUploadedFile(path.name, content), year=year, acting_user=user,
            original_name=path.name,
        )
    batch.refresh_from_db()
    return batch


def state() -> dict:
    """Everything an import can change, for exact before/after comparisons."""
    households = list(Household.objects.order_by("pk").values(
        "pk", "code", "commune_id", "head_name", "id_number", "village", "ethnicity", "is_ethnic_minority",
        "members", "is_female_head", "has_disabled_member", "has_person_with_merit",
        "is_social_protection_beneficiary",
    ))
    reviews = list(HouseholdReview.objects.order_by("pk").values(
        "pk", "household_id", "commune_id", "year", "kind", "standard_id", "area", "income_per_capita", "members",
        "deprivations", "deprivation_count", "classification", "declared_classification", "is_mismatch",
        "transition", "is_newly_escaped", "reason", "import_batch_id", "created_at", "updated_at",
    ))
    return {"households": households, "reviews": reviews}


HEADER = ["Mã hộ", "Họ và tên chủ hộ", "Mã xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
          "Việc làm", "Người phụ thuộc trong hộ gia đình", "Dinh dưỡng", "Bảo hiểm y tế",
          "Trình độ giáo dục của người lớn", "Tình trạng đi học của trẻ em", "Chất lượng nhà ở",
          "Diện tích nhà ở bình quân đầu người", "Nguồn nước sinh hoạt", "Nhà tiêu hợp vệ sinh",
          "Sử dụng dịch vụ viễn thông", "Phương tiện phục vụ tiếp cận thông tin", "Phân loại"]


def household_row(code, income, deprived=3, commune="02146", declared="Hộ nghèo", name="Nguyễn Văn An"):
    return [code, name, commune, 4, income, *([1] * deprived + [0] * (12 - deprived)), declared]


@pytest.mark.parametrize("name", CLEAN)
def test_clean_samples_commit_with_the_expected_classification(na_ri, name):
    expected = {row["household_code"]: row for row in json.loads(
        (DATA / "review-2023-066-600.expected.json").read_text())["rows"]}
    batch = upload(DATA / name, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert (batch.rows, batch.created, batch.updated, batch.rejected, batch.progress) == (600, 600, 0, 0, 100)
    reviews = HouseholdReview.objects.filter(year=2023).select_related("household", "commune")
    assert reviews.count() == 600
    for review in reviews:
        row = expected[review.household.code]
        assert review.classification == row["classification"], review.household.code
        assert review.commune.code == row["commune_code"]
        assert review.import_batch_id == batch.pk
    assert sum(batch.counts.values()) == 600
    assert batch.mismatches == sum(1 for review in reviews if review.is_mismatch)


@pytest.mark.parametrize("name", BAD)
def test_bad_sample_is_rejected_whole_naming_each_bad_row(na_ri, name):
    expected = json.loads((DATA / "review-2023-066-40-errors-2row.expected.json").read_text())
    batch = upload(DATA / name, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    assert sorted({error["row"] for error in batch.errors}) == [bad["row"] for bad in expected["bad_rows"]]
    assert batch.rejected == 8
    assert batch.errors == sorted(batch.errors, key=lambda error: (error["row"], error["column"]))
    assert set(batch.errors[0]) == {"row", "column", "value", "message"}
    assert Household.objects.count() == 0
    assert HouseholdReview.objects.count() == 0


def test_same_content_twice_is_refused_pointing_to_the_first(na_ri):
    first = upload(DATA / CLEAN[0], user=na_ri["officer"])
    with pytest.raises(Exception) as error:
        upload(DATA / CLEAN[0], user=na_ri["officer"])
    assert error.value.extra["duplicate_of"] == first.pk
    assert f"số {first.pk}" in error.value.message
    assert ImportBatch.objects.count() == 1


def test_newer_workbook_replaces_the_rows_of_the_households_it_contains(na_ri, tmp_path):
    first = upload(DATA / CLEAN[0], user=na_ri["officer"])
    code = HouseholdReview.objects.filter(classification="poor").select_related("household").first().household
    newer = write_xlsx(tmp_path / "newer.xlsx", [HEADER, household_row(code.code, 3_000_000, commune=code.commune.code,
                                                                         declared="Không nghèo")])
    second = upload(newer, user=na_ri["officer"])
    assert second.status == ImportBatch.Status.COMMITTED
    assert (second.created, second.updated, second.replaced_reviews) == (0, 1, 1)
    assert HouseholdReview.objects.filter(year=2023).count() == 600
    review = HouseholdReview.objects.get(household=code, year=2023)
    assert review.classification == "not_poor"
    assert review.import_batch_id == second.pk
    # The earlier import stays in history with the row it had.
    first.refresh_from_db()
    assert first.status == ImportBatch.Status.COMMITTED
    kept = second.replaced_reviews_kept.get()
    assert kept.import_batch_id == first.pk
    assert kept.classification == "poor"
    assert kept.review_id not in set(HouseholdReview.objects.values_list("pk", flat=True))


def test_revert_brings_the_previous_state_back_exactly(na_ri, tmp_path):
    upload(DATA / CLEAN[0], user=na_ri["officer"])
    before = state()
    households = list(Household.objects.order_by("pk")[:3])
    rows = [household_row(h.code, 2_500_000, commune=h.commune.code, name=h.head_name + " Mới") for h in households]
    rows.append(household_row("MOI-0001", 900_000, commune="02146"))
    second = upload(write_xlsx(tmp_path / "change.xlsx", [HEADER, *rows]), user=na_ri["officer"])
    assert second.status == ImportBatch.Status.COMMITTED
    assert state() != before
    with pytest.raises(Exception, match="Chỉ chuyên viên Sở"):
        import_batch_revert(batch=second, acting_user=na_ri["officer"])
    import_batch_revert(batch=second, acting_user=na_ri["staff"])
    assert state() == before
    second.refresh_from_db()
    assert second.status == ImportBatch.Status.REVERTED


def test_revert_of_a_batch_that_named_its_new_households_by_empty_snapshots(na_ri, tmp_path):
    """Batches committed before Household.created_by_batch_id kept a snapshot without data for each household they
    created: reverting one still deletes those households."""
    from households.models import ImportHouseholdSnapshot

    batch = upload(write_xlsx(tmp_path / "old.xlsx", [HEADER, household_row("OLD1", 900_000)]), user=na_ri["officer"])
    household = Household.objects.get(code="OLD1")
    assert household.created_by_batch_id == batch.pk
    Household.objects.filter(pk=household.pk).update(created_by_batch_id=None)
    ImportHouseholdSnapshot.objects.create(batch=batch, household=household, data=None)
    import_batch_revert(batch=batch, acting_user=na_ri["staff"])
    assert not Household.objects.exists() and not ImportHouseholdSnapshot.objects.exists()


def test_officer_cannot_import_another_districts_communes_and_is_told_whose_they_are(na_ri, tmp_path):
    ba_be_commune = next(code for code, unit in na_ri["units"].items()
                         if unit.level == "commune" and unit.parent.code == "061")
    path = write_xlsx(tmp_path / "scope.xlsx", [
        HEADER, household_row("A1", 900_000, commune=ba_be_commune), household_row("A2", 900_000, commune="99999"),
    ])
    batch = upload(path, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    first, second = batch.errors
    # A code of another district is named with its district; a code no commune has is called unknown.
    commune = na_ri["units"][ba_be_commune]
    assert first["message"] == (f"Dòng 2: mã {ba_be_commune} là của {commune.name} thuộc Huyện Ba Bể, không thuộc "
                                "Huyện Na Rì; chỉ nhập được các xã thuộc Huyện Na Rì.")
    assert second["message"] == ("Dòng 3: không có xã nào mang mã 99999 trong danh mục đơn vị hành chính năm 2023; "
                                 "hãy kiểm tra lại mã xã.")
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "rows", "column", "fragment"),
    [
        ("empty required cell", [household_row("", 900_000)], "Mã hộ", "thiếu"),
        ("wrong type", [household_row("B1", "nhiều")], "Thu nhập", "không phải là số tiền"),
        ("negative income", [household_row("B1", -1)], "Thu nhập", "không được âm"),
        ("absurd income", [household_row("B1", 100_000_001)], "Thu nhập", "vượt quá"),
        ("members < 1", [[*household_row("B1", 900_000)[:3], 0, *household_row("B1", 900_000)[4:]]], "Số nhân khẩu",
         "từ 1 đến 50"),
        ("members > 50", [[*household_row("B1", 900_000)[:3], 51, *household_row("B1", 900_000)[4:]]],
         "Số nhân khẩu", "từ 1 đến 50"),
        ("duplicate code", [household_row("B1", 900_000), household_row("B1", 800_000)], "Mã hộ", "trùng"),
    ],
)
def test_each_bad_value_is_a_row_error(na_ri, tmp_path, _case, rows, column, fragment):
    batch = upload(write_xlsx(tmp_path / "bad.xlsx", [HEADER, *rows]), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.errors[-1]["column"].startswith(column)
    assert fragment in batch.errors[-1]["message"]
    assert batch.errors[-1]["row"] == len(rows) + 1
    assert HouseholdReview.objects.count() == 0


def test_declared_classification_mismatch_is_a_warning_not_an_error(na_ri, tmp_path):
    batch = upload(write_xlsx(tmp_path / "w.xlsx", [HEADER, household_row("C1", 900_000, declared="Hộ cận nghèo"),
                                                    household_row("C2", 900_000, declared="Hộ cận nghèo")]),
                   user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.mismatches == 2
    first, second = (warning["message"] for warning in batch.warning_list)
    assert first.startswith("Dòng 2: xã ghi “Hộ cận nghèo” nhưng theo chuẩn ")
    assert "“Hộ nghèo”" in first and first.endswith("Hãy kiểm tra lại thông tin của hộ.")
    assert second == first.replace("Dòng 2:", "Dòng 3:") and "\0" not in second
    assert all(review.is_mismatch for review in HouseholdReview.objects.all())


def test_many_warnings_the_page_shows_500_the_annotated_workbook_has_them_all(client, na_ri, tmp_path):
    """Beyond the 500 the page lists, the whole list is kept compressed (warning_archive) for the download."""
    rows = [household_row(f"W{i:04d}", 900_000, declared="Hộ cận nghèo") for i in range(520)]
    batch = upload(write_xlsx(tmp_path / "many.xlsx", [HEADER, *rows]), user=na_ri["officer"])
    assert (batch.status, batch.warnings, batch.mismatches) == (ImportBatch.Status.COMMITTED, 520, 520)
    assert len(batch.warning_list) == 500
    entries = batch.warning_entries()
    assert [entry["row"] for entry in entries] == list(range(2, 522))
    assert entries[:500] == batch.warning_list
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Cảnh báo (520)" in page
    assert re.search(r">501</td>", page) and not re.search(r">502</td>", page)  # the row in its own column
    assert "Dòng 501:" not in page
    assert "Chỉ hiện 500 dòng đầu" in page
    annotated = client.get(f"/imports/{batch.pk}/annotated.xlsx")
    listed = CalamineWorkbook.from_filelike(io.BytesIO(annotated.getvalue())).get_sheet_by_index(1).to_python()
    assert len(listed) == 521


@pytest.mark.parametrize(
    ("_case", "content", "fragment"),
    [
        # a PNG named .xlsx is refused at upload (tests/households/test_upload_paths.py)
        ("corrupt xlsx", b"PK\x03\x04" + b"\x01" * 300, "hỏng"),
        ("missing column", None, "Thiếu cột bắt buộc"),
    ],
)
def test_unreadable_workbooks_are_rejected_with_a_clear_message(na_ri, tmp_path, _case, content, fragment):
    path = tmp_path / "x.xlsx"
    if content is None:
        write_xlsx(path, [HEADER[:3], ["A", "B", "02146"]])
    else:
        path.write_bytes(content)
    batch = upload(path, user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.errors[0]["row"] == 1
    assert fragment in batch.errors[0]["message"]


def test_oversized_upload_is_refused_before_it_is_stored(na_ri, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    with pytest.raises(Exception, match="vượt giới hạn"):
        upload(DATA / CLEAN[0], user=na_ri["officer"])
    assert ImportBatch.objects.count() == 0


def _officer_posts(client, url: str, path, capture):
    """Na Rì's officer uploads `path` (year 2023) to `url`; the on-commit work (the worker, eager) runs."""
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    with path.open("rb") as handle, capture(execute=True):
        return client.post(url, {"file": handle, "year": 2023})


def test_api_upload_status_and_errors(client, na_ri, django_capture_on_commit_callbacks):
    response = _officer_posts(client, "/api/v1/imports/", DATA / BAD[0], django_capture_on_commit_callbacks)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued"  # the worker (here: eager, on commit) picks it up after the response
    detail = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert detail["progress"] == 100
    assert detail["rejected"] == 8
    assert detail["errors"][0] == {
        "row": 46, "column": "Mã hộ", "value": "", "message": "Dòng 46: thiếu “Mã hộ”.",
    }
    assert client.get("/api/v1/imports/").json()["results"][0]["id"] == body["id"]
    # Another district's officer cannot see it: 404, as if it did not exist.
    client.login(username="canbo_babe", password=TEST_PASSWORD)
    assert client.get(f"/api/v1/imports/{body['id']}/").status_code == 404
    assert client.get("/api/v1/imports/").json()["count"] == 0
    # Leadership may not upload.
    client.login(username="lanhdao_bk", password=TEST_PASSWORD)
    with (DATA / CLEAN[0]).open("rb") as handle:
        assert client.post("/api/v1/imports/", {"file": handle, "year": 2023}).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_upload_page_summary_and_annotated_download(client, na_ri, django_capture_on_commit_callbacks):
    response = _officer_posts(client, "/imports/", DATA / BAD[1], django_capture_on_commit_callbacks)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Tệp chưa được nhập" in page
    assert re.search(r">53</td>", page) and "Dòng 53:" not in page
    batch = ImportBatch.objects.get()
    annotated = client.get(f"/imports/{batch.pk}/annotated.xlsx")
    assert annotated.status_code == 200
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(annotated.getvalue()))
    assert workbook.sheet_names == ["Danh sách (có đánh dấu lỗi)", "Danh sách lỗi"]
    assert len(workbook.get_sheet_by_index(1).to_python()) == 9


def test_template_download_round_trips_through_the_importer(client, na_ri, tmp_path):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    response = client.get("/imports/template.xlsx?year=2023")
    assert response.status_code == 200
    path = tmp_path / "mau.xlsx"
    path.write_bytes(response.content)
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["Danh sách", "Hướng dẫn"]
    batch = upload(path, user=na_ri["officer"])  # the example row ("VD") alone is not data
    assert batch.status == ImportBatch.Status.REJECTED
    assert "không có dòng dữ liệu" in batch.errors[0]["message"]
    # filled with two households it imports exactly two: tests/households/test_upload_paths.py


def test_command_commits_and_exits_1_with_a_report_when_rejected(na_ri, capsys):
    call_command("import_reviews", str(DATA / CLEAN[0]), year=2023, user="canbo_nari")
    assert "đọc 600 dòng, thêm mới 600" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_reviews", str(DATA / BAD[0]), year=2023, user="canbo_nari")
    assert exit_info.value.code == 1
    assert "Báo cáo lỗi:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        call_command("import_reviews", str(DATA / BAD[0]), year=2023, user="canbo_nari", dry_run=True)
    assert HouseholdReview.objects.count() == 600


@pytest.mark.django_db(transaction=True)
def test_two_uploads_for_one_district_at_once_never_interleave(na_ri, tmp_path):
    """Both batches commit one after the other (lock per unit); each household ends with exactly one review."""
    require_postgres()
    first_rows = [household_row(f"K{i:04d}", 900_000 + i) for i in range(300)]
    second_rows = [household_row(f"K{i:04d}", 2_600_000 + i) for i in range(150, 450)]
    paths = [write_xlsx(tmp_path / "a.xlsx", [HEADER, *first_rows]), write_xlsx(tmp_path / "b.xlsx",
                                                                                 [HEADER, *second_rows])]
    batches = [
        import_batch_create(uploaded_file=SimpleUploadedFile(p.name, p.read_bytes()), year=2023,
                            acting_user=na_ri["officer"], original_name=p.name, enqueue=False)
        for p in paths
    ]
    errors = []

    def run(batch_id):
        try:
            import_batch_process(batch_id=batch_id)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(batch.pk,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    statuses = set(ImportBatch.objects.values_list("status", flat=True))
    assert statuses == {ImportBatch.Status.COMMITTED}
    assert Household.objects.count() == 450
    assert HouseholdReview.objects.filter(year=2023).count() == 450
    # The overlap (150 households) carries the batch that committed last, never a mix within one batch.
    last = ImportBatch.objects.order_by("finished_at").last()
    overlap = HouseholdReview.objects.filter(household__code__in=[f"K{i:04d}" for i in range(150, 300)])
    assert set(overlap.values_list("import_batch_id", flat=True)) == {last.pk}


def test_statuses_set_at_insert_agree_with_a_full_recompute(na_ri, tmp_path):
    """New households get their status at insert; existing ones go through transitions_recompute. A full
    recompute afterwards must find nothing to change, across two years."""
    from households.services import transitions_recompute

    upload(write_xlsx(tmp_path / "2022.xlsx", [HEADER, household_row("T1", 900_000), household_row("T2", 900_000,
                                                                                                   deprived=1)]),
           user=na_ri["officer"], year=2022)
    upload(write_xlsx(tmp_path / "2023.xlsx", [HEADER, household_row("T1", 3_000_000), household_row("T2", 900_000),
                                               household_row("T3", 800_000)]), user=na_ri["officer"], year=2023)
    ids = list(Household.objects.values_list("pk", flat=True))
    assert transitions_recompute(household_ids=ids, year=2021) == 0
    statuses = dict(HouseholdReview.objects.filter(year=2023).values_list("household__code", "transition"))
    assert statuses == {"T1": "escaped", "T2": "newly_poor", "T3": "newly_poor"}
