"""A tiny legacy + 2025 world on top of tests/conftest.py's `units` and `people`.

Legacy (to 30/6/2025): Bắc Kạn 06 (Na Rì 066: Kim Hỷ 02146, Yến Lạc 02161; Ba Bể 061: Chợ Rã 01849) and
Lạng Sơn 20 (184: Bình Gia 06436). From 1/7/2025: Thái Nguyên 19 (Văn Lang 02143, Na Rì 02161, Chợ Rã 01840) and
Lạng Sơn 20 again (Bình Gia 06436): codes 20, 02161 and 06436 are reused, as in the real 2025 lists.

Links: Kim Hỷ → Văn Lang; Yến Lạc split → Na Rì (default, kept the code) and a part to Văn Lang;
Chợ Rã → Chợ Rã 01840; Bình Gia → Bình Gia; provinces 06 → 19, 20 → 20.
"""

import pytest

from provinces.models import REORGANISATION_DATE, AdministrativeUnit, UnitSuccession
from tests.factories import CommuneFactory, ProvinceFactory

CURRENT = {"valid_from": REORGANISATION_DATE, "valid_to": None}


@pytest.fixture
def reorg(units):
    thai_nguyen = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", short_name="Thái Nguyên", **CURRENT)
    lang_son = ProvinceFactory(code="20", name="Tỉnh Lạng Sơn", short_name="Lạng Sơn", **CURRENT)
    new = {
        "van_lang": CommuneFactory(
            code="02143", name="Xã Văn Lang", short_name="Văn Lang", parent=thai_nguyen, **CURRENT
        ),
        "na_ri_new": CommuneFactory(code="02161", name="Xã Na Rì", short_name="Na Rì", parent=thai_nguyen, **CURRENT),
        "cho_ra_new": CommuneFactory(
            code="01840", name="Xã Chợ Rã", short_name="Chợ Rã", parent=thai_nguyen, **CURRENT
        ),
        "binh_gia_new": CommuneFactory(
            code="06436", name="Xã Bình Gia", short_name="Bình Gia", parent=lang_son, **CURRENT
        ),
    }
    links = [
        (units["kim_hy"], new["van_lang"], True),
        (units["yen_lac"], new["na_ri_new"], True),
        (units["yen_lac"], new["van_lang"], False),
        (units["cho_ra"], new["cho_ra_new"], True),
        (units["binh_gia"], new["binh_gia_new"], True),
        (units["province"], thai_nguyen, True),
        (units["other_province"], lang_son, True),
    ]
    UnitSuccession.objects.bulk_create(
        UnitSuccession(predecessor=old, successor=successor, is_default=default) for old, successor, default in links
    )
    return {**units, "thai_nguyen": thai_nguyen, "lang_son_new": lang_son, **new}


def add_communes(district: AdministrativeUnit, count: int, start: int = 0) -> list[AdministrativeUnit]:
    """More communes under a district (for pinned query counts)."""
    return [
        CommuneFactory(code=f"{98000 + start + n:05d}", short_name=f"Thêm {start + n}", parent=district)
        for n in range(count)
    ]
