"""The dashboard's map (issue 20): a tile map (grid cartogram) of the child units, not a choropleth.

No package on PyPI or npm ships Vietnam's administrative boundaries under a licence we can use and without a
download at run time (searched: the PyPI and npm name lists; vietnam-provinces and vietnamadminunits carry names
and codes only; geoapivietnam ships a name list and geocodes through Google/Nominatim at run time; vnmapping ships
empty modules and a Windows DLL; gadm/pygadm/geoBoundaries download at run time; world-atlas/natural-earth stop at
the country outline). So each unit is an equal square placed by the coordinates of its seat, snapped to a grid
without overlaps: recognisable placement (north at the top, neighbours side by side), honest sizes (every unit the
same), every unit labelled.

The layout is computed here, deterministic for the same units, and handed to static/js/dashboard.js through the
page's json_script block; the colour classes are fixed class breaks in percent (the same colours on every unit and
drill-down level), with their numbers in the legend.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

# Class breaks of the poverty rate (percent). A rate equal to a break belongs to the class above it.
BREAKS = (2, 5, 10, 20, 30)
# ColorBrewer "Reds" (sequential, 6 classes), light to dark; the text on the three darkest is white.
COLOURS = ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")
DARK_FROM = 3
NO_DATA_COLOUR = "#d9d9d9"
# Empty cells per unit: room for the shape of the territory before empty rows and columns are removed.
SLACK = 1.6

_PREFIXES = (
    ("Thành phố ", "TP. "), ("Thị xã ", "TX. "), ("Thị trấn ", "TT. "), ("Huyện ", ""), ("Quận ", "Q. "),
    ("Phường ", "P. "), ("Xã ", ""), ("Tỉnh ", ""),
)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    latitude: float | None
    longitude: float | None
    rate: Decimal | float | None


def short_name(name: str) -> str:
    """The label on a tile: the name without its administrative word ("Huyện Na Rì" → "Na Rì"), towns and
    cities abbreviated the way officials write them ("Thành phố Bắc Kạn" → "TP. Bắc Kạn")."""
    name = re.sub(r"\s+", " ", name).strip()
    for prefix, replacement in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return replacement + name[len(prefix):]
    return name


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def classes() -> list[dict]:
    """The legend: one entry per class with its bounds (percent, lower bound included) and its colour, then
    the grey of "no data"."""
    bounds = (None, *BREAKS, None)
    entries = []
    for index, colour in enumerate(COLOURS):
        low, high = bounds[index], bounds[index + 1]
        if low is None:
            label = f"< {_number(high)}%"
        elif high is None:
            label = f"≥ {_number(low)}%"
        else:
            label = f"{_number(low)}–{_number(high)}%"
        entries.append({"label": label, "min": low, "max": high, "colour": colour,
                        "text": "#ffffff" if index >= DARK_FROM else "#212529"})
    entries.append({"label": _("chưa có số liệu"), "min": None, "max": None, "colour": NO_DATA_COLOUR,
                    "text": "#212529"})
    return entries


def class_of(rate) -> int:
    """Index into classes(): the last one (grey) when the rate is unknown."""
    if rate is None:
        return len(COLOURS)
    value = float(rate)
    return sum(1 for cut in BREAKS if value >= cut)


def _grid_shape(count: int, aspect: float) -> tuple[int, int]:
    cells = max(count * SLACK, 1)
    columns = max(1, round(math.sqrt(cells * aspect)))
    rows = max(1, math.ceil(cells / columns))
    return columns, rows


def layout(places: list[Place]) -> dict:
    """Tiles {code, name, short, rate, col, row, class, placed} on a grid of `columns` × `rows`: each place once,
    no two on the same cell. Places with coordinates keep their relative position (north up, east right) as far
    as a grid allows: pairs (place, cell) are taken nearest first. Places without coordinates go on a row of their
    own under the others (placed: false)."""
    located = [p for p in places if p.latitude is not None and p.longitude is not None]
    unlocated = sorted((p for p in places if p.latitude is None or p.longitude is None), key=lambda p: p.code)
    positions: dict[str, tuple[int, int]] = {}
    if located:
        latitudes = [float(p.latitude) for p in located]
        longitudes = [float(p.longitude) for p in located]
        south, north, west, east = min(latitudes), max(latitudes), min(longitudes), max(longitudes)
        # Degrees of longitude are shorter than degrees of latitude away from the equator.
        squeeze = math.cos(math.radians((south + north) / 2))
        width, height = (east - west) * squeeze, north - south
        aspect = 1.0 if width <= 0 or height <= 0 else min(max(width / height, 0.4), 2.5)
        columns, rows = _grid_shape(len(located), aspect)

        def ideal(place: Place) -> tuple[float, float]:
            x = 0.0 if east == west else (float(place.longitude) - west) / (east - west) * (columns - 1)
            y = 0.0 if north == south else (north - float(place.latitude)) / (north - south) * (rows - 1)
            return x, y

        wanted = {p.code: ideal(p) for p in located}
        pairs = sorted(
            ((wanted[p.code][0] - c) ** 2 + (wanted[p.code][1] - r) ** 2, p.code, r, c)
            for p in located for r in range(rows) for c in range(columns)
        )
        taken: set[tuple[int, int]] = set()
        for _distance, code, r, c in pairs:
            if code in positions or (r, c) in taken:
                continue
            positions[code] = (r, c)
            taken.add((r, c))
            if len(positions) == len(located):
                break
        # Close up the empty rows and columns the slack left.
        used_rows = sorted({r for r, _c in positions.values()})
        used_columns = sorted({c for _r, c in positions.values()})
        row_index = {r: i for i, r in enumerate(used_rows)}
        column_index = {c: i for i, c in enumerate(used_columns)}
        positions = {code: (row_index[r], column_index[c]) for code, (r, c) in positions.items()}
    columns = max((c for _r, c in positions.values()), default=-1) + 1
    rows = max((r for r, _c in positions.values()), default=-1) + 1
    if unlocated:
        columns = max(columns, min(len(unlocated), max(columns, 4)))
        for index, place in enumerate(unlocated):
            positions[place.code] = (rows + index // columns, index % columns)
        rows = rows + math.ceil(len(unlocated) / columns)
    tiles = []
    for place in places:
        r, c = positions[place.code]
        rate = None if place.rate is None else round(float(place.rate), 2)
        tiles.append({
            "code": place.code, "name": place.name, "short": short_name(place.name), "rate": rate,
            "col": c, "row": r, "class": class_of(rate),
            "placed": place.latitude is not None and place.longitude is not None,
        })
    return {"columns": columns, "rows": rows, "tiles": tiles, "classes": classes()}


def board_map(board) -> dict:
    """The tile map of a dashboard's children (reports.dashboard.Dashboard), with the words the script draws."""
    tiles = layout([
        Place(code=row.unit.code, name=row.unit.name, latitude=row.unit.latitude, longitude=row.unit.longitude,
              rate=row.now.poverty_rate if row.now else None)
        for row in board.children
    ])
    tiles["labels"] = {"legend_title": _("Tỷ lệ hộ nghèo"), "no_position": _("chưa có toạ độ, đặt ở hàng cuối")}
    return tiles
