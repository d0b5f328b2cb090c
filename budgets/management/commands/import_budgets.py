"""`manage.py import_budgets PATH --kind allocations|disbursements [--user USERNAME] [--dry-run]` (docs/contracts.md):
a budget spreadsheet through the same job path as the upload page, run in this process."""

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from budgets.importing.pipeline import budget_import_check, budget_import_create, budget_import_process
from budgets.models import BudgetImport
from config.errors import ApplicationError
from spreadsheets.cli import add_import_options, import_source

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Nhập một bảng tính kế hoạch vốn hoặc giải ngân qua đúng quy trình của trang tải lên (chạy đồng bộ). "
        "Thoát 0 khi đã ghi, 1 khi bị từ chối (in các lỗi)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--kind", required=True, choices=BudgetImport.Kind.values,
                            help="allocations: kế hoạch vốn; disbursements: giải ngân")
        add_import_options(parser)

    def handle(self, *args, path, kind, user, dry_run, **options):
        source, acting_user = import_source(path, user)
        if dry_run:
            rows, problems = budget_import_check(path=source, kind=kind, acting_user=acting_user)
            self.stdout.write(f"Kiểm tra (không ghi): đọc {rows} dòng, lỗi {len({p['row'] for p in problems})} dòng.")
            self._problems(problems, len(problems))
            if problems:
                raise SystemExit(1)
            return
        try:
            with source.open("rb") as handle:
                job = budget_import_create(acting_user=acting_user, file=File(handle, name=source.name), kind=kind,
                                           file_name=source.name, enqueue=False)
        except (ApplicationError, PermissionDenied) as error:
            raise CommandError(getattr(error, "message", None) or str(error)) from error
        job = budget_import_process(job_id=job.pk)
        self.stdout.write(
            f"Lần nhập số {job.pk}: đọc {job.rows} dòng, ghi {job.created}, cập nhật {job.updated} dòng kế hoạch "
            f"vốn, lỗi {job.rows_rejected} dòng."
        )
        if job.status != BudgetImport.Status.COMMITTED:
            self.stderr.write(f"Bị từ chối: {job.error_count} lỗi, không có số liệu nào được ghi.")
            self._problems(job.errors, job.error_count)
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Đã ghi vào hệ thống."))

    def _problems(self, problems: list[dict], count: int) -> None:
        for problem in problems[:SHOWN]:
            column = f" [{problem['column']}]" if problem["column"] else ""
            self.stderr.write(f"  dòng {problem['row']}{column} {problem['message']}")
        if count > SHOWN:
            self.stderr.write(f"  … và {count - SHOWN} lỗi khác.")
