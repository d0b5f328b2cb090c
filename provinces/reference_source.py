"""Vietnam's administrative units, read straight from the datasets bundled in two PyPI packages.

Pure Python, no Django: the loader (a management command or a data migration) turns these plain records
into ``AdministrativeUnit`` rows and their succession links.

Sources
-------
* ``vietnamadminunits`` (MIT) is the primary source. Its SQLite file ``data/dataset.db`` has two tables:
  ``admin_units_legacy`` (63 provinces, 696 districts, 10,035 communes in force until 30 June 2025, plus 5 island
  districts that had no communes) and ``admin_units`` (34 provinces, 3,321 communes from 1 July 2025).
  Its ``data/converter_2025.json`` is the legacy-to-2025 conversion table. The converter works on
  accent-free name keys, not on codes, so we resolve those keys back to codes through the same database.
  Its 2025 codes match a public list built from Decision 19/2025/QĐ-TTg wherever we compared them
  (Hà Nội, Cao Bằng, Cần Thơ and Cà Mau in full). They also follow the rule that a merged commune keeps
  the code of one of its predecessors.
* ``vietnam-provinces`` (``data/nested-divisions.json``) has only the 2025 units, taken from the GSO draft list.
  Its codes differ from the final list for about 120 communes (114 codes appear in only one package, and 9
  codes belong to different communes in each). Its spelling differs too ("Hoà" for "Hòa", "M’" for "M'").
  We use it only as a cross-check: see :func:`cross_check_vietnam_provinces`.

Clean-ups done here (the raw data needs them)
---------------------------------------------
* Every string is NFC, with whitespace collapsed.
* The type word in front of a name is written the standard way: "Thành Phố Bắc Kạn" becomes
  "Thành phố Bắc Kạn" and "Thị Trấn Ái Tử" becomes "Thị trấn Ái Tử".
* ``unit_type`` comes from the name prefix. The package's own type column is wrong for 3 legacy and
  4 new communes, for example "Thị trấn Ngọc Lặc" typed "Xã" and "Phường Việt Hòa" typed "Xã".
* Where two units in one parent share a short name, the package adds a marker such as "Yên Viên (Thị trấn)".
  We remove it. Numbered units keep their type word in the short name ("Phường 1", "Quận 1") because the
  package does it that way and a bare "1" is not a name.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROVINCE = "province"
DISTRICT = "district"
COMMUNE = "commune"
LEVELS = (PROVINCE, DISTRICT, COMMUNE)


@dataclass(frozen=True, slots=True)
class UnitRecord:
    code: str  # GSO code with leading zeros: province 2 digits, district 3, commune 5
    level: str  # "province" | "district" | "commune"
    name: str  # full name, e.g. "Xã Kim Hỷ"
    short_name: str  # e.g. "Kim Hỷ"
    unit_type: str  # lower-case type word, e.g. "xã", "thị trấn", "huyện", "thành phố", "tỉnh", "đặc khu"
    parent_code: str | None  # province for districts and 2025 communes, district for legacy communes
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A legacy commune (to 30 Jun 2025) and one of the 2025 communes that took over its territory."""

    legacy_commune_code: str
    new_commune_code: str
    is_default: bool  # exactly one per legacy commune: the successor to use when the address is unknown


@dataclass(frozen=True, slots=True)
class DistrictLinkRecord:
    """A legacy district that had no communes (the 5 island districts) and the special zone that succeeded it."""

    legacy_district_code: str
    new_commune_code: str


@dataclass(frozen=True, slots=True)
class ProvinceLinkRecord:
    """A legacy province and the 2025 province it was merged into (or continued as). Each has exactly one."""

    legacy_province_code: str
    new_province_code: str


@dataclass(frozen=True, slots=True)
class Discrepancy:
    code: str
    kind: str  # "only_in_vietnamadminunits" | "only_in_vietnam_provinces" | "name" | "type" | "province"
    ours: str | None  # value from vietnamadminunits (what we load)
    theirs: str | None  # value from vietnam-provinces


# --------------------------------------------------------------------------------------------------------------
# locating and reading the bundled files (find_spec does not import the packages, which would be slow)


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"Package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _vau_file(name: str) -> Path:
    return _package_dir("vietnamadminunits") / "data" / name


def _vp_file(name: str) -> Path:
    return _package_dir("vietnam_provinces") / "data" / name


def _query(sql: str) -> list[sqlite3.Row]:
    uri = _vau_file("dataset.db").resolve().as_uri() + "?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    try:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def package_versions() -> dict[str, str]:
    """Versions of the source packages, to record alongside an import."""
    return {dist: importlib.metadata.version(dist) for dist in ("vietnamadminunits", "vietnam-provinces")}


# --------------------------------------------------------------------------------------------------------------
# name clean-up

_TYPE_WORDS = ("thành phố", "thị trấn", "thị xã", "đặc khu", "phường", "huyện", "quận", "tỉnh", "xã")
_PREFIX_RE = re.compile(r"^(" + "|".join(_TYPE_WORDS) + r")\s+(.+)$", re.IGNORECASE)
_MARKER_RE = re.compile(r"\s*\((?:" + "|".join(_TYPE_WORDS) + r")\)$", re.IGNORECASE)


def _clean(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _split_name(full_name: str, fallback_type: str | None) -> tuple[str, str]:
    """Return (full name with the type word written the standard way, lower-case type word)."""
    name = _clean(full_name)
    match = _PREFIX_RE.match(name)
    if match:
        unit_type = match.group(1).lower()
        return f"{unit_type[0].upper()}{unit_type[1:]} {match.group(2)}", unit_type
    return name, _clean(fallback_type).lower()


def _short(short_name: str | None, full_name: str) -> str:
    short = _MARKER_RE.sub("", _clean(short_name))
    if short:
        return short
    match = _PREFIX_RE.match(full_name)
    return match.group(2) if match else full_name


def _coord(value: float | None) -> float | None:
    return None if value is None else float(value)


def _unit(level, code, full_name, short_name, type_column, parent_code, lat, lon) -> UnitRecord:
    name, unit_type = _split_name(full_name, type_column)
    return UnitRecord(
        code=_clean(code),
        level=level,
        name=name,
        short_name=_short(short_name, name),
        unit_type=unit_type,
        parent_code=_clean(parent_code) or None,
        latitude=_coord(lat),
        longitude=_coord(lon),
    )


def _sorted(units: list[UnitRecord]) -> tuple[UnitRecord, ...]:
    return tuple(sorted(units, key=lambda u: (LEVELS.index(u.level), u.code)))


# --------------------------------------------------------------------------------------------------------------
# units


@cache
def _legacy_units() -> tuple[UnitRecord, ...]:
    rows = _query(
        "SELECT province, provinceShort, provinceCode, provinceLat, provinceLon,"
        " district, districtShort, districtType, districtCode, districtLat, districtLon,"
        " ward, wardShort, wardType, wardCode, wardLat, wardLon FROM admin_units_legacy"
    )
    provinces: dict[str, UnitRecord] = {}
    districts: dict[str, UnitRecord] = {}
    communes: dict[str, UnitRecord] = {}
    for r in rows:
        p_code, d_code = r["provinceCode"], r["districtCode"]
        if p_code not in provinces:
            provinces[p_code] = _unit(
                PROVINCE, p_code, r["province"], r["provinceShort"], None, None, r["provinceLat"], r["provinceLon"]
            )
        if d_code not in districts:
            districts[d_code] = _unit(
                DISTRICT,
                d_code,
                r["district"],
                r["districtShort"],
                r["districtType"],
                p_code,
                r["districtLat"],
                r["districtLon"],
            )
        if r["wardCode"]:  # NULL for the 5 island districts without communes
            if r["wardCode"] in communes:
                raise ValueError(f"Duplicate legacy commune code {r['wardCode']}")
            communes[r["wardCode"]] = _unit(
                COMMUNE, r["wardCode"], r["ward"], r["wardShort"], r["wardType"], d_code, r["wardLat"], r["wardLon"]
            )
    return _sorted([*provinces.values(), *districts.values(), *communes.values()])


@cache
def _current_units() -> tuple[UnitRecord, ...]:
    rows = _query(
        "SELECT province, provinceShort, provinceCode, provinceLat, provinceLon,"
        " ward, wardShort, wardType, wardCode, wardLat, wardLon FROM admin_units"
    )
    provinces: dict[str, UnitRecord] = {}
    communes: dict[str, UnitRecord] = {}
    for r in rows:
        p_code = r["provinceCode"]
        if p_code not in provinces:
            provinces[p_code] = _unit(
                PROVINCE, p_code, r["province"], r["provinceShort"], None, None, r["provinceLat"], r["provinceLon"]
            )
        if r["wardCode"] in communes:
            raise ValueError(f"Duplicate 2025 commune code {r['wardCode']}")
        communes[r["wardCode"]] = _unit(
            COMMUNE, r["wardCode"], r["ward"], r["wardShort"], r["wardType"], p_code, r["wardLat"], r["wardLon"]
        )
    return _sorted([*provinces.values(), *communes.values()])


def legacy_units() -> list[UnitRecord]:
    """Units in force until 30 June 2025: 63 provinces, 696 districts, 10,035 communes (parents come first)."""
    return list(_legacy_units())


def current_units() -> list[UnitRecord]:
    """Units in force from 1 July 2025: 34 provinces, 3,321 communes (no district level; parents come first)."""
    return list(_current_units())


# --------------------------------------------------------------------------------------------------------------
# succession (the converter table is keyed by accent-free names; resolve the keys to codes)


@cache
def _key_maps() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[tuple[str, str], str]]:
    legacy_province: dict[str, str] = {}
    legacy_unit: dict[str, str] = {}  # "provincekey_districtkey_wardkey" -> commune code, or "D" + district code
    for r in _query(
        "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode FROM admin_units_legacy"
    ):
        legacy_province[r["provinceKey"]] = r["provinceCode"]
        key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        if key in legacy_unit:
            raise ValueError(f"Ambiguous legacy converter key {key}")
        legacy_unit[key] = r["wardCode"] or "D" + r["districtCode"]
    new_province: dict[str, str] = {}
    new_commune: dict[tuple[str, str], str] = {}
    for r in _query("SELECT provinceKey, wardKey, provinceCode, wardCode FROM admin_units"):
        new_province[r["provinceKey"]] = r["provinceCode"]
        if (r["provinceKey"], r["wardKey"]) in new_commune:
            raise ValueError(f"Ambiguous 2025 converter key {r['provinceKey']}/{r['wardKey']}")
        new_commune[(r["provinceKey"], r["wardKey"])] = r["wardCode"]
    return legacy_province, legacy_unit, new_province, new_commune


@cache
def _converter() -> dict:
    with _vau_file("converter_2025.json").open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _links() -> tuple[tuple[LinkRecord, ...], tuple[DistrictLinkRecord, ...]]:
    _, legacy_unit, _, new_commune = _key_maps()
    data = _converter()

    def legacy(key: str) -> str:
        try:
            return legacy_unit[key]
        except KeyError:
            raise ValueError(f"Converter refers to unknown legacy unit {key!r}") from None

    def new(province_key: str, ward_key: str) -> str:
        try:
            return new_commune[(province_key, ward_key)]
        except KeyError:
            raise ValueError(f"Converter refers to unknown 2025 commune {province_key}/{ward_key}") from None

    pairs: dict[tuple[str, str], bool] = {}
    # legacy units that went whole into one new commune: new commune key -> list of legacy keys
    for province_key, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, legacy_keys in wards.items():
            new_code = new(province_key, ward_key)
            for legacy_key in legacy_keys:
                pairs[(legacy(legacy_key), new_code)] = True
    # legacy communes split between several new communes, one of them flagged as the default
    for province_key, splits in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for legacy_key, parts in splits.items():
            legacy_code = legacy(legacy_key)
            for part in parts:
                pairs[(legacy_code, new(province_key, part["newWardKey"]))] = bool(part["isDefaultNewWard"])

    commune_links = tuple(
        LinkRecord(old, new_code, default)
        for (old, new_code), default in sorted(pairs.items())
        if not old.startswith("D")
    )
    district_links = tuple(
        DistrictLinkRecord(old[1:], new_code) for (old, new_code) in sorted(pairs) if old.startswith("D")
    )
    return commune_links, district_links


def succession_links() -> list[LinkRecord]:
    """Legacy commune -> 2025 commune links (10,597: 9,564 whole communes, plus 1,033 parts of 471 split ones).

    Every legacy commune has at least one link and exactly one ``is_default``. Read backwards, they give each
    2025 commune its predecessors. Five 2025 special zones came from island districts with no communes.
    Their predecessors are in :func:`district_links`.
    """
    return list(_links()[0])


def district_links() -> list[DistrictLinkRecord]:
    """The 5 legacy island districts without communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) and
    the 2025 special zone (đặc khu) that succeeded each."""
    return list(_links()[1])


@cache
def _province_links() -> tuple[ProvinceLinkRecord, ...]:
    legacy_province, _, new_province, _ = _key_maps()
    links = []
    for new_key, legacy_keys in _converter()["DICT_PROVINCE"].items():
        for legacy_key in legacy_keys:
            links.append(ProvinceLinkRecord(legacy_province[legacy_key], new_province[new_key]))
    return tuple(sorted(links, key=lambda link: link.legacy_province_code))


def province_links() -> list[ProvinceLinkRecord]:
    """Legacy province -> 2025 province (63 links: each legacy province went whole into one 2025 province)."""
    return list(_province_links())


# --------------------------------------------------------------------------------------------------------------
# cross-check against vietnam-provinces


_TONE_FOLD = str.maketrans({"’": "'", "–": "-"})
_OLD_TONES = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
}
_OLD_TONE_RE = re.compile("|".join(_OLD_TONES))


def _comparable(name: str) -> str:
    """Ignore differences of spelling convention only: tone mark placement (Hoà/Hòa), apostrophe, dash, case."""
    text = _clean(name).translate(_TONE_FOLD).lower()
    return _OLD_TONE_RE.sub(lambda m: _OLD_TONES[m.group(0)], text)


def cross_check_vietnam_provinces() -> list[Discrepancy]:
    """Differences between the 2025 communes we load and those in ``vietnam-provinces`` (GSO draft list)."""
    with _vp_file("nested-divisions.json").open(encoding="utf-8") as fh:
        nested = json.load(fh)
    theirs: dict[str, tuple[str, str, str]] = {}
    for province in nested:
        for ward in province["wards"]:
            theirs[f"{ward['code']:05d}"] = (ward["name"], ward["division_type"], f"{province['code']:02d}")
    ours = {u.code: u for u in _current_units() if u.level == COMMUNE}
    found: list[Discrepancy] = []
    for code in sorted(ours.keys() | theirs.keys()):
        unit, other = ours.get(code), theirs.get(code)
        if other is None:
            found.append(Discrepancy(code, "only_in_vietnamadminunits", unit.name, None))
        elif unit is None:
            found.append(Discrepancy(code, "only_in_vietnam_provinces", None, _clean(other[0])))
        else:
            if _comparable(unit.name) != _comparable(other[0]):
                found.append(Discrepancy(code, "name", unit.name, _clean(other[0])))
            if unit.unit_type != other[1]:
                found.append(Discrepancy(code, "type", unit.unit_type, other[1]))
            if unit.parent_code != other[2]:
                found.append(Discrepancy(code, "province", unit.parent_code, other[2]))
    return found
