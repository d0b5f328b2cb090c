"""Poverty-rate targets through the services: entry as points or rate, validation, permissions, recompute (and
its Celery task and beat schedule), group denominators, cascading."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.errors import ApplicationError
from programmes.groups import HouseholdGroup
from programmes.models import PovertyTarget
from programmes.services import (
    household_group_total_set,
    poverty_target_cascade_apply,
    poverty_target_set,
    poverty_targets_recompute,
)
from programmes.tasks import NIGHTLY_NAME, poverty_targets_recompute_task
from tests.programmes.conftest import add_reviews, set_total
from tests.provinces.conftest import add_communes

IN_2023 = datetime.date(2023, 7, 1)
AFTER_2023 = datetime.date(2024, 2, 1)


@pytest.fixture
def world(units, people, standard):
    """Bắc Kạn end of 2022: Na Rì 400 poor of 2,000 (20%), Ba Bể 200 of 2,000 (10%, a poor district):
    the province 600 of 4,000 = 15.00%. Totals unchanged in 2023."""
    units["ba_be"].is_poor_district = True
    units["ba_be"].save()
    for year in (2022, 2023):
        for commune, total in (("kim_hy", 1000), ("yen_lac", 1000), ("cho_ra", 2000)):
            set_total(units[commune], year, total)
    add_reviews(units["kim_hy"], 2022, poor=300, ethnic_minority_poor=120)
    add_reviews(units["yen_lac"], 2022, poor=100)
    add_reviews(units["cho_ra"], 2022, poor=200)
    return {**units, **people}


def test_points_entry_computes_the_rest(world):
    target = poverty_target_set(
        unit=world["province"], year=2023, group="all", entered_as="points", value="2.00",
        acting_user=world["staff"], as_of=IN_2023,
    )
    assert (target.baseline_rate, target.target_rate, target.target_reduction_points) == (D("15.00"), D("13.00"),
                                                                                         D("2.00"))
    assert (target.baseline_poor, target.baseline_total_households, target.target_total_households) == (600, 4000,
                                                                                                      4000)
    assert target.households_to_exit == 80  # 600 − 13% × 4,000
    assert (target.baseline_source, target.actual_rate, target.status) == ("registry", None, "at_risk")
    assert target.version == 1 and target.updated_by == world["staff"]


def test_rate_entry_computes_the_points(world):
    target = poverty_target_set(
        unit=world["province"], year=2023, group="all", entered_as="rate", value=D("13.50"),
        acting_user=world["staff"],
    )
    assert (target.target_rate, target.target_reduction_points, target.households_to_exit) == (D("13.50"),
                                                                                               D("1.50"), 60)


@pytest.mark.parametrize(
    ("_case", "entered_as", "value", "field"),
    [
        ("zero points", "points", "0", "value"),
        ("negative points", "points", "-1", "value"),
        ("more than 100 points", "points", "100.01", "value"),
        ("three decimals", "points", "1.005", "value"),
        ("points above the baseline rate", "points", "15.01", "value"),
        ("target rate above the baseline", "rate", "15.01", "value"),
        ("not a number", "points", "ba", "value"),
        ("unknown entry kind", "percent", "3", "entered_as"),
    ],
)
def test_invalid_entries_are_refused_and_nothing_is_saved(world, _case, entered_as, value, field):
    with pytest.raises(ApplicationError) as error:
        poverty_target_set(unit=world["province"], year=2023, group="all", entered_as=entered_as, value=value,
                           acting_user=world["staff"])
    assert error.value.field == field
    assert not PovertyTarget.objects.exists()


def test_a_stale_edit_is_refused(world):
    target = poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="2",
                                acting_user=world["staff"])
    poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="2.5",
                       acting_user=world["staff"], version=target.version)
    with pytest.raises(ApplicationError, match="vừa được người khác sửa"):
        poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="1",
                           acting_user=world["staff"], version=target.version)
    target.refresh_from_db()
    assert (target.target_reduction_points, target.version) == (D("2.50"), 2)


@pytest.mark.parametrize("who", ["officer", "leader", "officer_other"])
def test_only_staff_write_targets(world, who):
    with pytest.raises(PermissionDenied):
        poverty_target_set(unit=world["na_ri"], year=2023, group="all", entered_as="points", value="2",
                           acting_user=world[who])
    assert not PovertyTarget.objects.exists()


def test_recompute_after_the_year_review_met_and_missed(world):
    province = poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="2",
                                  acting_user=world["staff"])
    na_ri = poverty_target_set(unit=world["na_ri"], year=2023, group="all", entered_as="points", value="5",
                               acting_user=world["staff"])
    # 2023 review committed for Na Rì only: an in-year estimate for the province, a final figure for Na Rì.
    add_reviews(world["kim_hy"], 2023, poor=200)
    add_reviews(world["yen_lac"], 2023, poor=110)
    assert poverty_targets_recompute(as_of=AFTER_2023) == 2
    na_ri.refresh_from_db()
    province.refresh_from_db()
    assert (na_ri.actual_rate, na_ri.status) == (D("15.50"), "missed")  # target 15.00
    assert (province.actual_rate, province.estimated_rate) == (None, D("12.75"))  # (600 − 400 + 310) / 4,000
    assert province.status == "on_track"  # the estimate is already below 13.00
    add_reviews(world["cho_ra"], 2023, poor=250)
    poverty_targets_recompute(unit=world["cho_ra"], year=2023, as_of=AFTER_2023)
    province.refresh_from_db()
    assert (province.actual_rate, province.actual_source, province.status) == (D("14.00"), "registry", "missed")


def test_recompute_is_idempotent_and_set_based(world):
    poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="2",
                       acting_user=world["staff"])
    fields = list(PovertyTarget.objects.values())
    with CaptureQueriesContext(connection) as one_target:
        poverty_targets_recompute(as_of=datetime.date.today())
    poverty_targets_recompute(as_of=datetime.date.today())
    after = list(PovertyTarget.objects.values())
    for row in (*fields, *after):
        row.pop("computed_at")
    assert after == fields
    for district in (world["na_ri"], world["ba_be"]):
        poverty_target_set(unit=district, year=2023, group="all", entered_as="points", value="1",
                           acting_user=world["staff"])
    for commune in add_communes(world["na_ri"], 5):
        set_total(commune, 2022, 100)
        poverty_target_set(unit=commune, year=2023, group="all", entered_as="points", value="1",
                           acting_user=world["staff"])
    assert PovertyTarget.objects.count() == 8
    with CaptureQueriesContext(connection) as eight_targets:
        assert poverty_targets_recompute() == 8
    # Select + counts of the baseline and target years (5 + 5) + one bulk update, whatever the number of targets.
    assert len(eight_targets) == len(one_target)


def test_the_task_is_a_thin_adapter_and_runs_nightly(world):
    poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="2",
                       acting_user=world["staff"])
    assert poverty_targets_recompute_task.delay(unit_code="066", year=2023).get() == 1  # the province above
    assert poverty_targets_recompute_task.delay().get() == 1
    assert poverty_targets_recompute_task.delay(unit_code="999", year=2023).get() == 0
    assert poverty_targets_recompute_task.delay(unit_id=world["kim_hy"].pk, year=2022).get() == 1  # 2022 + 2023
    assert poverty_targets_recompute_task.delay(unit_id=0, year=2022).get() == 0
    from config.celery import app

    app.loader.import_default_modules()
    assert NIGHTLY_NAME in app.conf.beat_schedule
    assert app.conf.beat_schedule[NIGHTLY_NAME]["task"] == "programmes.poverty_targets_recompute"


def test_group_denominators(world):
    minority = poverty_target_set(unit=world["province"], year=2023, group=HouseholdGroup.ETHNIC_MINORITY,
                                  entered_as="points", value="3", is_minimum=True, acting_user=world["staff"])
    assert minority.baseline_rate is None and minority.status == ""
    household_group_total_set(unit=world["province"], year=2022, group=HouseholdGroup.ETHNIC_MINORITY, total=1000,
                              acting_user=world["staff"])
    minority.refresh_from_db()
    assert (minority.baseline_rate, minority.target_rate, minority.households_to_exit) == (D("12.00"), D("9.00"), 30)
    with pytest.raises(ApplicationError):
        household_group_total_set(unit=world["province"], year=2022, group=HouseholdGroup.ALL, total=1,
                                  acting_user=world["staff"])
    with pytest.raises(PermissionDenied):
        household_group_total_set(unit=world["province"], year=2022, group=HouseholdGroup.ETHNIC_MINORITY, total=1,
                                  acting_user=world["officer"])
    poor = poverty_target_set(unit=world["province"], year=2023, group=HouseholdGroup.POOR_DISTRICT,
                              entered_as="points", value="5", is_minimum=True, acting_user=world["staff"])
    assert (poor.baseline_rate, poor.target_rate, poor.households_to_exit) == (D("10.00"), D("5.00"), 100)


def test_cascade_apply_saves_linked_district_targets(world):
    province = poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="2",
                                  acting_user=world["staff"])
    with pytest.raises(ApplicationError, match="Không phải đơn vị trực thuộc"):
        poverty_target_cascade_apply(target=province, points={"184": D("1")}, acting_user=world["staff"])
    with pytest.raises(PermissionDenied):
        poverty_target_cascade_apply(target=province, points={"066": D("1")}, acting_user=world["officer"])
    saved = poverty_target_cascade_apply(target=province, points={"066": D("2.00"), "061": D("2.00")},
                                         acting_user=world["staff"])
    assert [(t.unit.code, t.households_to_exit, t.cascaded_from_id) for t in saved] == [
        ("061", 40, province.pk), ("066", 40, province.pk),
    ]
    assert sum(t.households_to_exit for t in saved) == province.households_to_exit == 80


def test_recompute_command(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    poverty_target_set(unit=world["province"], year=2023, group="all", entered_as="points", value="2",
                       acting_user=world["staff"])
    out = StringIO()
    call_command("recompute_targets", "--unit", "066", "--year", "2023", stdout=out)
    assert "Đã tính lại 1 chỉ tiêu" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("recompute_targets", "--unit", "066")
