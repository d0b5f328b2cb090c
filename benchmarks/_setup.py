"""What the benchmark scripts share: importing this module sets Django up for a script run from the command line
(`.venv/bin/python benchmarks/<script>.py`, DEBUG on unless set); the province-year they measure, its communes, and
the database made ready (migrated, reference data, demo users)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from provinces.models import AdministrativeUnit, end_of_year  # noqa: E402
from provinces.selectors import units_in_force  # noqa: E402
from reports.demo import demo_users_create  # noqa: E402

YEAR = 2023
PROVINCE = "42"  # Hà Tĩnh: about 200 communes
STAFF = "so_hatinh"  # its provincial staff (a demo user)


def database_ready() -> None:
    """Migrate, load the reference data and create the demo users (each step does nothing when done already)."""
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    demo_users_create()


def province_communes(*fields: str) -> list:
    """`fields` of PROVINCE's communes in force at the end of YEAR (a tuple each, or the value when one field)."""
    communes = units_in_force(on=end_of_year(YEAR)).filter(level=AdministrativeUnit.Level.COMMUNE,
                                                           parent__parent__code=PROVINCE)
    return list(communes.values_list(*fields, flat=len(fields) == 1))
