"""Demo users, one per role, scoped to the four provinces of docs/domain.md §12."""

import os
from dataclasses import dataclass

from provinces.models import Role
from provinces.services import user_upsert

DEFAULT_DEMO_PASSWORD = "giamngheo-demo-2026"  # noqa: S105 - printed on screen, for the demo only


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    unit_code: str
    year: int
    description: str


DEMO_USERS = [
    DemoUser("canbo_nari", Role.DISTRICT_OFFICER, "066", 2024, "Cán bộ huyện Na Rì (Bắc Kạn)"),
    DemoUser("canbo_babe", Role.DISTRICT_OFFICER, "061", 2024, "Cán bộ huyện Ba Bể (Bắc Kạn)"),
    DemoUser("so_backan", Role.PROVINCIAL_STAFF, "06", 2024, "Chuyên viên Sở LĐ-TB&XH Bắc Kạn"),
    DemoUser("lanhdao_backan", Role.LEADERSHIP, "06", 2024, "Lãnh đạo UBND tỉnh Bắc Kạn"),
    DemoUser("so_langson", Role.PROVINCIAL_STAFF, "20", 2024, "Chuyên viên Sở LĐ-TB&XH Lạng Sơn"),
    DemoUser("lanhdao_langson", Role.LEADERSHIP, "20", 2024, "Lãnh đạo UBND tỉnh Lạng Sơn"),
    DemoUser("so_hatinh", Role.PROVINCIAL_STAFF, "42", 2024, "Chuyên viên Sở LĐ-TB&XH Hà Tĩnh"),
    DemoUser("so_thainguyen", Role.PROVINCIAL_STAFF, "19", 2024, "Chuyên viên Sở LĐ-TB&XH Thái Nguyên"),
    DemoUser("so_thainguyen_2026", Role.PROVINCIAL_STAFF, "19", 2026,
             "Chuyên viên Sở Thái Nguyên hiện nay (gồm Bắc Kạn cũ): kỳ rà soát 2026"),
    DemoUser("quantri", Role.ADMIN, "06", 2024, "Quản trị hệ thống"),
]


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def demo_users_create() -> list[DemoUser]:
    password = demo_password()
    for demo in DEMO_USERS:
        user_upsert(
            username=demo.username, role=demo.role, unit_code=demo.unit_code, year=demo.year, password=password
        )
    return DEMO_USERS
