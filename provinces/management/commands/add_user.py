import getpass
import os

from django.contrib.auth.password_validation import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.errors import ApplicationError
from provinces.models import Role
from provinces.services import user_upsert


class Command(BaseCommand):
    help = "Tạo hoặc cập nhật người dùng gắn với một đơn vị hành chính; in ra API token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", required=True, help="Mã đơn vị (GSO): 2, 3 hoặc 5 chữ số")
        parser.add_argument("--year", type=int, default=None, help="Năm để hiểu mã đơn vị (mặc định: năm nay)")

    def handle(self, *args, username, role, unit, year, **options):
        year = year or timezone.localdate().year
        password = os.environ.get("NEW_USER_PASSWORD")
        if not password:
            if not os.isatty(0):
                raise CommandError("Đặt NEW_USER_PASSWORD hoặc chạy lệnh trong terminal để nhập mật khẩu.")
            password = getpass.getpass("Mật khẩu: ")
        try:
            user, created, token = user_upsert(
                username=username, role=role, unit_code=unit.strip(), year=year, password=password
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        verb = "Đã tạo" if created else "Đã cập nhật"
        profile = user.profile
        self.stdout.write(f"{verb} {user.username}: {profile.get_role_display()}, {profile.unit}")
        self.stdout.write(f"API token: {token}")
