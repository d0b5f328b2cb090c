"""Benchmark: the household-list export of a province with 100,000 reviewed households, run as the export job does
(`reports.exports.jobs.export_job_run`: server-side cursor in batches of 2,000, XlsxWriter in constant_memory mode,
progress written every batch).

Goal (issue 8): at most 15 s for 100,000 rows, with flat memory (the peak does not grow with the number of rows).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_export DEBUG=1 \\
        .venv/bin/python benchmarks/export_households.py [--rows 100000]

The database is migrated and loaded with reference data first (use a scratch database: the benchmark adds a
province's worth of households, created in bulk, to it). Each export is measured in a fresh child process so its
peak RSS is its own: once for a tenth of the rows (one district's worth, by filtering a classification) and once for
all of them; a flat memory profile shows as two similar peaks.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from _setup import PROVINCE, STAFF, YEAR, database_ready, province_communes  # sets Django up first
from django.contrib.auth import get_user_model
from django.db import connection

from config.text import fold
from households.classification import classify
from households.models import Household, HouseholdReview, PovertyStandard
from households.selectors import standards_all
from provinces.selectors import unit_in_force
from reports.exports.jobs import export_job_run
from reports.models import ExportJob

PREFIX = "BX"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def populate(rows: int) -> None:
    """Households and reviews in bulk (the export's input, not the import's speed, is measured here)."""
    existing = HouseholdReview.objects.filter(year=YEAR, household__code__startswith=PREFIX).count()
    if existing >= rows:
        print(f"data: {existing:,} benchmark reviews already there")
        return
    rules = standards_all().rules["2022-2025"]
    standard = PovertyStandard.objects.get(code="2022-2025")
    communes = province_communes("pk", "area")
    rng = random.Random(11)
    indicators = list(rules.indicators)
    started = time.perf_counter()
    for first in range(existing, rows, 5000):
        last = min(rows, first + 5000)
        households, reviews = [], []
        for i in range(first, last):
            commune, area = communes[i % len(communes)]
            name = f"Nguyễn Văn Thử {i}"
            households.append(Household(
                code=f"{PREFIX}{i:08d}", head_name=name, head_name_search=fold(name), id_number=f"042{i:09d}",
                commune_id=commune, village=f"Thôn {i % 12 + 1}", ethnicity="Kinh", members=rng.randint(1, 7),
            ))
        Household.objects.bulk_create(households, batch_size=5000)
        created = Household.objects.filter(code__gte=f"{PREFIX}{first:08d}", code__lte=f"{PREFIX}{last - 1:08d}",
                                           commune_id__in=[pk for pk, _area in communes])
        areas = dict(communes)
        for household_id, commune_id, members in created.values_list("pk", "commune_id", "members"):
            deprived = frozenset(rng.sample(indicators, rng.randint(0, 5)))
            income = rng.randrange(300_000, 3_000_000, 1000)
            area = areas[commune_id]
            result = classify(standard=rules, area=area, income_per_capita=income, deprivations=deprived)
            reviews.append(HouseholdReview(
                household_id=household_id, commune_id=commune_id, year=YEAR, standard=standard, area=area,
                income_per_capita=income, members=members, deprivations=sorted(deprived),
                deprivation_count=result.deprivation_count, classification=result.classification.value,
                declared_classification=result.classification.value,
            ))
        HouseholdReview.objects.bulk_create(reviews, batch_size=5000)
    print(f"data: {rows - existing:,} households and reviews created in {time.perf_counter() - started:.1f} s")


def measure(classification: str) -> None:
    """In a fresh process: one export job, timed, with this process's peak RSS before and after."""
    staff = get_user_model().objects.get(username=STAFF)
    province = unit_in_force(code=PROVINCE, year=YEAR)
    before = rss_mb()
    job = ExportJob.objects.create(owner=staff, kind=ExportJob.Kind.HOUSEHOLDS, unit=province, year=YEAR,
                                   parameters={"classification": classification})
    started, cpu = time.perf_counter(), time.process_time()
    job = export_job_run(job_id=job.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    size = Path(job.file.path).stat().st_size / 1e6
    print(f"export {classification or 'all'}: {job.rows:,} rows in {seconds:.2f} s "
          f"({job.rows / seconds:,.0f} rows/s; this process's CPU {cpu:.2f} s, load average {os.getloadavg()[0]:.1f}), "
          f"{size:.1f} MB, status {job.status}; "
          f"peak RSS {before:.0f} MB before, {rss_mb():.0f} MB after")
    Path(job.file.path).unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        measure("" if args.measure == "all" else args.measure)
        return
    print(f"database: {connection.vendor}")
    database_ready()
    populate(args.rows)
    for classification in ("poor", "all"):
        subprocess.run([sys.executable, __file__, "--measure", classification], check=True)  # noqa: S603


if __name__ == "__main__":
    main()
