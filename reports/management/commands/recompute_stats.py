import time

from django.core.management.base import BaseCommand, CommandError

from provinces.selectors import unit_in_force
from reports import aggregates


class Command(BaseCommand):
    help = (
        "Tính lại các bảng số liệu tổng hợp (rà soát hộ nghèo, giải ngân) từ dữ liệu gốc: toàn bộ, một năm "
        "(--year) hoặc một đơn vị trong một năm (--unit MÃ --year NĂM). Chạy lại cho cùng kết quả."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Năm rà soát / năm kế hoạch")
        parser.add_argument("--unit", help="Mã đơn vị (có hiệu lực cuối năm --year); cần --year")

    def handle(self, *args, year=None, unit=None, **options):
        started = time.monotonic()
        target = None
        if unit:
            if year is None:
                raise CommandError("--unit cần đi kèm --year.")
            target = unit_in_force(code=unit, year=year)
            if target is None:
                raise CommandError(f"Không có đơn vị mã {unit} có hiệu lực cuối năm {year}.")
        reason = "manage.py recompute_stats"
        results = {
            "poverty": aggregates.poverty_recompute(unit=target, year=year, reason=reason),
            "disbursement": aggregates.disbursement_recompute(unit=target, year=year, reason=reason),
        }
        for name, result in results.items():
            self.stdout.write(
                f"{name}: {result.rows} dòng ghi, {result.deleted} dòng xoá, {result.seconds:.2f} giây"
            )
        self.stdout.write(self.style.SUCCESS(f"Xong sau {time.monotonic() - started:.2f} giây."))
