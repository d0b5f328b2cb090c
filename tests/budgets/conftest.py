"""Budgets fixtures on top of tests/conftest.py's `units` and `people`.

World: Bắc Kạn 06 (Na Rì 066: Kim Hỷ 02146, Yến Lạc 02161; Ba Bể 061: Chợ Rã 01849), Lạng Sơn 20 (Bình Gia 181).
so_bk is provincial staff of 06; so_ls (added here) of 20; canbo_nari an officer of 066; lanhdao_bk leadership.
"""

import datetime

import pytest

from budgets.services import allocation_entry_record, disbursement_record
from programmes.models import Project, SubProject
from programmes.services import programme_structure_load
from provinces.models import Role
from tests.factories import TEST_PASSWORD, ProfileFactory

M = 1_000_000
DATE = datetime.date(2023, 3, 13)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded budget files are kept (budget import jobs): under the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def structure(db):
    return programme_structure_load()


@pytest.fixture
def world(units, people, structure):
    staff_ls = ProfileFactory(user__username="so_ls", role=Role.PROVINCIAL_STAFF, unit=units["other_province"]).user
    return {**units, **people, "staff_ls": staff_ls}


def login(client, username: str):
    assert client.login(username=username, password=TEST_PASSWORD)
    return client


def project(code: str):
    """(project, sub-project) of the 2021–2025 programme for "DA2" or "DA3.1"."""
    if "." in code:
        subproject = SubProject.objects.select_related("project").get(project__programme__code="2021-2025", code=code)
        return subproject.project, subproject
    return Project.objects.get(programme__code="2021-2025", code=code), None


def allocate(unit, amount: int, *, year: int = 2023, code: str = "DA2", source: str = "central",
             capital: str = "recurrent", kind: str = "original", origin: int | None = None, user=None,
             date: datetime.date | None = None, **extra):
    the_project, subproject = project(code)
    return allocation_entry_record(
        acting_user=user, fiscal_year=year, unit=unit, project=the_project, subproject=subproject, source=source,
        capital_type=capital, kind=kind, amount_vnd=amount, origin_year=origin,
        legal_basis_number=extra.pop("number", "01/QĐ-UBND"),
        legal_basis_date=date or datetime.date(year, 3, 13), **extra,
    )


def disburse(line, amount: int, on: datetime.date, *, user=None, **extra):
    return disbursement_record(acting_user=user, allocation=line, amount_vnd=amount, disbursed_on=on, **extra)
