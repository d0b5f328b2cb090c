"""Households fixtures on top of tests/conftest.py's `units` and `people`."""

import pytest

from households.services import standards_load
from provinces.models import LEGACY_VALID_FROM, LEGACY_VALID_TO, AdministrativeUnit, Role
from provinces.reference_source import legacy_units
from tests.factories import ProfileFactory
from tests.households.factories import HouseholdFactory, record


@pytest.fixture
def standards(db):
    standards_load()


@pytest.fixture
def registry(units, people, standards):
    """One household per commune with 2024 reviews (and a 2023 one in Kim Hỷ):

    Kim Hỷ (Na Rì)   KH-001 Nguyễn Văn An, Kinh, 2023 poor → 2024 near-poor (escaped)
    Yến Lạc (Na Rì)  YL-001 Hoàng Thị Bích, Tày, female head, 2024 poor, declared near-poor (mismatch)
    Chợ Rã (Ba Bể)   CR-001 Trần Văn Cường, 2024 poor
    Bình Gia (Lạng Sơn) BG-001 Lý Văn Dũng, 2024 near-poor
    """
    households = {
        "an": HouseholdFactory(
            commune=units["kim_hy"], code="KH-001", head_name="Nguyễn Văn An", id_number="006090001234",
            ethnicity="Kinh", is_ethnic_minority=False,
        ),
        "bich": HouseholdFactory(
            commune=units["yen_lac"], code="YL-001", head_name="Hoàng Thị Bích", is_female_head=True,
        ),
        "cuong": HouseholdFactory(commune=units["cho_ra"], code="CR-001", head_name="Trần Văn Cường"),
        "dung": HouseholdFactory(commune=units["binh_gia"], code="BG-001", head_name="Lý Văn Dũng"),
    }
    record(households["an"], 2023, "poor")
    record(households["an"], 2024, "near_poor")
    record(households["bich"], 2024, "poor", declared_classification="near_poor")
    record(households["cuong"], 2024, "poor")
    record(households["dung"], 2024, "near_poor")
    return households


@pytest.fixture
def na_ri(db):
    """Bắc Kạn, Na Rì and Ba Bể with their real communes (as the package lists them), plus the standards."""
    from config.text import fold

    wanted = {"06", "066", "061"}
    records = [u for u in legacy_units() if u.code in wanted or u.parent_code in {"066", "061"}]
    units = {}
    for unit in sorted(records, key=lambda u: ("province", "district", "commune").index(u.level)):
        units[unit.code] = AdministrativeUnit.objects.create(
            code=unit.code, level=unit.level, name=unit.name, short_name=unit.short_name,
            unit_type=unit.unit_type, parent=units.get(unit.parent_code),
            area="urban" if unit.unit_type in ("phường", "thị trấn") else "rural",
            valid_from=LEGACY_VALID_FROM, valid_to=LEGACY_VALID_TO, search_text=fold(unit.name),
        )
    standards_load()
    officer = ProfileFactory(user__username="canbo_nari", role=Role.DISTRICT_OFFICER, unit=units["066"]).user
    other = ProfileFactory(user__username="canbo_babe", role=Role.DISTRICT_OFFICER, unit=units["061"]).user
    staff = ProfileFactory(user__username="so_bk", role=Role.PROVINCIAL_STAFF, unit=units["06"]).user
    leader = ProfileFactory(user__username="lanhdao_bk", role=Role.LEADERSHIP, unit=units["06"]).user
    return {"units": units, "officer": officer, "other": other, "staff": staff, "leader": leader}
