"""The leadership dashboard (`/`): headline cards, children, trend, groups, money, drill-down, scope, unknowns,
and a query count that does not grow with the number of child units."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from households.services import standards_load
from provinces.models import (
    LEGACY_VALID_FROM,
    LEGACY_VALID_TO,
    REORGANISATION_DATE,
    HouseholdTotal,
    Role,
    UnitSuccession,
)
from reports.aggregates import recompute_all
from reports.dashboard import year_elapsed_percent
from reports.selectors import PovertyFigures
from tests.factories import CommuneFactory, DistrictFactory, ProfileFactory, ProvinceFactory
from tests.households.factories import HouseholdFactory, record
from tests.reports.dashboard_data import aggregate, money, target

M = 1_000_000


@pytest.fixture
def figures(units):
    province, na_ri, ba_be = units["province"], units["na_ri"], units["ba_be"]
    aggregate(province, 2021, standard="2016-2020", total_households=10000, poor=1702, near_poor=600)
    aggregate(province, 2022, total_households=10000, poor=2471, near_poor=550, communes_total=3,
              communes_reviewed=3)
    aggregate(province, 2023, total_households=10000, poor=2225, near_poor=500, escaped=300, communes_total=3,
              communes_reviewed=3)
    aggregate(province, 2023, "ethnic_minority", total_households=6000, poor=1800)
    aggregate(province, 2023, "poor_district", total_households=None, poor=900)
    aggregate(na_ri, 2022, total_households=4000, poor=1400)
    aggregate(na_ri, 2023, total_households=4000, poor=1312, near_poor=356)
    aggregate(ba_be, 2023, total_households=None, poor=700)
    aggregate(units["kim_hy"], 2023, level="commune", total_households=2000, poor=700)
    aggregate(units["yen_lac"], 2023, level="commune", total_households=2000, poor=612)
    target(province, 2023, Decimal("21.00"), households_to_exit=471)
    target(na_ri, 2023, Decimal("30.00"))
    money(province, 2023, "central", "DA1", 0, allocated=100 * M)
    money(province, 2023, "central", "DA1", 3, disbursed=40 * M)
    money(province, 2023, "local", "DA2", 0, allocated=50 * M)
    money(province, 2023, "local", "DA2", 5, disbursed=20 * M)
    return units


def get(client, user, **params):
    client.force_login(user)
    return client.get(reverse("reports:dashboard"), params)


def test_leader_sees_the_latest_year_of_their_province(client, people, figures):
    response = get(client, people["leader"])
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.unit.code, board.year) == ("06", 2023)
    html = response.content.decode()
    assert "22,25%" in html  # poverty rate now
    assert "24,71%" in html  # last year
    assert "−2,46 điểm" in html  # change in points
    assert "21,00%" in html  # target
    assert "+1,25 điểm" in html  # still above the target
    assert "5,00%" in html and "27,25%" in html  # near-poor, multidimensional
    assert board.still_to_exit == 125  # ceil(2,225 − 21% × 10,000)
    assert "40,00%" in html  # disbursed 60 of 150 million
    assert board.elapsed_percent == Decimal(100)  # 2023 is over
    assert 'data-view="legacy"' in html


def test_children_chart_data_and_unknown_denominator(client, people, figures):
    response = get(client, people["leader"], unit="06", year=2023)
    chart = response.context["chart"]
    assert [(child["code"], child["rate"], child["target"]) for child in chart["children"]] == [
        ("061", None, None), ("066", 32.8, 30.0),
    ]
    assert chart["target_rate"] == 21.0
    assert chart["drillable"] is True
    html = response.content.decode()
    row = html[html.index('data-unit="061"'):]
    row = row[: row.index("</tr>")]
    assert "chưa có số liệu" in row and "0,00%" not in row
    groups = {row["label"]: row["rate"] for row in chart["groups"]}
    assert groups["Hộ dân tộc thiểu số"] == 30.0
    assert groups["Các huyện nghèo"] is None  # poor count known, denominator not: unknown, never 0
    assert chart["projects"] == ["DA1", "DA2"]
    assert [(s["key"], s["allocated"], s["disbursed"]) for s in chart["sources"]] == [
        ("central", [100.0, 0.0], [40.0, 0.0]), ("local", [0.0, 50.0], [0.0, 20.0]),
    ]
    assert 'id="dashboard-data"' in html and "<script>" not in html.replace('<script src=', '')


def test_unknown_denominator_shows_no_data_not_zero(client, people, figures):
    response = get(client, people["leader"], unit="061", year=2023)
    board = response.context["board"]
    assert board.now.poverty_rate is None
    html = response.content.decode()
    card = html[html.index('data-testid="poverty-rate"'):]
    assert card[: card.index("</div>")].count("chưa có số liệu") == 1


def test_trend_marks_the_change_of_standard(client, people, figures):
    response = get(client, people["leader"], unit="06", year=2022)
    trend = response.context["chart"]["trend"]
    assert [(point["year"], point["standard_changed"]) for point in trend] == [(2021, False), (2022, True)]
    html = response.content.decode()
    assert 'data-testid="standard-change"' in html  # the card shows no "progress" across the change
    assert 'data-testid="change-points"' not in html


def test_drill_down_to_a_district_with_breadcrumbs(client, people, figures):
    response = get(client, people["leader"], unit="066", year=2023)
    board = response.context["board"]
    assert [crumb.code for crumb in board.breadcrumbs] == ["06", "066"]
    assert [row.unit.code for row in board.children] == ["02146", "02161"]
    assert board.child_level == "commune"
    assert "32,80%" in response.content.decode()
    commune = get(client, people["leader"], unit="02146", year=2023)
    assert commune.context["chart"]["drillable"] is False
    assert [crumb.code for crumb in commune.context["board"].breadcrumbs] == ["06", "066", "02146"]


def test_officer_is_kept_to_their_district(client, people, figures):
    response = get(client, people["officer"])
    board = response.context["board"]
    assert board.unit.code == "066"
    assert [crumb.code for crumb in board.breadcrumbs] == ["066"]  # nothing above their scope
    other = get(client, people["officer"], unit="061", year=2023)
    assert "board" not in other.context
    assert 'data-testid="no-data"' in other.content.decode()
    province = get(client, people["officer"], unit="06", year=2023)
    assert "board" not in province.context


def test_leadership_sees_no_names_or_id_numbers(client, people, figures):
    HouseholdFactory(commune=figures["kim_hy"], code="KH-777", head_name="Nguyễn Văn Bảy",
                     id_number="006090007777")
    for params in ({}, {"unit": "066", "year": 2023}, {"unit": "02146", "year": 2023}):
        html = get(client, people["leader"], **params).content.decode()
        assert "Nguyễn Văn Bảy" not in html and "006090007777" not in html and "KH-777" not in html


def test_no_aggregates_yet(client, people, units):
    html = get(client, people["leader"]).content.decode()
    assert 'data-testid="no-data"' in html
    assert "chưa có số liệu" in html


HIT_QUERIES = 6


def test_query_count_does_not_grow_with_children(client, people, figures, django_assert_max_num_queries):
    client.force_login(people["leader"])
    url = reverse("reports:dashboard")
    with django_assert_max_num_queries(13):
        assert client.get(url, {"unit": "06", "year": 2023}).status_code == 200
    for n in range(30):
        district = DistrictFactory(code=f"{700 + n:03d}", parent=figures["province"])
        aggregate(district, 2023, total_households=100, poor=n)
        aggregate(district, 2022, total_households=100, poor=n + 1)
    with django_assert_max_num_queries(13):
        response = client.get(url, {"unit": "06", "year": 2023})
    assert len(response.context["board"].children) == 32
    with django_assert_max_num_queries(HIT_QUERIES):  # the same page again: from the cache
        again = client.get(url, {"unit": "06", "year": 2023})
    assert _children_table(again) == _children_table(response)
    assert _children_table(again).count("<tr") == 33  # the header and 32 districts


def _children_table(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="table-children"')
    return html[start:html.index("</table>", start)]


@pytest.mark.parametrize(
    ("_case", "year", "today", "expected"),
    [
        ("past year", 2023, datetime.date(2026, 5, 1), Decimal(100)),
        ("future year", 2027, datetime.date(2026, 5, 1), Decimal(0)),
        ("first day", 2026, datetime.date(2026, 1, 1), Decimal("0.27")),
        ("mid year", 2026, datetime.date(2026, 7, 2), Decimal("50.14")),
        ("last day", 2026, datetime.date(2026, 12, 31), Decimal(100)),
    ],
)
def test_share_of_the_year_elapsed(_case, year, today, expected):
    assert year_elapsed_percent(year=year, today=today) == expected


def test_rates_without_a_denominator_are_unknown():
    figures = PovertyFigures(year=2023, group="all", standard="2022-2025", total_households=None, poor=5, near_poor=3)
    rates = (figures.poverty_rate, figures.near_poverty_rate, figures.multidimensional_poverty_rate)
    assert rates == (None, None, None)
    zero = PovertyFigures(year=2023, group="all", standard="2022-2025", total_households=0, poor=0)
    assert zero.poverty_rate is None


# --- across the 2025 reorganisation, populated by the real recompute -------------------------------------------------


@pytest.fixture
def reorganised(db):
    """Legacy Bắc Kạn (06: district 066 with communes A, B) and Thái Nguyên (19: district 164 with E); 2025 Thái
    Nguyên (19) with communes X (A and B merged) and Z (E). Reviews of 2024 and 2025 through the service, household
    totals, then `recompute_all`."""
    standards_load()
    legacy = {"valid_from": LEGACY_VALID_FROM, "valid_to": LEGACY_VALID_TO}
    new = {"valid_from": REORGANISATION_DATE, "valid_to": None}
    bk = ProvinceFactory(code="06", **legacy)
    tn = ProvinceFactory(code="19", **legacy)
    a, b = (CommuneFactory(code=code, parent=DistrictFactory(code=f"06{n}", parent=bk, **legacy), **legacy)
            for n, code in enumerate(("02146", "02149")))
    e = CommuneFactory(code="05500", parent=DistrictFactory(code="164", parent=tn, **legacy), **legacy)
    tn25 = ProvinceFactory(code="19", **new)
    x, z = (CommuneFactory(code=code, parent=tn25, latitude=lat, longitude=22 + lat, **new)
            for code, lat in (("02146", 80.0), ("05500", 81.0)))
    for predecessor, successor in ((a, x), (b, x), (e, z), (bk, tn25), (tn, tn25)):
        UnitSuccession.objects.create(predecessor=predecessor, successor=successor, is_default=True)
    for commune, classes, total in ((a, ["poor", "poor", "near_poor"], 30), (b, ["poor"], 10), (e, ["poor"] * 3, 60)):
        for classification in classes:
            record(HouseholdFactory(commune=commune), 2024, classification)
        HouseholdTotal.objects.create(unit=commune, year=2024, total_households=total, source="entered")
    for commune, classes in ((x, ["poor", "near_poor"]), (z, ["near_poor"])):
        for classification in classes:
            record(HouseholdFactory(commune=commune), 2025, classification)
        HouseholdTotal.objects.create(unit=commune, year=2025, total_households=50, source="entered")
    recompute_all()
    leader = ProfileFactory(user__username="lanhdao_tn", role=Role.LEADERSHIP, unit=tn25).user
    return locals()


def test_current_units_with_a_trend_across_2025(client, reorganised):
    response = get(client, reorganised["leader"])
    board = response.context["board"]
    assert (board.unit.pk, board.year, board.view, board.crossed) == (reorganised["tn25"].pk, 2025, "current", False)
    assert [(p.year, p.figures.poor, p.figures.total_households) for p in board.trend] == [(2024, 6, 100),
                                                                                          (2025, 1, 100)]
    assert [row.unit.code for row in board.children] == ["02146", "05500"]
    assert board.alternate == {"view": "legacy", "code": "19", "name": reorganised["tn"].name}
    assert 'data-view="current"' in response.content.decode()


def test_a_pre_2025_year_under_todays_units(client, reorganised):
    response = get(client, reorganised["leader"], unit="19", year=2024, view="current")
    board = response.context["board"]
    assert board.crossed and board.unit.pk == reorganised["tn25"].pk
    assert (board.now.poor, board.now.near_poor, board.now.total_households) == (6, 1, 100)  # both old provinces
    assert board.now.poverty_rate == Decimal("6.00")
    assert board.children == []
    html = response.content.decode()
    assert 'data-testid="remapped"' in html and 'data-testid="no-children-crossed"' in html
    assert response.context["chart"]["drillable"] is False


def test_a_2025_year_under_the_legacy_units(client, reorganised):
    response = get(client, reorganised["leader"], unit="19", year=2025, view="legacy")
    board = response.context["board"]
    assert board.crossed and board.unit.pk == reorganised["tn"].pk
    assert board.now.near_poor == 1  # Z came from legacy Thái Nguyên's E; X went to legacy Bắc Kạn
    assert board.alternate == {"view": "current", "code": "19", "name": reorganised["tn25"].name}


def test_no_view_across_2025_outside_the_territory(client, reorganised):
    stranger = ProfileFactory(user__username="lanhdao_khac", role=Role.LEADERSHIP,
                              unit=ProvinceFactory(code="42")).user
    response = get(client, stranger, unit="19", year=2024, view="current")
    assert "board" not in response.context


def test_year_choices_include_later_years(client, people, figures):
    response = get(client, people["leader"], unit="06", year=2022)
    assert response.context["board"].years == [2021, 2022, 2023]
    assert [p.year for p in response.context["board"].trend] == [2021, 2022]  # the trend stops at the year shown
