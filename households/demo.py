"""Household-level demo reviews that reproduce the published figures (reports/data/demo_figures.json).

Nothing is typed in as an aggregate: for each province and year this writes a review workbook (CSV) of
households with plausible incomes and deprivations, drawn so that the classification engine gives the
published counts, and imports it through the real pipeline as the province's staff. Household totals (the
denominators) are spread over the communes so that they add up exactly. Who a household is (ethnic group, head's
sex, members, head's name, village) is drawn from its code alone: names agree with the head's sex and ethnic group and
villages are a handful per commune in the style of the area (households/data/demo_names.json). Deterministic: the
same seed gives the same files, so a second run finds every workbook already imported and changes nothing.
"""

import csv
import functools
import json
import random
import tempfile
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File

from households.importing.columns import BASE_COLUMNS, INDICATOR_COLUMNS
from households.importing.parse import standard_for_year
from households.importing.services import import_batch_create, import_batch_process
from households.models import ImportBatch
from provinces.models import AdministrativeUnit, HouseholdTotal, end_of_year
from provinces.selectors import unit_in_force, units_in_force

FIGURES = Path(__file__).resolve().parent.parent / "reports" / "data" / "demo_figures.json"
STAFF = {"06": "so_backan", "20": "so_langson", "42": "so_hatinh", "19": "so_thainguyen"}
ETHNICITIES = {
    "06": [("Tày", 52), ("Nùng", 10), ("Dao", 17), ("Kinh", 12), ("Mông", 9)],
    "20": [("Nùng", 42), ("Tày", 35), ("Kinh", 16), ("Dao", 4), ("Sán Chay", 3)],
    "42": [("Kinh", 98), ("Chứt", 1), ("Lào", 1)],
    "19": [("Kinh", 70), ("Tày", 11), ("Nùng", 6), ("Sán Dìu", 5), ("Dao", 4), ("Sán Chay", 4)],
}
NAMES = Path(__file__).resolve().parent / "data" / "demo_names.json"
TOWN_TYPES = {"phường", "thị trấn"}
DECLARED = {
    "poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "middle": "Hộ có mức sống trung bình", "not_poor": "Không nghèo",
}


@dataclass(frozen=True)
class Figure:
    province: str
    district: str | None
    year: int
    total: int
    poor: int
    near_poor: int
    source: str


def figures() -> list[Figure]:
    return [Figure(**entry) for entry in json.loads(FIGURES.read_text(encoding="utf-8"))["units"]]


def _split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of `total` by `weights`: the parts always add up to `total` exactly."""
    scale = sum(weights) or 1.0
    raw = [total * weight / scale for weight in weights]
    parts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class CommunePlan:
    unit: AdministrativeUnit
    weight: float
    propensity: float


def _communes(province: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    return list(
        units_in_force(on=end_of_year(year))
        .filter(level=AdministrativeUnit.Level.COMMUNE, parent__parent=province)
        .select_related("parent").order_by("code")
    )


def _allocate(figure_rows: list[Figure], communes: list[AdministrativeUnit], rng: random.Random):
    """Per commune and year: (total, poor, near_poor), with fixed district figures honoured exactly."""
    plans = [CommunePlan(unit, rng.uniform(0.6, 1.6),
                         rng.uniform(1.8, 3.2) if unit.parent.is_poor_district else rng.uniform(0.4, 1.6))
             for unit in communes]
    result: dict[int, dict[str, tuple[int, int, int]]] = {}
    by_year: dict[int, list[Figure]] = {}
    for row in figure_rows:
        by_year.setdefault(row.year, []).append(row)
    for year, rows in by_year.items():
        province_row = next(row for row in rows if row.district is None)
        fixed = {row.district: row for row in rows if row.district}
        remaining = [plan for plan in plans if plan.unit.parent.code not in fixed]
        groups = [(remaining, province_row.total - sum(r.total for r in fixed.values()),
                   province_row.poor - sum(r.poor for r in fixed.values()),
                   province_row.near_poor - sum(r.near_poor for r in fixed.values()))]
        for code, row in fixed.items():
            groups.append(([plan for plan in plans if plan.unit.parent.code == code], row.total, row.poor,
                           row.near_poor))
        for members, total, poor, near in groups:
            totals = _split(total, [plan.weight for plan in members])
            poors = _split(poor, [plan.weight * plan.propensity for plan in members])
            nears = _split(near, [plan.weight * (0.5 + plan.propensity / 2) for plan in members])
            for plan, t, p, n in zip(members, totals, poors, nears, strict=True):
                if p + n > t:
                    raise ValueError(f"demo figures: commune {plan.unit.code} {year} has {p + n} poor of {t}")
                result.setdefault(plan.unit.code, {})[year] = (t, p, n)
    return plans, result


class _Weighted:
    """A weighted choice drawn with one `rng.random()` (cheaper than `random.choices` for every household)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, weights: dict[str, float] | list[str]):
        pairs = list(weights.items()) if isinstance(weights, dict) else [(item, 1.0) for item in weights]
        self.items = [item for item, _weight in pairs]
        self.cumulative, running = [], 0.0
        for _item, weight in pairs:
            running += weight
            self.cumulative.append(running)
        self.total = running

    def pick(self, rng: random.Random) -> str:
        return self.items[min(bisect_right(self.cumulative, rng.random() * self.total), len(self.items) - 1)]


@dataclass(frozen=True)
class _MiddleNames:
    male: _Weighted
    female: _Weighted
    female_second: _Weighted | None  # "Thị" + a second middle name: Nguyễn Thị Thu Hà
    female_second_share: float


@dataclass(frozen=True)
class _NameBook:
    family: dict[str, _Weighted]  # per ethnic group, or "group/province" for a province's own weights
    middle: dict[str, _MiddleNames]
    given: dict[str, _Weighted]  # "male", "female": disjoint lists
    own_given: dict[str, tuple[float, _Weighted, _Weighted]]  # group: (share, male, female)
    data: dict


@functools.cache
def _name_book() -> _NameBook:
    data = json.loads(NAMES.read_text(encoding="utf-8"))
    middle_data = data["middle"]
    middle = {
        group: _MiddleNames(_Weighted(rules["male"]), _Weighted(rules["female"]),
                            _Weighted(rules["female_second"]) if rules["female_second"] else None,
                            rules["female_second_share"])
        for group, rules in middle_data.items() if group != "same_as"
    }
    for group, like in middle_data["same_as"].items():
        middle[group] = middle[like]
    return _NameBook(
        family={group: _Weighted(weights) for group, weights in data["family"].items()},
        middle=middle,
        given={sex: _Weighted(names) for sex, names in data["given"].items()},
        own_given={group: (own["own_given_share"], _Weighted(own["male"]), _Weighted(own["female"]))
                   for group, own in data["extra_given"].items()},
        data=data,
    )


def head_name(rng: random.Random, *, ethnicity: str, female: bool, province: str) -> str:
    """A household head's full name for the head's ethnic group and sex: family name weighted for the group (and
    province), a middle name of that sex ("Văn"/"Thị", "Đức", "Thu"…), a given name from the list of that sex."""
    book = _name_book()
    family = book.family.get(f"{ethnicity}/{province}") or book.family.get(ethnicity) or book.family["Kinh"]
    rules = book.middle.get(ethnicity, book.middle["default"])
    sex = "female" if female else "male"
    middle = (rules.female if female else rules.male).pick(rng)
    if female and middle == "Thị" and rules.female_second and rng.random() < rules.female_second_share:
        middle = f"{middle} {rules.female_second.pick(rng)}"
    own = book.own_given.get(ethnicity)
    names = (own[2] if female else own[1]) if own and rng.random() < own[0] else book.given[sex]
    given = names.pick(rng)
    while given in middle.split():  # not "Nguyễn Thị Thu Thu"
        given = book.given[sex].pick(rng)
    return f"{family.pick(rng)} {middle} {given}"


@dataclass(frozen=True)
class Villages:
    """A commune's villages (thôn, bản, xóm, tổ dân phố); households of an ethnic minority live more often in the
    villages with highland (Tày-Nùng) names, Kinh households in the others."""

    names: tuple[str, ...]
    highland: tuple[bool, ...]
    for_kinh: _Weighted = field(compare=False, repr=False)
    for_minority: _Weighted = field(compare=False, repr=False)

    def pick(self, rng: random.Random, ethnicity: str) -> str:
        return (self.for_kinh if ethnicity == "Kinh" else self.for_minority).pick(rng)


def commune_villages(*, code: str, province: str, district: str, unit_type: str) -> Villages:
    """A handful of plausible villages for a commune, the same on every run (drawn from the commune's code):
    "Tổ dân phố 3" in wards and townships, "Thôn Trung Sơn"/"Xóm Tân Lập" in Kinh areas, "Bản Khuổi Luông"/
    "Thôn Nà Làng" in the highlands, in the proportion of the province (or district) given in the data file."""
    data = _name_book().data["villages"]
    rng = random.Random(f"villages-{code}")
    count = rng.randint(*data["per_commune"])
    town = unit_type.lower() in TOWN_TYPES
    if town and rng.random() < 0.6:
        names = [f"Tổ dân phố {number}" for number in range(1, count + 1)]
        highland = [False] * count
    else:
        share = 0.0 if town else data["highland_share_by_district"].get(
            district, data["highland_share"].get(province, 0.0))
        prefixes = {
            style: _Weighted(data["prefixes"]["town"] if town else
                             data["prefixes"].get(f"{style}/{province}") or data["prefixes"][style])
            for style in ("kinh", "highland")
        }
        names, highland = [], []
        while len(names) < count:
            is_highland = rng.random() < share
            if is_highland:
                words = (rng.choice(data["highland"]["first"]), rng.choice(data["highland"]["second"]))
            elif rng.random() < 0.15:
                words = tuple(rng.choice(data["kinh"]["set_names"]).split())
            else:
                words = (rng.choice(data["kinh"]["first"]), rng.choice(data["kinh"]["second"]))
            name = f"{prefixes['highland' if is_highland else 'kinh'].pick(rng)} {' '.join(words)}"
            if words[0] != words[1] and not any(other.endswith(" ".join(words)) for other in names):
                names.append(name)
                highland.append(is_highland)
    sizes = [rng.uniform(0.5, 2.0) for _ in names]
    return Villages(
        names=tuple(names), highland=tuple(highland),
        for_kinh=_Weighted({name: size * (1 if hill else 4) for name, size, hill in zip(names, sizes, highland,
                                                                                         strict=True)}),
        for_minority=_Weighted({name: size * (4 if hill else 1) for name, size, hill in zip(names, sizes, highland,
                                                                                             strict=True)}),
    )


@dataclass(frozen=True)
class Person:
    ethnicity: str
    head_name: str
    members: int
    female_head: bool
    village: str


def household_person(code: str, *, ethnicities: list[tuple[str, int]], province: str,
                     villages: Villages) -> Person:
    """Who the household is: the same every year, drawn from its code alone."""
    person = random.Random(code)
    ethnicity = person.choices([name for name, _w in ethnicities], [w for _n, w in ethnicities])[0]
    # Three draws the first demo spent on a name out of 14, 8 and 20 words: kept so that the number of members
    # and the female-head flag, hence every group figure (female_head, ethnic_minority), stay exactly as they were.
    person.randrange(14), person.randrange(8), person.randrange(20)
    members = person.randint(1, 7)
    female_head = person.random() < 0.28
    return Person(ethnicity=ethnicity, head_name=head_name(person, ethnicity=ethnicity, female=female_head,
                                                           province=province),
                  members=members, female_head=female_head, village=villages.pick(person, ethnicity))


def _income(rng: random.Random, low: int, high: int) -> int:
    return int(rng.uniform(low, high) // 1000 * 1000)


def _row(rng, *, code, commune, cls, standard, area, person: Person) -> list:
    line = standard.income_line(area)
    ceiling = standard.middle_ceiling(area) or line * 3 // 2
    if cls == "poor":
        income, deprived = _income(rng, 350_000, line), rng.randint(3, 7)
    elif cls == "near_poor":
        income, deprived = _income(rng, 500_000, line), rng.randint(0, 2)
    elif cls == "middle":
        income, deprived = min(ceiling, _income(rng, line + 1000, ceiling)), rng.randint(0, 3)
    else:
        income, deprived = _income(rng, ceiling + 1000, ceiling * 2), rng.randint(0, 2)
    if cls in ("poor", "near_poor"):
        income = min(income, line)
    keys = list(standard.indicators)
    chosen = set(rng.sample(keys, deprived))
    declared = cls
    if cls in ("poor", "near_poor") and rng.random() < 0.012:  # a few communes declared otherwise: anomalies
        declared = "near_poor" if cls == "poor" else "poor"
    return [code, person.head_name, commune.code, person.village, person.members, income,
            *[1 if key in chosen else 0 for key in keys], DECLARED[declared], person.ethnicity,
            1 if person.female_head else 0]


def reviews_demo_create(*, provinces: list[str] | None = None, stdout=None) -> list[ImportBatch]:
    """Import the demo workbooks for the four provinces (or `provinces`); returns the batches imported now."""
    user_model = get_user_model()
    by_province: dict[str, list[Figure]] = {}
    for row in figures():
        if provinces is None or row.province in provinces:
            by_province.setdefault(row.province, []).append(row)
    imported = []
    for province_code, rows in by_province.items():
        years = sorted({row.year for row in rows})
        province = unit_in_force(code=province_code, year=years[0])
        communes = _communes(province, years[0])
        rng = random.Random(f"demo-{province_code}")
        plans, allocation = _allocate(rows, communes, rng)
        _totals_write(allocation)
        staff = user_model.objects.get(username=STAFF[province_code])
        latent = {plan.unit.code: [rng.random() for _ in range(max(t for t, _p, _n in
                                                                    allocation[plan.unit.code].values()))]
                  for plan in plans}
        villages = {plan.unit.code: commune_villages(code=plan.unit.code, province=province_code,
                                                     district=plan.unit.parent.code, unit_type=plan.unit.unit_type)
                    for plan in plans}
        people: dict[str, Person] = {}
        previous: dict[str, str] = {}
        for year in years:
            if ImportBatch.objects.filter(original_name=_file_name(province_code, year),
                                          status=ImportBatch.Status.COMMITTED).exists():
                continue  # imported by an earlier run
            standard = standard_for_year(year)
            year_rng = random.Random(f"demo-{province_code}-{year}")
            lines = []
            current: dict[str, str] = {}
            for plan in plans:
                total, poor, near = allocation[plan.unit.code][year]
                scores = latent[plan.unit.code][:total]
                noisy = sorted(range(total), key=lambda i: scores[i] + year_rng.gauss(0, 0.04))
                middle = max(1, (poor + near) // 8)
                for rank, index in enumerate(noisy):
                    code = f"{plan.unit.code}{index:06d}"
                    if rank < poor:
                        cls = "poor"
                    elif rank < poor + near:
                        cls = "near_poor"
                    elif rank < poor + near + middle:
                        cls = "middle"
                    elif previous.get(code) in ("poor", "near_poor", "middle"):
                        cls = "not_poor"  # reviewed because it was on last year's lists
                    else:
                        continue
                    current[code] = cls
                    person = people.get(code)
                    if person is None:  # drawn once per household, not once a year
                        person = people[code] = household_person(
                            code, ethnicities=ETHNICITIES[province_code], province=province_code,
                            villages=villages[plan.unit.code])
                    lines.append(_row(year_rng, code=code, commune=plan.unit, cls=cls, standard=standard,
                                      area=plan.unit.area, person=person))
            previous = current
            batch = _import(lines, standard=standard, year=year, province_code=province_code, staff=staff)
            if batch is not None:
                imported.append(batch)
                if stdout:
                    stdout.write(f"  {province.name} {year}: {batch.rows} hộ, trạng thái {batch.status}")
    return imported


def _totals_write(allocation: dict[str, dict[int, tuple[int, int, int]]]) -> None:
    years = {year for per_year in allocation.values() for year in per_year}
    rows = []
    for year in years:
        ids = dict(units_in_force(on=end_of_year(year)).filter(code__in=allocation.keys(),
                                                                  level=AdministrativeUnit.Level.COMMUNE)
                   .values_list("code", "pk"))
        for code, per_year in allocation.items():
            if year in per_year:
                rows.append(HouseholdTotal(unit_id=ids[code], year=year, total_households=per_year[year][0],
                                           source=HouseholdTotal.Source.DEMO,
                                           source_note="Dữ liệu minh hoạ (reports/data/demo_figures.json)"))
    HouseholdTotal.objects.bulk_create(
        rows, batch_size=2000, update_conflicts=True, unique_fields=["unit", "year"],
        update_fields=["total_households", "source", "source_note"],
    )


def _file_name(province_code: str, year: int) -> str:
    return f"ra-soat-{province_code}-{year}-minh-hoa.csv"


def _import(lines, *, standard, year, province_code, staff) -> ImportBatch | None:
    header = [column.header for column in BASE_COLUMNS if column.key in (
        "household_code", "head_name", "commune_code", "village", "members", "income_per_capita")]
    header += [column.header for key in standard.indicators for column in INDICATOR_COLUMNS if column.key == key]
    header += ["Phân loại", "Dân tộc", "Chủ hộ là nữ"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / _file_name(province_code, year)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(lines)
        from config.errors import ApplicationError

        try:
            with path.open("rb") as handle:
                batch = import_batch_create(uploaded_file=File(handle, name=path.name), year=year, acting_user=staff,
                                            original_name=path.name, enqueue=False)
        except ApplicationError as error:
            if error.extra.get("duplicate_of"):
                return None  # already imported: the demo is idempotent
            raise
        return import_batch_process(batch_id=batch.pk)
