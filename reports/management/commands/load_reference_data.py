"""`manage.py load_reference_data`: every app's reference data. It lives in `reports`, the highest app, because it
calls the loaders of provinces, households and programmes (an app never imports the apps above it)."""

import time

from django.core.management.base import BaseCommand

from households.services import standards_load
from programmes.services import programme_structure_load
from provinces.services import domain_flags_load, roles_ensure, units_reference_load


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu tham chiếu (chạy lại nhiều lần vẫn an toàn): đơn vị hành chính trước và sau 01/7/2025, "
        "chuẩn nghèo, cơ cấu chương trình, vai trò."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        roles_ensure()
        units = units_reference_load()
        self.stdout.write(
            f"Đơn vị hành chính: {units.created} thêm mới, {units.updated} cập nhật; "
            f"liên kết sáp nhập: {units.links_created} thêm mới, {units.links_updated} cập nhật."
        )
        self.stdout.write(f"Huyện nghèo, xã bãi ngang 2021–2025 (QĐ 353/QĐ-TTg): {domain_flags_load()}")
        for label, loader in self._other_loaders():
            self.stdout.write(f"{label}: {loader()}")
        self.stdout.write(self.style.SUCCESS(f"Xong sau {time.monotonic() - started:.1f} giây."))

    def _other_loaders(self):
        """Each app's reference data, as the app provides it."""
        return [("Chuẩn nghèo", standards_load), ("Cơ cấu chương trình", programme_structure_load)]
