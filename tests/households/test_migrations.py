"""Data migrations of the households app, run forward and back on a real database."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("households", "0007_import_fewer_index_writes")
AFTER = ("households", "0008_replaced_reviews_typed_columns")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_replaced_reviews_kept_as_json_become_typed_columns_and_back(units):
    apps = _migrate(BEFORE)
    try:
        batch = apps.get_model("households", "ImportBatch").objects.create(year=2023, sha256="x" * 64, size_bytes=1)
        household = apps.get_model("households", "Household").objects.create(
            code="H-1", head_name="Hoàng Văn A", commune_id=units["kim_hy"].pk)
        created = datetime.datetime(2023, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
        data = {
            "id": 4321, "household_id": household.pk, "commune_id": units["kim_hy"].pk, "year": 2023,
            "kind": "periodic", "review_date": None, "standard_id": 7, "area": "rural", "income_per_capita": 1_200_000,
            "members": 4, "deprivations": ["housing_area", "clean_water"], "deprivation_count": 2,
            "classification": "poor", "declared_classification": "", "is_mismatch": False, "transition": "remained",
            "is_newly_escaped": False, "reason": "Thu nhập dưới chuẩn", "import_batch_id": 99,
            "created_at": created.isoformat(), "updated_at": created.isoformat(),
        }
        apps.get_model("households", "ImportReplacedReview").objects.create(
            batch=batch, household=household, year=2023, data=data)

        apps = _migrate(AFTER)
        kept = apps.get_model("households", "ImportReplacedReview").objects.get()
        assert (kept.review_id, kept.commune_id, kept.standard_id, kept.import_batch_id) == (
            4321, units["kim_hy"].pk, 7, 99)
        assert (kept.classification, kept.transition, kept.reason, kept.members) == (
            "poor", "remained", "Thu nhập dưới chuẩn", 4)
        assert kept.deprivations == ["housing_area", "clean_water"]
        assert kept.created_at == created and kept.updated_at == created and kept.review_date is None

        apps = _migrate(BEFORE)
        back = apps.get_model("households", "ImportReplacedReview").objects.get()
        assert back.data == data
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
