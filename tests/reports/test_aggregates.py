"""reports.aggregates: the incremental recompute leaves exactly the table a full recompute writes (after imports
of two years, a revert, a change of household totals, budget entries); counts equal the reviews; groups and
unknown denominators; the figures of earlier years re-expressed across 2025 keep every household."""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import TestCase

from households.importing.services import import_batch_revert
from households.models import Household, HouseholdReview, ImportBatch
from programmes.models import HouseholdGroupTotal
from provinces.models import LEGACY_VALID_FROM, LEGACY_VALID_TO, REORGANISATION_DATE, HouseholdTotal, UnitSuccession
from provinces.services import household_total_set
from reports import selectors
from reports.aggregates import disbursement_recompute, poverty_recompute, recompute_all
from reports.models import AggregateRun, DisbursementAggregate, PovertyAggregate
from tests.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.households import conftest as households_fixtures
from tests.households.factories import HouseholdFactory, record
from tests.households.test_imports import CLEAN, DATA, HEADER, household_row, upload, write_xlsx

pytestmark = pytest.mark.django_db

na_ri = households_fixtures.na_ri  # Bắc Kạn, Na Rì and Ba Bể with their real communes, users, the standards
standards = households_fixtures.standards

POVERTY_FIELDS = (
    "unit_id", "year", "group", "level", "standard", "total_households", "reviewed", "poor", "near_poor", "middle",
    "not_poor", "newly_poor", "re_poor", "escaped", "remained", "mismatches", "communes_total", "communes_reviewed",
)


def poverty_table() -> list[tuple]:
    return list(PovertyAggregate.objects.order_by("unit_id", "year", "group").values_list(*POVERTY_FIELDS))


def disbursement_table() -> list[tuple]:
    return list(DisbursementAggregate.objects.order_by("unit_id", "year", "source", "project", "month").values_list(
        "unit_id", "year", "source", "project", "month", "allocated_vnd", "disbursed_vnd"
    ))


def assert_incremental_equals_full():
    incremental = poverty_table()
    assert incremental, "the hooks wrote nothing"
    poverty_recompute()
    assert poverty_table() == incremental


def reviews_of(unit, year, **where):
    return HouseholdReview.objects.filter(
        Q(commune_id=unit.pk) | Q(commune__parent_id=unit.pk) | Q(commune__parent__parent_id=unit.pk),
        year=year, kind="periodic", **where,
    ).count()


def test_incremental_after_imports_and_a_revert_equals_full(na_ri, tmp_path):
    units = na_ri["units"]
    HouseholdTotal.objects.create(unit=units["066"], year=2023, total_households=20_000, source="entered")
    # 2023 first: the on-commit hook recomputes Na Rì and Bắc Kạn incrementally.
    first = upload(DATA / CLEAN[0], user=na_ri["officer"], year=2023)
    assert first.status == ImportBatch.Status.COMMITTED
    assert_incremental_equals_full()
    row = PovertyAggregate.objects.get(unit=units["066"], year=2023, group="all")
    assert (row.reviewed, row.poor, row.near_poor) == (
        reviews_of(units["066"], 2023), reviews_of(units["066"], 2023, classification="poor"),
        reviews_of(units["066"], 2023, classification="near_poor"),
    )
    assert row.total_households == 20_000
    assert row.mismatches == reviews_of(units["066"], 2023, is_mismatch=True)
    province = PovertyAggregate.objects.get(unit=units["06"], year=2023, group="all")
    assert province.poor == row.poor  # only Na Rì has reviews; Ba Bể's communes count as not reviewed
    assert province.communes_reviewed < province.communes_total
    assert province.total_households is None  # Ba Bể has no total: the province's is unknown, never a partial sum
    assert selectors.poverty_row(unit=units["06"], year=2023).poverty_rate is None

    # Then an earlier year for some of the same households: their 2023 transitions change (incremental must see it).
    households = list(Household.objects.order_by("pk")[:40])
    rows = [household_row(h.code, 900_000, commune=h.commune.code, name=h.head_name) for h in households[:20]]
    rows += [household_row(h.code, 5_000_000, deprived=0, commune=h.commune.code, name=h.head_name,
                           declared="Không nghèo") for h in households[20:]]
    transitions_before = dict(HouseholdReview.objects.filter(year=2023).values_list("pk", "transition"))
    earlier = upload(write_xlsx(tmp_path / "2022.xlsx", [HEADER, *rows]), user=na_ri["officer"], year=2022)
    assert earlier.status == ImportBatch.Status.COMMITTED, earlier.errors
    assert dict(HouseholdReview.objects.filter(year=2023).values_list("pk", "transition")) != transitions_before
    assert_incremental_equals_full()
    assert PovertyAggregate.objects.filter(year=2022, unit=units["066"]).exists()

    # A revert takes the 2022 rows away again.
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_batch_revert(batch=earlier, acting_user=na_ri["staff"])
    assert not PovertyAggregate.objects.filter(year=2022).exists()
    assert_incremental_equals_full()

    # A commune's household total (the hook on household_total_set).
    commune = units["066"].children.order_by("code").first()
    with TestCase.captureOnCommitCallbacks(execute=True):
        household_total_set(unit=commune, year=2023, total=1234, acting_user=na_ri["staff"])
    assert PovertyAggregate.objects.get(unit=commune, year=2023, group="all").total_households == 1234
    assert_incremental_equals_full()
    assert AggregateRun.objects.filter(scope="incremental").exists()
    assert AggregateRun.objects.filter(scope="full").exists()


def test_groups_denominators_and_poor_districts(units, standards):
    units["na_ri"].is_poor_district = True
    units["na_ri"].save()
    kim_hy, yen_lac, cho_ra = units["kim_hy"], units["yen_lac"], units["cho_ra"]
    record(HouseholdFactory(commune=kim_hy, is_ethnic_minority=True), 2023, "poor")
    record(HouseholdFactory(commune=kim_hy, is_ethnic_minority=False), 2023, "near_poor")
    record(HouseholdFactory(commune=yen_lac, is_ethnic_minority=False, is_female_head=True), 2023, "poor",
           declared_classification="near_poor")
    record(HouseholdFactory(commune=cho_ra, is_ethnic_minority=True), 2023, "middle")
    for unit, total in ((kim_hy, 100), (yen_lac, 50), (cho_ra, 200)):
        HouseholdTotal.objects.create(unit=unit, year=2023, total_households=total, source="entered")
    HouseholdGroupTotal.objects.create(unit=units["province"], year=2023, group="ethnic_minority",
                                       total_households=40)
    poverty_recompute()

    province = selectors.poverty_row(unit=units["province"], year=2023)
    assert (province.total_households, province.poor, province.near_poor, province.middle) == (350, 2, 1, 1)
    assert (province.communes_total, province.communes_reviewed, province.mismatches) == (3, 3, 1)
    assert str(province.poverty_rate) == "0.57" and str(province.multidimensional_poverty_rate) == "0.86"
    ethnic = selectors.poverty_row(unit=units["province"], year=2023, group="ethnic_minority")
    assert (ethnic.poor, ethnic.middle, ethnic.total_households, str(ethnic.poverty_rate)) == (1, 1, 40, "2.50")
    ethnic_district = selectors.poverty_row(unit=units["na_ri"], year=2023, group="ethnic_minority")
    assert ethnic_district.total_households is None and ethnic_district.poverty_rate is None  # unknown, never 0
    female = selectors.poverty_row(unit=units["na_ri"], year=2023, group="female_head")
    assert (female.poor, female.reviewed) == (1, 1)
    poor_districts = selectors.poverty_row(unit=units["province"], year=2023, group="poor_district")
    assert (poor_districts.poor, poor_districts.near_poor, poor_districts.total_households) == (2, 1, 150)
    assert poor_districts.communes_total == 2
    assert selectors.poverty_row(unit=units["ba_be"], year=2023, group="poor_district") is None
    children = selectors.poverty_children(unit=units["province"], year=2023)
    assert [child.unit.code for child in children] == ["061", "066"]
    # Lạng Sơn has no reviews: no row at all.
    assert not PovertyAggregate.objects.filter(unit=units["other_province"]).exists()
    # A removed review takes its commune's row away on the next run.
    HouseholdReview.objects.filter(commune=cho_ra).delete()
    poverty_recompute(unit=units["ba_be"], year=2023)
    assert selectors.poverty_row(unit=cho_ra, year=2023) is None
    assert selectors.poverty_row(unit=units["ba_be"], year=2023) is None
    assert selectors.poverty_row(unit=units["province"], year=2023).communes_reviewed == 2


def test_budget_entries_refresh_the_disbursement_table_incrementally(units, people):
    from programmes.services import programme_structure_load
    from tests.budgets.conftest import allocate, disburse

    programme_structure_load()
    with TestCase.captureOnCommitCallbacks(execute=True):
        line = allocate(units["kim_hy"], 500_000_000, year=2023, code="DA3.1").allocation
    with TestCase.captureOnCommitCallbacks(execute=True):
        disburse(line, 120_000_000, datetime.date(2023, 5, 20))
    with TestCase.captureOnCommitCallbacks(execute=True):
        allocate(units["binh_gia"], 70_000_000, year=2023, source="local")
    incremental = disbursement_table()
    disbursement_recompute()
    assert disbursement_table() == incremental
    summary = selectors.disbursement_summary(unit=units["province"], year=2023)
    assert (summary.total.allocated, summary.total.disbursed, str(summary.total.rate)) == (
        500_000_000, 120_000_000, "24.00"
    )
    assert summary.by_month[5] == 120_000_000 and summary.by_project["DA3.1"].allocated == 500_000_000
    assert selectors.disbursement_summary(unit=units["other_province"], year=2023).by_source["local"].allocated == (
        70_000_000
    )


def test_recompute_stats_command(units, standards, capsys):
    record(HouseholdFactory(commune=units["kim_hy"]), 2023, "poor")
    call_command("recompute_stats")
    call_command("recompute_stats", "--unit", "066", "--year", "2023")
    out = capsys.readouterr().out
    assert "poverty:" in out and "giây" in out
    assert PovertyAggregate.objects.filter(unit=units["province"], year=2023, group="all", poor=1).exists()


# --- across the 2025 reorganisation ----------------------------------------------------------------------------------


@pytest.fixture
def reorganised(standards):
    """Legacy Bắc Kạn (06: district 066 with communes A, B, C) and Thái Nguyên (19: district 164 with E), and 2025
    Thái Nguyên (19) with communes X (A and B merged, and part of C), Y (the rest of C), Z (E)."""
    legacy = {"valid_from": LEGACY_VALID_FROM, "valid_to": LEGACY_VALID_TO}
    new = {"valid_from": REORGANISATION_DATE, "valid_to": None}
    bk = ProvinceFactory(code="06", **legacy)
    tn = ProvinceFactory(code="19", **legacy)
    d1 = DistrictFactory(code="066", parent=bk, **legacy)
    d2 = DistrictFactory(code="164", parent=tn, **legacy)
    a, b, c = (CommuneFactory(code=code, parent=d1, **legacy) for code in ("02146", "02149", "02152"))
    e = CommuneFactory(code="05500", parent=d2, **legacy)
    tn25 = ProvinceFactory(code="19", **new)
    x, y, z = (CommuneFactory(code=code, parent=tn25, **new) for code in ("02146", "02170", "05500"))
    for predecessor, successor, default in ((a, x, True), (b, x, True), (c, y, True), (c, x, False), (e, z, True),
                                            (bk, tn25, True), (tn, tn25, True)):
        UnitSuccession.objects.create(predecessor=predecessor, successor=successor, is_default=default)
    return locals()


def test_cross_2025_views_conserve_household_counts(reorganised):
    u = reorganised
    classes = {"a": ["poor", "poor", "near_poor"], "b": ["poor"], "c": ["near_poor", "middle"], "e": ["poor"] * 3}
    totals = {"a": 30, "b": 10, "c": 20, "e": 40}
    for key, values in classes.items():
        for classification in values:
            record(HouseholdFactory(commune=u[key]), 2024, classification)
        HouseholdTotal.objects.create(unit=u[key], year=2024, total_households=totals[key], source="entered")
    for key, values in {"x": ["poor", "near_poor"], "y": ["poor"], "z": ["near_poor", "near_poor"]}.items():
        for classification in values:
            record(HouseholdFactory(commune=u[key]), 2025, classification)
        HouseholdTotal.objects.create(unit=u[key], year=2025, total_households=25, source="entered")
    recompute_all()

    # 2024 under today's units: the two legacy provinces make 2025 Thái Nguyên; communes go to default successors.
    legacy_sum = [selectors.poverty_row(unit=u[p], year=2024) for p in ("bk", "tn")]
    current = selectors.poverty_under(unit=u["tn25"], year=2024, view="current")
    assert current.remapped and current.view == "current"
    assert (current.poor, current.near_poor, current.reviewed, current.total_households) == (
        sum(f.poor for f in legacy_sum), sum(f.near_poor for f in legacy_sum),
        sum(f.reviewed for f in legacy_sum), 100,
    ) == (6, 2, 9, 100)
    by_commune = {key: selectors.poverty_under(unit=u[key], year=2024, view="current") for key in ("x", "y", "z")}
    assert sum(f.poor for f in by_commune.values()) == current.poor
    assert sum(f.total_households for f in by_commune.values()) == current.total_households
    assert (by_commune["x"].poor, by_commune["x"].total_households, by_commune["x"].sources) == (3, 40,
                                                                                                ("02146", "02149"))

    # 2025 under the legacy units: each 2025 commune goes to its primary predecessor, then up its legacy district.
    own = selectors.poverty_row(unit=u["tn25"], year=2025)
    under = [selectors.poverty_under(unit=u[p], year=2025, view="legacy") for p in ("bk", "tn")]
    assert sum(f.poor for f in under) == own.poor == 2
    assert sum(f.near_poor for f in under) == own.near_poor == 3
    assert sum(f.total_households for f in under) == own.total_households == 75
    assert (under[0].poor, under[0].near_poor) == (2, 1)  # X and Y came (mostly) from Bắc Kạn communes
    district = selectors.poverty_under(unit=u["d1"], year=2025, view="legacy")
    assert district.poor == under[0].poor
    # A trend in one view crosses 2025.
    trend = selectors.poverty_trend(unit=u["tn25"], years=[2024, 2025], view="current")
    assert [trend[2024].poor, trend[2025].poor] == [6, 2]


def test_nightly_full_recompute_is_on_the_beat_schedule_and_the_task_is_idempotent(units, standards):
    from config.celery import app
    from reports.tasks import NIGHTLY_NAME, aggregates_recompute_all_task, aggregates_refresh_task

    app.finalize(auto=True)
    app.loader.import_default_modules()
    assert app.conf.beat_schedule[NIGHTLY_NAME]["task"] == "reports.aggregates_recompute_all"
    record(HouseholdFactory(commune=units["kim_hy"]), 2023, "poor")
    aggregates_recompute_all_task()
    first = poverty_table()
    aggregates_recompute_all_task()
    aggregates_refresh_task(unit_id=units["na_ri"].pk, year=2023)
    assert poverty_table() == first and first
