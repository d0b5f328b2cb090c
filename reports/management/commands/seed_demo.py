import time

from django.core.management.base import BaseCommand, CommandError

from provinces.models import AdministrativeUnit
from reports.demo import demo_password, demo_users_create


class Command(BaseCommand):
    help = (
        "Dữ liệu minh hoạ theo số liệu đã công bố (docs/domain.md §12): danh sách hộ được chấm theo chuẩn "
        "và nhập qua đúng quy trình nhập tệp, số hộ của từng xã, mục tiêu, chương trình; tài khoản minh hoạ. "
        "Chạy lại không thay đổi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provinces", help="Chỉ các tỉnh này (mã, cách nhau bởi dấu phẩy), ví dụ 06,42")

    def handle(self, *args, provinces=None, **options):
        if not AdministrativeUnit.objects.exists():
            raise CommandError("Chưa có đơn vị hành chính: chạy `python manage.py load_reference_data` trước.")
        started = time.monotonic()
        users = demo_users_create()
        self.stdout.write("Danh sách rà soát minh hoạ (lần đầu mất khoảng một phút):")
        from households.demo import reviews_demo_create

        reviews_demo_create(provinces=provinces.split(",") if provinces else None, stdout=self.stdout)
        for label, create in self._other_demos():
            self.stdout.write(f"{label}: {create()}")
        from reports.aggregates import recompute_all

        rows = sum(result.rows for result in recompute_all(reason="seed_demo").values())
        self.stdout.write(f"Số liệu tổng hợp (bảng tổng hợp cho trang chủ và API thống kê): {rows} dòng")
        from reports.demo_publications import publications_demo_create

        self.stdout.write(f"Chốt, duyệt và công bố kết quả rà soát: {publications_demo_create()}")
        self.stdout.write(f"Xong sau {time.monotonic() - started:.0f} giây.")
        self.stdout.write(self.style.SUCCESS(f"Tài khoản minh hoạ (mật khẩu chung: {demo_password()}):"))
        for demo in users:
            self.stdout.write(f"  {demo.username:<16} {demo.role.label:<18} {demo.description}")

    def _other_demos(self):
        from programmes.demo import programmes_demo_create
        from programmes.services import poverty_targets_recompute

        demos = [("Chương trình, mục tiêu", programmes_demo_create),
                 ("Tính lại chỉ tiêu giảm nghèo", poverty_targets_recompute)]
        try:
            from budgets.demo import budgets_demo_create
        except ImportError:
            return demos
        return [*demos, ("Ngân sách", budgets_demo_create)]
