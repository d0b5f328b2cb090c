"""programmes_demo_create(): the published figures of the four provinces, idempotent."""

import datetime
from decimal import Decimal as D

import pytest

from programmes.demo import programmes_demo_create
from programmes.models import Achievement, IndicatorTarget, PlanDocument, PovertyModel, PovertyTarget
from tests.factories import DistrictFactory, ProvinceFactory


@pytest.fixture
def four_provinces(units):
    ha_tinh = ProvinceFactory(code="42", name="Tỉnh Hà Tĩnh", short_name="Hà Tĩnh")
    thai_nguyen = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", short_name="Thái Nguyên")
    DistrictFactory(code="436", parent=ha_tinh)
    DistrictFactory(code="164", parent=thai_nguyen)
    return {**units, "ha_tinh": ha_tinh, "thai_nguyen": thai_nguyen}


def counts():
    return [model.objects.count() for model in (PovertyTarget, IndicatorTarget, Achievement, PovertyModel,
                                                PlanDocument)]


def test_demo_reproduces_the_published_figures_and_is_idempotent(four_provinces):
    summary = programmes_demo_create()
    assert summary.skipped == [] and summary.provinces == ["Lạng Sơn", "Hà Tĩnh", "Bắc Kạn", "Thái Nguyên"]
    first = counts()
    assert str(programmes_demo_create()) == str(summary)
    assert counts() == first

    lang_son = PovertyTarget.objects.get(unit__code="20", year=2023, group="all")
    assert (lang_son.baseline_rate, lang_son.target_rate, lang_son.target_reduction_points) == (D("8.92"),
                                                                                               D("5.92"), D("3.00"))
    minimums = dict(PovertyTarget.objects.filter(unit__code="20", year=2023, is_minimum=True).values_list(
        "group", "target_reduction_points"))
    assert minimums == {"poor_district": D("5.00"), "high_poverty_commune": D("5.00"),
                        "ethnic_minority": D("3.00")}
    plans = {p.number: p for p in PlanDocument.objects.filter(unit__code="20")}
    assert plans["62/KH-UBND"].issued_on == datetime.date(2023, 3, 13)
    assert plans["101/KH-UBND"].issued_on == datetime.date(2023, 4, 27)
    assert plans["62/KH-UBND"].poverty_targets.count() == 4

    ha_tinh = PovertyTarget.objects.get(unit__code="42", year=2023)
    assert (ha_tinh.baseline_rate, ha_tinh.target_reduction_points, ha_tinh.target_rate) == (D("3.79"), D("0.65"),
                                                                                            D("3.14"))
    assert PovertyModel.objects.filter(unit__parent__code="42").count() > 30
    assert dict(IndicatorTarget.objects.filter(unit__code="42").values_list("indicator__code", "value")) == {
        "models_replicated": D("30"), "poor_workers_capacity_share": D("70"), "staff_trained_share": D("100")}

    bac_kan = PovertyModel.objects.filter(unit__parent__code="06")
    assert bac_kan.count() == 157 and bac_kan.filter(kind="value_chain").count() == 10
    assert bac_kan.filter(kind="community").count() == 147
    assert dict(Achievement.objects.filter(unit__code="06").values_list("indicator__code", "value")) == {
        "workers_jobs": D("21500"), "workers_abroad": D("1693"), "workers_vocational_training": D("14600"),
        "production_projects": D("157")}
    bac_kan_2023 = PovertyTarget.objects.get(unit__code="06", year=2023)
    assert (bac_kan_2023.baseline_rate, bac_kan_2023.actual_rate, bac_kan_2023.status) == (D("24.71"), D("22.25"),
                                                                                          "met")
    assert set(PovertyTarget.objects.filter(unit__code="06").values_list("target_reduction_points", flat=True)) == {
        D("2.00")}

    assert dict(IndicatorTarget.objects.filter(unit__code="19").values_list("indicator__code", "value")) == {
        "households_out_of_poverty": D("3365"), "households_out_of_near_poverty": D("1346"),
        "models_replicated": D("20")}
    assert PovertyModel.objects.filter(unit__parent__code="19").count() >= 20


def test_demo_skips_missing_provinces(units):
    summary = programmes_demo_create()
    assert summary.skipped == ["Hà Tĩnh (42)", "Thái Nguyên (19)"]
