from django.core.management.base import BaseCommand, CommandError

from programmes.services import poverty_targets_recompute
from provinces.selectors import unit_in_force


class Command(BaseCommand):
    help = (
        "Tính lại tỷ lệ đầu kỳ, số hộ cần thoát nghèo, tỷ lệ thực hiện và tình trạng của các chỉ tiêu giảm nghèo "
        "(cùng việc mà Celery beat chạy hằng đêm)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="Mã đơn vị (cùng các đơn vị cấp trên và trực thuộc).")
        parser.add_argument("--year", type=int, help="Năm (chỉ tiêu của năm đó và năm sau).")

    def handle(self, *args, unit=None, year=None, **options):
        target_unit = None
        if unit:
            if not year:
                raise CommandError("Cần --year khi có --unit (mã đơn vị chỉ đơn vị có hiệu lực vào cuối năm đó).")
            target_unit = unit_in_force(code=unit, year=year)
            if target_unit is None:
                raise CommandError(f"Không có đơn vị mã {unit} có hiệu lực vào cuối năm {year}.")
        count = poverty_targets_recompute(unit=target_unit, year=year)
        self.stdout.write(self.style.SUCCESS(f"Đã tính lại {count} chỉ tiêu."))
