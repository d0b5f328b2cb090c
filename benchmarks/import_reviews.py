"""Benchmark: a 100,000-row provincial review workbook imported end to end on PostgreSQL, against the floor
(reading the same file with python-calamine plus a COPY of its rows into a temporary table).

Goal (issue 5): the import takes at most 3x the floor, with peak memory under 1.5 GB.

    createdb -h 127.0.0.1 -U postgres bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import DEBUG=1 \
        .venv/bin/python benchmarks/import_reviews.py [--rows 100000] [--workbook /tmp/bench.xlsx] [--year 2024] \
        [--sql] [--profile /tmp/import.prof]

The database is migrated and loaded with reference data first (a fresh or scratch database: the benchmark
adds a province's worth of households to it). The first run on a fresh database creates every household;
a second run with the same --workbook replaces their reviews of the year (earlier benchmark batches of that
content stop counting as duplicates); --year 2024 after a 2023 run imports over households that have history
(transitions recomputed). --sql prints every statement and COMMIT over 0.1 s; --profile writes a cProfile of the import.

What users run (issue 22): --office re-saves the workbook with LibreOffice Calc (`soffice --headless --convert-to
xlsx`, `xls` and `ods`: what offices upload, not XlsxWriter's output) and, for each file, times the users' paths
end to end beside the floor on the same file, in the same run, --runs times (medians printed):
  * the CLI: `manage.py import_reviews <file> --year Y --user so_hatinh` as a process of its own, wall clock,
    Celery eager so the follow-ups (targets, aggregates refresh, search index flush) run inside it; its peak RSS;
  * the upload → worker → committed path (unless --no-worker): a real Celery worker (started here, on
    --broker, default redis://127.0.0.1:6379/4) gets the batch that import_batch_create queues, as the upload page
    does; timed until the batch is committed, and until the aggregates refresh it queued has finished.
soffice comes from Debian's libreoffice-calc-nogui, installed for the benchmark only (never in CI or the Makefile):
    apt-get install -y --no-install-recommends libreoffice-calc-nogui
An .xls holds at most 65,536 rows: LibreOffice keeps the first 65,535 data rows (the floor reads the same file).
--profile-parse writes a cProfile of parse_workbook (reader, extent guard, validation, classification; no
database writes) on each file instead, with the top functions printed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench22 .venv/bin/python benchmarks/import_reviews.py \
        --workbook /tmp/bench22/bench.xlsx --office --runs 3

Besides the total, it prints the follow-up tasks run eagerly on commit (poverty targets, the aggregates refresh,
the search indexes' pending entries merged: a Celery worker's job in production) and the phases: read + validate +
classify (in a thread of its own on PostgreSQL, which also stages each chunk on its own connection), the commit
transaction (which writes each chunk while the parser reads the next), and the rest.

Timing starts from a CHECKPOINT (when the role may issue one). The machine's speed still varies from run to run:
compare medians of several runs, e.g.
    for i in 1 2 3 4 5; do dropdb -h 127.0.0.1 -U postgres --if-exists bench_import; \
        createdb -h 127.0.0.1 -U postgres bench_import; DATABASE_URL=... .venv/bin/python \
        benchmarks/import_reviews.py --workbook /tmp/bench.xlsx | grep -E "floor|alone"; done
"""

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter
from _setup import PROVINCE, STAFF, YEAR, database_ready, province_communes  # sets Django up first
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import DatabaseError, connection
from python_calamine import CalamineWorkbook

from config import followups
from households.importing import parse as parse_module
from households.importing import services as services_module
from households.importing.parse import standard_for_year
from households.importing.services import import_batch_create, import_batch_process, sha256_of
from households.models import Household, ImportBatch
from provinces.selectors import unit_in_force


def workbook(path: Path, rows: int) -> None:
    standard = standard_for_year(YEAR)
    communes = province_communes("code")
    rng = random.Random(7)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Danh sách")
    header = ["Mã hộ", "Họ và tên chủ hộ", "Mã xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
              *[standard.indicator(key).name for key in standard.indicators], "Phân loại", "Dân tộc"]
    sheet.write_row(0, 0, header)
    for i in range(1, rows + 1):
        deprived = rng.randint(0, 6)
        sheet.write_row(i, 0, [
            f"BENCH{i:08d}", f"Nguyễn Văn {i}", rng.choice(communes), rng.randint(1, 7),
            rng.randrange(300_000, 2_500_000, 1000), *([1] * deprived + [0] * (len(standard.indicators) - deprived)),
            "Hộ nghèo", "Kinh",
        ])
    book.close()


def floor(path: Path) -> float:
    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    width = len(rows[0])
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_floor ({', '.join(f'c{i} text' for i in range(width))})")
        with cursor.cursor.copy(f"COPY bench_floor FROM STDIN") as copy:  # noqa: F541
            for row in rows[1:]:
                copy.write_row([str(value) for value in row])
        cursor.execute("DROP TABLE bench_floor")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workbook", type=Path, help="reuse this workbook (written there first if missing)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the import to this file")
    parser.add_argument("--year", type=int, default=YEAR,
                        help="review year imported (a later year than an earlier run: every household has history)")
    parser.add_argument("--sql", action="store_true", help="print every statement of the import over 0.1 s")
    parser.add_argument("--office", action="store_true",
                        help="also LibreOffice-saved copies; time the CLI and upload → worker paths (issue 22)")
    parser.add_argument("--formats", default="xlsxwriter,lo-xlsx,lo-xls,lo-ods",
                        help="with --office: which files (xlsxwriter = the workbook as written here)")
    parser.add_argument("--runs", type=int, default=3, help="with --office: runs per file (medians printed)")
    parser.add_argument("--no-worker", action="store_true", help="with --office: skip the upload → worker path")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/4", help="with --office: the worker's broker")
    parser.add_argument("--profile-parse", type=Path, metavar="FOLDER",
                        help="with --office: cProfile parse_workbook on each file instead of timing the paths")
    parser.add_argument("--upload-once", type=Path, help=argparse.SUPPRESS)  # the worker path's uploader process
    args = parser.parse_args()
    if args.upload_once:
        _upload_once(args.upload_once, year=args.year)
        return
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL.")
    database_ready()
    staff = get_user_model().objects.get(username=STAFF)
    assert unit_in_force(code=PROVINCE, year=args.year)
    with tempfile.TemporaryDirectory() as folder:
        path = args.workbook or Path(folder) / f"bench-{args.rows}.xlsx"
        if path.exists():
            # A rerun on the same content: the earlier benchmark batches stop counting as duplicates (scratch DB).
            ImportBatch.objects.filter(sha256=sha256_of(path)).update(sha256="rerun")
        else:
            started = time.perf_counter()
            workbook(path, args.rows)
            print(f"workbook: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, written in "
                  f"{time.perf_counter() - started:.1f} s")
        known = Household.objects.filter(code__startswith="BENCH").count()
        print(f"households of the workbook already in the registry: {known:,}")
        if args.office:
            _users_paths(args, path)
            return
        _checkpoint()
        floor_seconds = floor(path)
        print(f"floor (calamine read + COPY into a temp table): {floor_seconds:.2f} s")
        profiler = cProfile.Profile() if args.profile else None
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        with path.open("rb") as handle:
            batch = import_batch_create(uploaded_file=File(handle, name=path.name), year=args.year, acting_user=staff,
                                        original_name=f"{time.time()}-{path.name}", enqueue=False)
        with (connection.execute_wrapper(_slow_statements if args.sql else _passthrough),
              _timed_commits(show=args.sql), _timed_follow_ups() as after,
              _timed(parse_module, "parse_workbook") as parse_seconds,
              _timed(services_module, "reviews_commit") as commit_seconds,
              _timed(services_module, "reviews_commit_streamed") as streamed_seconds):
            batch = import_batch_process(batch_id=batch.pk)
        import_seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        print(f"import CPU time in this process: {time.process_time() - cpu_started:.2f} s")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"import end to end: {import_seconds:.2f} s, status {batch.status}, rows {batch.rows:,}, "
              f"created {batch.created:,}, updated {batch.updated:,}")
        print(f"ratio to floor: {import_seconds / floor_seconds:.1f}x (goal <= 3x); peak RSS {peak_mb:.0f} MB "
              f"(goal < 1500 MB)")
        print(f"  of which follow-up tasks run eagerly on commit (targets + aggregates refresh; a worker's job in "
              f"production): {after[0]:.2f} s; import alone {import_seconds - after[0]:.2f} s = "
              f"{(import_seconds - after[0]) / floor_seconds:.1f}x")
        if streamed_seconds[0]:
            # PostgreSQL: the parser runs in a thread while the commit writes its chunks, so the two overlap.
            print(f"  phases (overlapping): read + validate + classify + stage {parse_seconds[0]:.2f} s in the parse "
                  "thread; "
                  f"the commit transaction, from the unit lock to COMMIT, {streamed_seconds[0] - after[0]:.2f} s; "
                  f"the rest (store the file, hash, status) {import_seconds - streamed_seconds[0]:.2f} s")
        else:
            print(f"  phases: read + validate + classify {parse_seconds[0]:.2f} s; commit (statements and COMMIT) "
                  f"{commit_seconds[0] - after[0]:.2f} s; the rest (store the file, hash, status) "
                  f"{import_seconds - parse_seconds[0] - commit_seconds[0]:.2f} s")


# What users run (issue 22) ----------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
OFFICE_FORMATS = ("xlsx", "xls", "ods")


def office_copies(path: Path, formats: list[str]) -> dict[str, Path]:
    """The workbook as written here and as re-saved by LibreOffice Calc, by label; converted once, kept beside it."""
    files = {"xlsxwriter": path}
    wanted = [label.removeprefix("lo-") for label in formats if label.startswith("lo-")]
    soffice = shutil.which("soffice")
    if wanted and soffice is None:
        sys.exit("soffice not found: install LibreOffice Calc for the benchmark only (not in CI or the Makefile):\n"
                 "    apt-get install -y --no-install-recommends libreoffice-calc-nogui")
    for kind in wanted:
        target = path.with_name(f"{path.stem}-lo.{kind}")
        if not target.exists():
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as folder:
                command = [soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                           "--convert-to", kind, "--outdir", folder, str(path)]
                subprocess.run(command, check=True, capture_output=True, timeout=1800)  # noqa: S603
                shutil.move(Path(folder) / f"{path.stem}.{kind}", target)
            print(f"LibreOffice re-saved {path.name} as {target.name} ({target.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - started:.0f} s")
        files[f"lo-{kind}"] = target
    return {label: files[label] for label in formats}


def floor_of(path: Path) -> float:
    """calamine read + COPY of the same rows (any of xlsx, xls, ods), on this process's connection."""
    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    width = max(map(len, rows))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_floor ({', '.join(f'c{i} text' for i in range(width))})")
        with cursor.cursor.copy("COPY bench_floor FROM STDIN") as copy:
            for row in rows[1:]:
                copy.write_row([str(value) for value in row] + [None] * (width - len(row)))
        cursor.execute("DROP TABLE bench_floor")
    return time.perf_counter() - started


def _child_env(*, broker: str | None) -> dict:
    env = dict(os.environ)
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        env.pop(name, None)
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


def _run_measured(command: list[str], *, env: dict) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, output) of a child process; its CPU seconds (user + system: the database's
    are not counted) in _run_measured.cpu, which varies less than the wall clock on a busy machine."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
    output = process.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    _run_measured.cpu = usage.ru_utime + usage.ru_stime
    if process.returncode:
        print(output[-3000:])
    return wall, usage.ru_maxrss / 1024, output


def _forget_earlier(path: Path) -> None:
    """Earlier benchmark batches of this content stop counting as duplicates (a scratch database)."""
    ImportBatch.objects.filter(sha256=sha256_of(path)).update(sha256="rerun")


def _upload_once(path: Path, *, year: int) -> None:
    """The upload page's service call in a process whose Celery goes to the broker: the worker runs the batch.
    Prints JSON: seconds to committed, and to the end of the aggregates refresh the commit queued."""
    from reports.models import AggregateRun

    staff = get_user_model().objects.get(username=STAFF)
    last_run = AggregateRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = import_batch_create(uploaded_file=File(handle, name=path.name), year=year, acting_user=staff,
                                    original_name=path.name)
    while (status := ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).get()) in (
            ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING):
        time.sleep(0.05)
    committed = time.perf_counter() - started
    follow_ups = None
    if status == ImportBatch.Status.COMMITTED:
        while time.perf_counter() - started < 600:
            if AggregateRun.objects.filter(pk__gt=last_run, finished_at__isnull=False).exists():
                follow_ups = time.perf_counter() - started
                break
            time.sleep(0.05)
    print(json.dumps({"status": status, "committed": committed, "follow_ups": follow_ups,
                      "rows": ImportBatch.objects.get(pk=batch.pk).rows}))


def _median(values: list[float]) -> str:
    values = [value for value in values if value is not None]
    return f"{statistics.median(values):.2f}" if values else "—"


def _users_paths(args, workbook_path: Path) -> None:
    files = office_copies(workbook_path, [label.strip() for label in args.formats.split(",") if label.strip()])
    if args.profile_parse:
        _profile_parses(files, folder=args.profile_parse, year=args.year)
        return
    python = sys.executable
    worker = None
    if not args.no_worker:
        worker = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            [python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "warning",
             "--without-gossip", "--without-mingle"],
            env=_child_env(broker=args.broker), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(5)
    results: dict[str, dict[str, list]] = {}
    try:
        for run in range(1, args.runs + 1):
            for label, path in files.items():
                figures = results.setdefault(label, {"floor": [], "cli": [], "rss": [], "committed": [],
                                                     "follow_ups": []})
                _checkpoint()
                figures["floor"].append(floor_of(path))
                _forget_earlier(path)
                wall, rss, output = _run_measured(
                    [python, "manage.py", "import_reviews", str(path), "--year", str(args.year), "--user",
                     "so_hatinh"], env=_child_env(broker=None))
                figures["cli"].append(wall)
                figures["rss"].append(rss)
                figures.setdefault("cpu", []).append(_run_measured.cpu)
                line = (f"run {run} {label}: floor {figures['floor'][-1]:.2f} s, CLI {wall:.2f} s ({rss:.0f} MB, "
                        f"{_run_measured.cpu:.2f} s CPU in the CLI process)")
                if worker is not None:
                    _forget_earlier(path)
                    _checkpoint()
                    _wall, _rss, output = _run_measured(
                        [python, str(Path(__file__).resolve()), "--upload-once", str(path), "--year", str(args.year)],
                        env=_child_env(broker=args.broker))
                    outcome = json.loads(output.strip().splitlines()[-1])
                    figures["committed"].append(outcome["committed"])
                    figures["follow_ups"].append(outcome["follow_ups"])
                    line += (f", upload → worker → {outcome['status']} {outcome['committed']:.2f} s "
                             f"(follow-ups done {outcome['follow_ups'] or 0:.2f} s)")
                print(line, flush=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    print(f"\nmedians of {args.runs} runs (on a fresh database the first import creates the households; every "
          "later one replaces their reviews):")
    print(f"{'file':12} {'rows':>8} {'MB':>5} {'floor s':>8} {'CLI s':>7} {'CLI/floor':>9} {'CLI MB':>7} "
          f"{'worker s':>9} {'+follow-ups s':>14} {'worker/floor':>12}")
    for label, figures in results.items():
        path = files[label]
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).height - 1
        floor_median = statistics.median(figures["floor"])
        committed = [value for value in figures["committed"] if value is not None]
        worker_ratio = f"{statistics.median(committed) / floor_median:.1f}x" if committed else "—"
        print(f"{label:12} {rows:8,} {path.stat().st_size / 1e6:5.1f} {floor_median:8.2f} "
              f"{_median(figures['cli']):>7} {statistics.median(figures['cli']) / floor_median:8.1f}x "
              f"{max(figures['rss']):7.0f} {_median(figures['committed']):>9} {_median(figures['follow_ups']):>14} "
              f"{worker_ratio:>12}")
        # Each run's CLI beside the floor measured just before it: steadier than the ratio of the medians when the
        # machine's load changes between runs.
        ratios = [cli / floor for cli, floor in zip(figures["cli"], figures["floor"], strict=True)]
        print(f"{'':12} median of the runs' own CLI/floor {statistics.median(ratios):.1f}x; CPU of the CLI process "
              f"{_median(figures['cpu'])} s (median)")
    print("goal: CLI wall ≤ 3x the floor on the LibreOffice-saved xlsx, peak memory < 1500 MB")


def _profile_parses(files: dict[str, Path], *, folder: Path, year: int) -> None:
    """cProfile of parse_workbook on each file (read, extent guard, validate, classify; no writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    context = parse_module.parse_context(year=year, unit=None)
    for label, path in files.items():
        profiler = cProfile.Profile()
        started = time.perf_counter()
        with parse_module.gc_paused():
            profiler.enable()
            rows, problems, _warnings = parse_module.parse_workbook(path=path, year=year, unit=None,
                                                                       context=context)
            profiler.disable()
        elapsed = time.perf_counter() - started
        target = folder / f"parse-{label}.prof"
        profiler.dump_stats(target)
        print(f"\n{label}: parse_workbook {elapsed:.2f} s under the profiler, {len(rows):,} rows, "
              f"{len(problems)} problems; {target}")
        pstats.Stats(str(target)).sort_stats("tottime").print_stats(12)


# The tables an import writes: vacuumed between runs, as autovacuum does on a live server between two imports.
VACUUMED = ("households_household", "households_householdreview", "households_importreplacedreview",
            "households_importhouseholdsnapshot")


def _checkpoint() -> None:
    """Start from vacuumed tables and a checkpoint. Autovacuum is off on this kind of machine: without the VACUUM,
    every replace run left 100,000 dead reviews whose entries the next run's unique checks visit again (a run
    slower than the one before it). The checkpoint, so that one forced by the WAL of the setup (or of a previous run)
    does not land in the middle of the floor or the import (on this kind of machine, 100,000-row imports took
    4.2-4.9 s with it and 4.2-5.7 s without)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(VACUUMED)}")
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:  # (needs a superuser or pg_checkpoint)
        print(f"no CHECKPOINT before timing ({error.__class__.__name__}): expect more spread between runs")


def _passthrough(execute, sql, params, many, context):
    return execute(sql, params, many, context)


def _slow_statements(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed = time.perf_counter() - started
        if elapsed > 0.1:
            print(f"  {elapsed:6.2f} s  {' '.join(sql.split())[:150]}")


@contextlib.contextmanager
def _timed_commits(*, show: bool):
    """Print each COMMIT over 0.1 s (PostgreSQL runs the deferred foreign-key checks there)."""
    if not show:
        yield
        return
    original = connection._commit

    def timed():
        started = time.perf_counter()
        try:
            return original()
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > 0.1:
                print(f"  {elapsed:6.2f} s  COMMIT")

    connection._commit = timed
    try:
        yield
    finally:
        del connection._commit


@contextlib.contextmanager
def _timed(module, name: str):
    """Time module.name (looked up by name at call time) apart."""
    spent = [0.0]
    original = getattr(module, name)

    def timed(**kwargs):
        started = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    setattr(module, name, timed)
    try:
        yield spent
    finally:
        setattr(module, name, original)


@contextlib.contextmanager
def _timed_follow_ups():
    """Time the follow-up tasks queued by name on commit (config.followups.after_commit; run eagerly here) apart from
    the import."""
    spent = [0.0]
    original = followups.task_named

    class Timed:
        def __init__(self, task):
            self.task = task

        def delay(self, **kwargs):
            started = time.perf_counter()
            try:
                return self.task.delay(**kwargs)
            finally:
                spent[0] += time.perf_counter() - started

    followups.task_named = lambda name: Timed(original(name))
    try:
        yield spent
    finally:
        followups.task_named = original


if __name__ == "__main__":
    main()
