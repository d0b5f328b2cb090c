"""The dashboard's tile map (issue 20, reports/tilemap.py): every child unit once on its own cell, placed north-up
by its coordinates, coloured by a class of poverty rate with a legend that gives the numbers; the rates are the
aggregates'; and the PNG buttons under the charts with their Vietnamese file names."""

import random
from decimal import Decimal

import pytest
from django.urls import reverse

from reports import tilemap
from reports.models import PovertyAggregate
from reports.templatetags.chart_tags import png_filename
from tests.reports.test_dashboard import figures  # noqa: F401  (fixture)


def _places(count, seed=20, without_position=(), without_rate=()):
    rng = random.Random(seed)
    places = []
    for n in range(count):
        code = f"{n:05d}"
        located = n not in without_position
        places.append(tilemap.Place(
            code=code, name=f"Xã Thử {n}", latitude=round(rng.uniform(21.8, 22.7), 4) if located else None,
            longitude=round(rng.uniform(105.5, 106.2), 4) if located else None,
            rate=None if n in without_rate else Decimal(rng.randint(0, 6000)) / 100,
        ))
    return places


@pytest.mark.parametrize("count", [1, 2, 8, 30, 120])
def test_each_unit_once_on_its_own_cell(count):
    places = _places(count, without_position={0} if count > 2 else (), without_rate={1} if count > 2 else ())
    tiles = tilemap.layout(places)
    assert sorted(t["code"] for t in tiles["tiles"]) == sorted(p.code for p in places)
    cells = [(t["row"], t["col"]) for t in tiles["tiles"]]
    assert len(set(cells)) == len(cells)
    assert all(0 <= r < tiles["rows"] and 0 <= c < tiles["columns"] for r, c in cells)
    # No empty row or column: the grid is as small as the placement allows.
    located = [t for t in tiles["tiles"] if t["placed"]]
    assert {t["row"] for t in located} == set(range(max(t["row"] for t in located) + 1))
    assert {t["col"] for t in located} == set(range(max(t["col"] for t in located) + 1))
    assert tilemap.layout(places) == tiles  # deterministic


def test_north_is_up_and_east_is_right():
    places = [
        tilemap.Place("N", "Xã Bắc", 23.0, 106.0, 1), tilemap.Place("S", "Xã Nam", 21.0, 106.0, 1),
        tilemap.Place("W", "Xã Tây", 22.0, 105.0, 1), tilemap.Place("E", "Xã Đông", 22.0, 107.0, 1),
        tilemap.Place("C", "Xã Giữa", 22.0, 106.0, 1),
    ]
    at = {t["code"]: (t["row"], t["col"]) for t in tilemap.layout(places)["tiles"]}
    assert at["N"][0] < at["C"][0] < at["S"][0]
    assert at["W"][1] < at["C"][1] < at["E"][1]


def test_units_without_coordinates_go_on_a_last_row():
    places = _places(6, without_position={2, 4})
    tiles = {t["code"]: t for t in tilemap.layout(places)["tiles"]}
    last = max(t["row"] for t in tiles.values() if t["placed"])
    assert tiles["00002"]["placed"] is False and tiles["00002"]["row"] > last
    assert tiles["00004"]["row"] > last


def test_legend_classes_with_numbers():
    classes = tilemap.classes()
    assert [entry["label"] for entry in classes] == [
        "< 2%", "2–5%", "5–10%", "10–20%", "20–30%", "≥ 30%", "chưa có số liệu",
    ]
    assert len({entry["colour"] for entry in classes}) == len(classes)
    assert [tilemap.class_of(rate) for rate in (None, 0, 1.99, 2, 4.99, 5, 10, 19.99, 20, 30, 75)] == [
        6, 0, 0, 1, 1, 2, 3, 3, 4, 5, 5,
    ]
    # Each class's bounds are the numbers in its label.
    for entry in classes[1:-2]:
        assert f"{entry['min']:g}–{entry['max']:g}%" == entry["label"]


def test_short_names_on_tiles():
    assert tilemap.short_name("Huyện Na Rì") == "Na Rì"
    assert tilemap.short_name("Thành phố Bắc Kạn") == "TP. Bắc Kạn"
    assert tilemap.short_name("Thị trấn Yến Lạc") == "TT. Yến Lạc"
    assert tilemap.short_name("Xã Kim Hỷ") == "Kim Hỷ"
    assert tilemap.short_name("Huyện") == "Huyện"


def test_dashboard_map_data_matches_the_aggregates(client, people, figures):  # noqa: F811
    figures["na_ri"].latitude, figures["na_ri"].longitude = 22.16, 106.09
    figures["na_ri"].save()
    figures["ba_be"].latitude, figures["ba_be"].longitude = 22.40, 105.75
    figures["ba_be"].save()
    client.force_login(people["leader"])
    response = client.get(reverse("reports:dashboard"), {"unit": "06", "year": 2023})
    chart = response.context["chart"]
    tiles = {tile["code"]: tile for tile in chart["map"]["tiles"]}
    assert set(tiles) == {child["code"] for child in chart["children"]} == {"061", "066"}
    assert len({(t["row"], t["col"]) for t in tiles.values()}) == 2
    for code, tile in tiles.items():
        row = PovertyAggregate.objects.get(unit__code=code, year=2023, group="all")
        expected = None if not row.total_households else round(100 * row.poor / row.total_households, 2)
        assert tile["rate"] == expected
    assert tiles["066"]["rate"] == 32.8 and tiles["066"]["class"] == 5 and tiles["066"]["short"] == "Na Rì"
    assert tiles["061"]["rate"] is None and tiles["061"]["class"] == 6  # unknown: grey, never 0
    assert tiles["061"]["row"] < tiles["066"]["row"]  # Ba Bể lies north of Na Rì
    assert chart["map"]["classes"][0]["label"] == "< 2%"
    html = response.content.decode()
    assert "Bản đồ ô vuông: mỗi ô là một đơn vị" in html
    assert 'data-filename="ban-do-o-vuong-ty-le-ho-ngheo-tinh-bac-kan-2023.png"' in html
    assert 'data-filename="ty-le-ho-ngheo-theo-huyen-tinh-bac-kan-2023.png"' in html
    for chart_id in ("chart-children", "chart-map", "chart-trend", "chart-groups", "chart-projects", "chart-sources"):
        assert f'data-chart-png="{chart_id}"' in html
    assert "js/chart_png" in html


def test_a_districts_communes_as_tiles(client, people, figures):  # noqa: F811
    client.force_login(people["leader"])
    chart = client.get(reverse("reports:dashboard"), {"unit": "066", "year": 2023}).context["chart"]
    assert [t["short"] for t in chart["map"]["tiles"]] == ["Kim Hỷ", "TT. Yến Lạc"]
    assert [t["rate"] for t in chart["map"]["tiles"]] == [35.0, 30.6]
    assert all(not t["placed"] for t in chart["map"]["tiles"])  # the factories give no coordinates
    assert chart["drillable"] is True  # a click on a commune's tile opens the commune


def test_png_file_names():
    name = png_filename("Tỷ lệ hộ nghèo theo xã", "Huyện Đồng Hỷ", 2023)
    assert name == "ty-le-ho-ngheo-theo-xa-huyen-dong-hy-2023.png"
    assert png_filename("", None) == "bieu-do.png"
    assert len(png_filename("x" * 500)) == 124
