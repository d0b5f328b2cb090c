"""Benchmark (issue 18): the two hostile uploads, through the same path as a user's, each step's wall time and peak
memory measured in a process of its own.

    .venv/bin/python benchmarks/hostile_uploads.py [--rows 175000] [--columns 100] [--csv-rows 3000000] [--keep DIR]

Nothing is committed: both files are generated at run time. Without DATABASE_URL a scratch SQLite database and
media folder are made in a temporary folder; with it (PostgreSQL: a scratch database, e.g.
`createdb -h 127.0.0.1 -U postgres bench_hostile`), that database is migrated and loaded with reference data.

1. A 175,000 × 100 workbook (inside every limit: under IMPORT_MAX_FILE_BYTES and IMPORT_MAX_ROWS) whose rows each
   have two errors (a commune outside the uploader's province, an income that is not a number): 350,000 errors.
2. A 3-million-row CSV, refused for its rows (over IMPORT_MAX_ROWS).

For each: the upload (import_batch_create, as the web form and the API call it), the worker's task
(import_batch_process, then import_batch_annotate: the annotated copy, built once), then the requests a user
makes, through Django's test Client and the whole middleware stack: the API detail, the API list, a page of the
errors through the API, the import page, and the annotated download (streamed from its file); last, the download
of a batch finished before the copy was kept on it (built in that request, within the cap); then /healthz asked
every 50 ms while a worker process imports the file again. The parse itself
(calamine materialising the whole sheet, then the rows read) is measured apart.

Each step runs in a forked child: its peak RSS (ru_maxrss) includes what it inherited from the parent at the fork,
printed as the baseline. Goal: every step under 1,500 MB, each request in seconds.
"""

import argparse
import csv
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
SCRATCH = None
if not os.environ.get("DATABASE_URL"):
    SCRATCH = tempfile.TemporaryDirectory(prefix="hostile-")
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH.name}/db.sqlite3"
    os.environ.setdefault("MEDIA_ROOT", f"{SCRATCH.name}/media")

import django  # noqa: E402

django.setup()

import xlsxwriter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from households.importing.annotate import import_batch_annotate  # noqa: E402
from households.importing.parse import standard_for_year  # noqa: E402
from households.importing.services import import_batch_create, import_batch_process  # noqa: E402
from households.models import ImportBatch  # noqa: E402
from reports.demo import demo_users_create  # noqa: E402
from spreadsheets.reader import open_table  # noqa: E402

YEAR = 2023
USER = "so_hatinh"  # provincial staff of Hà Tĩnh; the rows name a commune elsewhere
CEILING_MB = 1500


def header(columns: int) -> list[str]:
    standard = standard_for_year(YEAR)
    known = ["Mã hộ", "Họ và tên chủ hộ", "Mã xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
             *[standard.indicator(key).name for key in standard.indicators], "Phân loại"]
    return known + [f"Ghi chú {number}" for number in range(1, columns - len(known) + 1)]


def bad_row(number: int, width: int, rng: random.Random) -> list:
    """Two errors: commune 02146 (Na Rì, Bắc Kạn) is outside Hà Tĩnh, and the income is not a number."""
    known = [f"HX{number:07d}", f"Nguyễn Văn {number}", "02146", 4, "nhiều", *([0] * 12), "Hộ nghèo"]
    return known + [rng.randrange(2) for _ in range(width - len(known))]


def workbook_write(path: Path, rows: int, columns: int) -> None:
    rng = random.Random(18)
    titles = header(columns)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Danh sách")
    sheet.write_row(0, 0, titles)
    for number in range(1, rows + 1):
        sheet.write_row(number, 0, bad_row(number, len(titles), rng))
    book.close()


def csv_write(path: Path, rows: int) -> None:
    """The review header, then rows of a household code alone: 8 bytes a row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header(0))
        writer.writerows([f"H{number:06d}"] for number in range(rows))


def in_child(label: str, function, *args):
    """Run function(*args) in a forked child; print its wall time and peak RSS; return what it returns."""
    connections.close_all()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reader, writer = multiprocessing.Pipe(duplex=False)

    def run():
        started = time.perf_counter()
        try:
            result, error = function(*args), None
        except BaseException as failure:  # reported by the parent
            result, error = None, f"{failure.__class__.__name__}: {failure}"
        connections.close_all()
        writer.send((time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                     result, error))

    process = multiprocessing.get_context("fork").Process(target=run)
    process.start()
    seconds, peak, result, error = reader.recv()
    process.join()
    verdict = "ok" if peak < CEILING_MB and error is None else "OVER" if error is None else "FAILED"
    print(f"  {label:<58} {seconds:8.2f} s  peak RSS {peak:7.0f} MB (fork baseline {baseline:4.0f} MB)  "
          f"{verdict}{'' if result is None else f'  {result}'}{'' if error is None else f'  {error}'}", flush=True)
    return result


def parse_alone(path: Path) -> str:
    """calamine: the whole sheet materialised by get_sheet_by_name, then the rows read as the importer does."""
    table = open_table(path)
    materialised = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    count = sum(1 for _row in table.rows)
    return f"{count:,} rows; peak once the sheet was loaded {materialised:.0f} MB"


def upload(path: Path) -> int:
    user = get_user_model().objects.get(username=USER)
    with path.open("rb") as handle:
        batch = import_batch_create(uploaded_file=File(handle, name=path.name), year=YEAR, acting_user=user,
                                    original_name=f"{time.time()}-{path.name}", enqueue=False)
    return batch.pk


def process(batch_id: int) -> str:
    batch = import_batch_process(batch_id=batch_id)
    return f"{batch.status}, rows {batch.rows:,}, errors {batch.error_count:,}"


def annotate(batch_id: int) -> str:
    batch = import_batch_annotate(batch=ImportBatch.objects.get(pk=batch_id))
    return f"{batch.annotated.size / 1e6:.1f} MB"


def get(url: str) -> str:
    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username=USER))
    response = client.get(url)
    size = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
    return f"HTTP {response.status_code}, {size / 1e6:.2f} MB"


def requests(batch_id: int) -> None:
    in_child("GET /api/v1/imports/{id}/", get, f"/api/v1/imports/{batch_id}/")
    in_child("GET /api/v1/imports/", get, "/api/v1/imports/")
    in_child("GET /api/v1/imports/{id}/errors/?page=1000", get, f"/api/v1/imports/{batch_id}/errors/?page=1000")
    in_child("GET /imports/{id}/ (the import page)", get, f"/imports/{batch_id}/")
    in_child("GET /imports/{id}/?page=3000", get, f"/imports/{batch_id}/?page=3000")
    in_child("GET /imports/{id}/annotated.xlsx (the worker's file)", get, f"/imports/{batch_id}/annotated.xlsx")
    ImportBatch.objects.filter(pk=batch_id).update(annotated="")
    in_child("GET /imports/{id}/annotated.xlsx (no file yet: built here)", get, f"/imports/{batch_id}/annotated.xlsx")


def healthz_while_the_worker_runs(batch_id: int) -> None:
    """The worker's import in a forked child (as a Celery worker process is) while this process answers /healthz
    every 50 ms through the whole middleware stack: the latency a load balancer sees meanwhile."""
    connections.close_all()
    worker = multiprocessing.get_context("fork").Process(target=lambda: (process(batch_id), connections.close_all()))
    client = Client(HTTP_HOST="localhost")  # an allowed host without setup_test_environment in this process
    client.get("/healthz")  # warm: URLconf, middleware and the database connection are set up by the first call
    started = time.perf_counter()
    worker.start()
    latencies = []
    while worker.is_alive():
        clock = time.perf_counter()
        status = client.get("/healthz").status_code
        latencies.append((time.perf_counter() - clock) * 1000)
        assert status == 200, status
        time.sleep(0.05)
    worker.join()
    latencies.sort()
    print(f"  {'GET /healthz every 50 ms while the worker imports':<58} {time.perf_counter() - started:8.2f} s  "
          f"{len(latencies)} answers, median {latencies[len(latencies) // 2]:.0f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95)]:.0f} ms, max {latencies[-1]:.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=175_000)
    parser.add_argument("--columns", type=int, default=100)
    parser.add_argument("--csv-rows", type=int, default=3_000_000)
    parser.add_argument("--keep", type=Path, help="write (or reuse) the two files in this folder")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    demo_users_create()
    with tempfile.TemporaryDirectory() as folder:
        folder = args.keep or Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        xlsx, text = folder / f"hostile-{args.rows}x{args.columns}.xlsx", folder / f"hostile-{args.csv_rows}.csv"
        print(f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; ceiling {CEILING_MB} MB; "
              f"IMPORT_MAX_FILE_BYTES {settings.IMPORT_MAX_FILE_BYTES / 2**20:.0f} MB, IMPORT_MAX_ROWS "
              f"{settings.IMPORT_MAX_ROWS:,}, IMPORT_ANNOTATED_MAX_ROWS {settings.IMPORT_ANNOTATED_MAX_ROWS:,}")
        if not xlsx.exists():
            in_child("write the workbook (XlsxWriter, constant_memory)", workbook_write, xlsx, args.rows, args.columns)
        if not text.exists():
            in_child("write the CSV", csv_write, text, args.csv_rows)
        for path in (xlsx, text):
            print(f"\n{path.name}: {path.stat().st_size / 1e6:.1f} MB")
            ImportBatch.objects.filter(original_name__endswith=path.name).update(sha256="rerun")
            in_child("parse alone (open_table + every row)", parse_alone, path)
            batch_id = in_child("upload (import_batch_create)", upload, path)
            in_child("worker: import_batch_process", process, batch_id)
            in_child("worker: import_batch_annotate (the annotated copy)", annotate, batch_id)
            requests(batch_id)
            ImportBatch.objects.filter(original_name__endswith=path.name).update(sha256="rerun")
            healthz_while_the_worker_runs(in_child("upload again (import_batch_create)", upload, path))


if __name__ == "__main__":
    main()
