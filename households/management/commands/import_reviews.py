from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from households.importing.parse import parse_workbook
from households.importing.services import import_batch_create, import_batch_process, import_unit_of
from households.models import ImportBatch
from spreadsheets.cli import add_import_options, import_source


class Command(BaseCommand):
    help = (
        "Nhập một tệp danh sách rà soát qua đúng quy trình của trang tải lên (chạy đồng bộ). "
        "Thoát 0 khi đã ghi, 1 khi bị từ chối (in đường dẫn báo cáo lỗi)."
    )
    # The system checks (URL patterns, templates, every model) are the server's and `manage.py check`'s business:
    # skipped here, they cost a third of a second of every run.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--year", type=int, required=True)
        add_import_options(parser)

    def handle(self, *args, path, year, user, dry_run, **options):
        source, acting_user = import_source(path, user)
        try:
            if dry_run:
                return self._dry_run(source, year, acting_user)
            with source.open("rb") as handle:
                batch = import_batch_create(
                    uploaded_file=File(handle, name=source.name), year=year, acting_user=acting_user,
                    original_name=source.name, enqueue=False,
                )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        batch = import_batch_process(batch_id=batch.pk)
        self.stdout.write(
            f"Lần nhập số {batch.pk}: đọc {batch.rows} dòng, thêm mới {batch.created}, cập nhật {batch.updated}, "
            f"lỗi {batch.rejected}, cảnh báo {batch.warnings}."
        )
        if batch.status != ImportBatch.Status.COMMITTED:
            report = self._report(batch)
            self.stderr.write(f"Bị từ chối: {batch.rejected_reason}")
            self.stderr.write(f"Báo cáo lỗi: {report}")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Đã ghi vào hệ thống."))
        return None

    def _dry_run(self, source: Path, year: int, acting_user) -> None:
        rows, problems, warnings = parse_workbook(path=source, year=year, unit=import_unit_of(acting_user))
        self.stdout.write(
            f"Kiểm tra (không ghi): đọc {len(rows) + len({p.row for p in problems})} dòng, hợp lệ {len(rows)}, "
            f"lỗi {len({p.row for p in problems})}, cảnh báo {len(warnings)}."
        )
        for problem in problems[:50]:
            self.stderr.write(f"  dòng {problem.row} [{problem.column}] {problem.message}")
        if problems:
            raise SystemExit(1)

    def _report(self, batch: ImportBatch) -> Path:
        from households.importing.annotate import annotated_workbook  # openpyxl: only for a rejected file

        folder = Path(settings.VAR_DIR) / "import-reports"
        folder.mkdir(parents=True, exist_ok=True)
        report = folder / f"import-{batch.pk}-loi.xlsx"
        annotated_workbook(batch=batch, target=report)  # the error list alone over IMPORT_ANNOTATED_MAX_ROWS
        return report
