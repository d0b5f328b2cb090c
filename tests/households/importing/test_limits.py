"""The row limit (settings.IMPORT_MAX_ROWS, 300,000 by default): a workbook over it is refused whole with a
Vietnamese message, and nothing of it is committed."""

from django.conf import settings as django_settings

from households.models import Household, HouseholdReview, ImportBatch, ImportHouseholdSnapshot
from tests.households.test_imports import HEADER, household_row, upload, write_xlsx


def rows(count: int) -> list[list]:
    return [HEADER, *(household_row(f"NR{number:05d}", 900_000) for number in range(1, count + 1))]


def test_the_default_limit_is_300000_rows():
    assert django_settings.IMPORT_MAX_ROWS == 300_000


def test_a_workbook_over_the_row_limit_is_refused_and_nothing_committed(na_ri, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 1_000
    batch = upload(write_xlsx(tmp_path / "qua-gioi-han.xlsx", rows(1_001)), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.REJECTED
    assert [error["message"] for error in batch.errors] == [
        "Tệp có hơn 1.000 dòng dữ liệu; hãy chia nhỏ theo xã."
    ]
    assert batch.rejected_reason == "Tệp có hơn 1.000 dòng dữ liệu; hãy chia nhỏ theo xã."
    assert batch.progress == 100
    assert (Household.objects.count(), HouseholdReview.objects.count(), ImportHouseholdSnapshot.objects.count()) == (
        0, 0, 0)


def test_a_workbook_at_the_row_limit_commits(na_ri, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 1_000
    batch = upload(write_xlsx(tmp_path / "dung-gioi-han.xlsx", rows(1_000)), user=na_ri["officer"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    assert (batch.rows, batch.created) == (1_000, 1_000)
    assert HouseholdReview.objects.filter(import_batch_id=batch.pk).count() == 1_000
