from django.core.management.base import BaseCommand, CommandError

from budgets.demo import budgets_demo_create
from provinces.models import AdministrativeUnit


class Command(BaseCommand):
    help = "Ngân sách minh hoạ của bốn tỉnh theo số liệu đã công bố (chạy lại không nhân đôi)."

    def handle(self, *args, **options):
        if not AdministrativeUnit.objects.exists():
            raise CommandError("Chưa có đơn vị hành chính: chạy `python manage.py load_reference_data` trước.")
        self.stdout.write(self.style.SUCCESS(str(budgets_demo_create())))
