import os

import pytest
from django.conf import settings

from provinces.models import AdministrativeUnit, Role
from tests.factories import CommuneFactory, DistrictFactory, ProfileFactory, ProvinceFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_real_services() -> None:
    """PostgreSQL and Redis tests: skipped on a newcomer's laptop, never skipped in CI."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    if on_postgres and has_broker:
        return
    message = "needs PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL)"
    if IN_CI:
        pytest.fail(f"CI must run this test: {message}")
    pytest.skip(message)


def require_postgres() -> None:
    """Tests of row locks and concurrency: SQLite's in-memory test database cannot show them."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    if IN_CI:
        pytest.fail("CI must run this test on PostgreSQL (DATABASE_URL)")
    pytest.skip("needs PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _cache_cleared():
    """Each test starts with an empty cache (reports.cache keys on the newest aggregate run, whose id SQLite may
    hand out again after a test's rollback)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language. Django's LocaleMiddleware activates a request's language in the
    thread and never deactivates it, so one request with `django_language=en` would leave English on for every
    later test in the process (and on the import messages it stores)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_join_allowed():
    """Celery's "will a join block?" flag is process-wide; eager tasks run in two threads at once (the concurrent
    import tests) can leave it set, and a later test that waits on a real worker's result would then be refused
    ("Never call result.get() within a task!"). Each test starts with it cleared, as in a fresh process."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture
def units(db):
    """Two districts of one province and one district of another, each with two communes."""
    province = ProvinceFactory(code="06", name="Tỉnh Bắc Kạn", short_name="Bắc Kạn")
    na_ri = DistrictFactory(code="066", name="Huyện Na Rì", short_name="Na Rì", parent=province)
    ba_be = DistrictFactory(code="061", name="Huyện Ba Bể", short_name="Ba Bể", parent=province)
    other_province = ProvinceFactory(code="20", name="Tỉnh Lạng Sơn", short_name="Lạng Sơn")
    binh_gia = DistrictFactory(code="181", name="Huyện Bình Gia", short_name="Bình Gia", parent=other_province)
    communes = {
        "kim_hy": CommuneFactory(code="02146", name="Xã Kim Hỷ", short_name="Kim Hỷ", parent=na_ri),
        "yen_lac": CommuneFactory(
            code="02161", name="Thị trấn Yến Lạc", short_name="Yến Lạc", unit_type="thị trấn",
            area=AdministrativeUnit.Area.URBAN, parent=na_ri,
        ),
        "cho_ra": CommuneFactory(code="01849", name="Thị trấn Chợ Rã", short_name="Chợ Rã", parent=ba_be),
        "binh_gia": CommuneFactory(code="06436", name="Thị trấn Bình Gia", short_name="Bình Gia", parent=binh_gia),
    }
    return {
        "province": province, "na_ri": na_ri, "ba_be": ba_be,
        "other_province": other_province, "binh_gia_district": binh_gia, **communes,
    }


@pytest.fixture
def people(units):
    """One user per role, plus officers of a sibling district and of another province."""
    return {
        "officer": ProfileFactory(user__username="canbo_nari", role=Role.DISTRICT_OFFICER, unit=units["na_ri"]).user,
        "officer_sibling": ProfileFactory(
            user__username="canbo_babe", role=Role.DISTRICT_OFFICER, unit=units["ba_be"]
        ).user,
        "officer_other": ProfileFactory(
            user__username="canbo_binhgia", role=Role.DISTRICT_OFFICER, unit=units["binh_gia_district"]
        ).user,
        "staff": ProfileFactory(user__username="so_bk", role=Role.PROVINCIAL_STAFF, unit=units["province"]).user,
        "leader": ProfileFactory(user__username="lanhdao_bk", role=Role.LEADERSHIP, unit=units["province"]).user,
    }
