from django.core.management.base import BaseCommand, CommandError

from provinces.models import AdministrativeUnit
from reports.demo import demo_password, demo_users_create


class Command(BaseCommand):
    help = "Dữ liệu minh hoạ theo số liệu đã công bố (domain/seed-figures.md) và tài khoản minh hoạ cho mỗi vai trò."

    def handle(self, *args, **options):
        if not AdministrativeUnit.objects.exists():
            raise CommandError("Chưa có đơn vị hành chính: chạy `python manage.py load_reference_data` trước.")
        users = demo_users_create()
        self.stdout.write(self.style.SUCCESS(f"Tài khoản minh hoạ (mật khẩu chung: {demo_password()}):"))
        for demo in users:
            self.stdout.write(f"  {demo.username:<16} {demo.role.label:<18} {demo.description}")
