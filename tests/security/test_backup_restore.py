"""Backup and restore (README, "Sao lưu và khôi phục"): `make backup` dumps the database with pg_dump; the dump
restores into a fresh database with pg_restore and holds the same rows, table by table."""

import datetime
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from budgets.models import Allocation, Disbursement
from households.models import Household, HouseholdReview
from tests.budgets.conftest import allocate, disburse
from tests.conftest import IN_CI, require_postgres

ROOT = Path(__file__).resolve().parents[2]
BACKUPS = ROOT / "var" / "backups"


def _url(database: str) -> str:
    config = connection.settings_dict
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{database}"


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - names from pg_tables
            for table in tables
        }


@pytest.mark.django_db(transaction=True)
def test_make_backup_then_pg_restore_into_a_fresh_database_gives_the_same_rows(registry, units, people):
    require_postgres()
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if IN_CI:
            pytest.fail("CI must have pg_dump and pg_restore (postgresql-client)")
        pytest.skip("needs pg_dump and pg_restore (postgresql-client)")
    from programmes.services import programme_structure_load

    programme_structure_load()
    line = allocate(units["na_ri"], 500_000_000, user=people["staff"]).allocation
    disburse(line, 120_000_000, datetime.date(2023, 6, 1), user=people["staff"])
    source_url = _url(connection.settings_dict["NAME"])
    expected = _row_counts(source_url)
    assert expected["households_household"] == Household.objects.count() == 4
    assert expected["households_householdreview"] == HouseholdReview.objects.count() == 5
    assert expected[Allocation._meta.db_table] == Allocation.objects.count() >= 1
    assert expected[Disbursement._meta.db_table] == Disbursement.objects.count() == 1

    before = set(BACKUPS.glob("*.dump")) if BACKUPS.exists() else set()
    made = subprocess.run(["make", "-s", "backup"], cwd=ROOT, env={"PATH": "/usr/bin:/bin:/usr/local/bin",
                          "DATABASE_URL": source_url}, capture_output=True, text=True, timeout=300, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    dumps = set(BACKUPS.glob("*.dump")) - before
    assert len(dumps) == 1
    dump = dumps.pop()
    fresh = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        restored = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _url(fresh), str(dump)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        assert restored.returncode == 0, restored.stderr
        assert _row_counts(_url(fresh)) == expected
        with psycopg.connect(_url(fresh)) as conn:
            names = {row[0] for row in conn.execute("SELECT head_name FROM households_household")}
        assert names == set(Household.objects.values_list("head_name", flat=True))
    finally:
        dump.unlink(missing_ok=True)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
