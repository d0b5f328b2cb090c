"""The demo's households (households/demo.py, households/data/demo_names.json): names that agree with the head's sex
and ethnic group, enough variety that neighbours rarely share a name, a village for everyone, the same on every
run, and the ethnicity / female-head / members draws of the first demo kept (the published group figures)."""

import hashlib
import json
import os
import random
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest
from django.conf import settings

from households.demo import ETHNICITIES, NAMES, commune_villages, household_person

DATA = json.loads(NAMES.read_text(encoding="utf-8"))
# The largest commune of the demo has 920 households over the three reviewed years.
LARGEST_COMMUNE = 920
# (province, a commune code, its district) of each demo province; the codes only seed the draws.
COMMUNES = [("42", "18073", "445"), ("06", "02071", "066"), ("20", "06187", "180"), ("19", "05602", "170")]


def given_names(sex: str) -> set[str]:
    names = set(DATA["given"][sex])
    for own in DATA["extra_given"].values():
        names |= set(own[sex])
    return names


MALE, FEMALE = given_names("male"), given_names("female")


def commune(province: str, code: str, district: str, size: int = LARGEST_COMMUNE, unit_type: str = "xã"):
    villages = commune_villages(code=code, province=province, district=district, unit_type=unit_type)
    people = [household_person(f"{code}{index:06d}", ethnicities=ETHNICITIES[province], province=province,
                               villages=villages) for index in range(size)]
    return villages, people


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_name_data_is_nfc_and_the_given_name_lists_are_one_sex_each():
    assert all(unicodedata.normalize("NFC", text) == text for text in strings(DATA))
    assert not MALE & FEMALE
    assert len(DATA["given"]["male"]) == len(set(DATA["given"]["male"])) >= 200
    assert len(DATA["given"]["female"]) == len(set(DATA["given"]["female"])) >= 120
    for group, rules in DATA["middle"].items():
        if group != "same_as":
            assert "Thị" not in rules["male"] and "Văn" not in rules["female"], group
    assert set(DATA["family"]) >= {name for mix in ETHNICITIES.values() for name, _weight in mix}


@pytest.mark.parametrize(("province", "code", "district"), COMMUNES)
def test_the_head_s_sex_agrees_with_the_name(province, code, district):
    _villages, people = commune(province, code, district)
    assert {person.female_head for person in people} == {True, False}
    for person in people:
        words = person.head_name.split()
        assert 3 <= len(words) <= 4 and person.head_name == unicodedata.normalize("NFC", person.head_name)
        if person.female_head:
            assert words[-1] in FEMALE and "Văn" not in words[1:-1], person
        else:
            assert words[-1] in MALE and "Thị" not in words[1:-1], person


@pytest.mark.parametrize(("province", "code", "district"), COMMUNES)
def test_households_of_a_commune_rarely_share_a_name(province, code, district):
    _villages, people = commune(province, code, district)
    counts = Counter(person.head_name for person in people)
    assert len(people) - len(counts) <= 0.04 * len(people), counts.most_common(5)
    assert counts.most_common(1)[0][1] <= 3, counts.most_common(5)


def test_family_names_follow_the_ethnic_group():
    _villages, ha_tinh = commune("42", "18073", "445", size=600)
    _villages, bac_kan = commune("06", "02071", "066", size=600)
    family = {province: Counter(person.head_name.split()[0] for person in people)
              for province, people in (("42", ha_tinh), ("06", bac_kan))}
    assert family["42"].most_common(1)[0][0] == "Nguyễn"
    assert {"Trần", "Lê", "Phan", "Võ"} <= set(family["42"])
    assert family["06"].most_common(1)[0][0] in {"Hoàng", "Nông"}
    assert family["06"]["Nguyễn"] < 0.1 * 600
    assert {"Triệu", "Bàn", "Ma", "Nông"} <= set(family["06"])
    for person in bac_kan:
        surname = person.head_name.split()[0]
        assert surname in DATA["family"][person.ethnicity], person
    mong = [person for person in bac_kan if person.ethnicity == "Mông"]
    assert mong and all(person.head_name.split()[0] in DATA["family"]["Mông"] for person in mong)


@pytest.mark.parametrize(("province", "code", "district"), COMMUNES)
def test_every_household_lives_in_one_of_a_handful_of_villages(province, code, district):
    villages, people = commune(province, code, district)
    low, high = DATA["villages"]["per_commune"]
    assert low <= len(villages.names) <= high and len(set(villages.names)) == len(villages.names)
    assert all(person.village in villages.names for person in people)
    assert len({person.village for person in people}) > 1
    assert all(name == unicodedata.normalize("NFC", name) and len(name.split()) == 3 for name in villages.names)
    prefixes = {name.split()[0] for name in villages.names}
    assert prefixes <= {"Thôn", "Xóm", "Bản"}


def test_village_styles_follow_the_province():
    def prefixes(province, district, unit_type="xã"):
        found = Counter()
        for number in range(60):
            villages = commune_villages(code=f"{number:05d}", province=province, district=district,
                                        unit_type=unit_type)
            found.update(name.rsplit(" ", 2)[0] for name in villages.names)
        return found

    ha_tinh = prefixes("42", "445")
    assert set(ha_tinh) == {"Thôn", "Xóm"} and ha_tinh["Thôn"] > ha_tinh["Xóm"]
    bac_kan = prefixes("06", "066")
    assert bac_kan["Bản"] > 0 and bac_kan["Thôn"] > 0
    thai_nguyen = prefixes("19", "173")
    assert thai_nguyen["Xóm"] > thai_nguyen["Thôn"]
    town = commune_villages(code="00100", province="42", district="436", unit_type="phường")
    assert all(name.startswith("Tổ dân phố ") for name in town.names)


def test_highland_names_in_bac_kan_and_lang_son():
    villages = [commune_villages(code=f"{number:05d}", province="20", district="180", unit_type="xã")
                for number in range(30)]
    words = Counter(name.split()[1] for commune_ in villages for name in commune_.names)
    assert words["Nà"] + words["Khuổi"] + words["Pác"] + words["Phiêng"] > 0


def digest() -> str:
    found = []
    for province, code, district in COMMUNES:
        villages, people = commune(province, code, district, size=200)
        found += [*villages.names, *(f"{p.head_name}|{p.village}|{p.ethnicity}|{p.female_head}" for p in people)]
    return hashlib.sha256("\n".join(found).encode()).hexdigest()


def test_the_same_on_every_run_whatever_the_random_state_or_the_process():
    random.seed(1)
    first = digest()
    random.seed(2)
    assert digest() == first
    script = ("import django; django.setup(); from tests.households.test_demo_names import digest; print(digest())")
    environment = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=settings.BASE_DIR, env=environment)
    assert other.stdout.strip().splitlines()[-1] == first


def _first_demo_draws(code: str, ethnicities: list[tuple[str, int]]) -> tuple[str, int, bool]:
    """The first demo's draws for a household: ethnicity, then a name of three words out of 14, 8 and 20, the number
    of members and the female-head flag."""
    person = random.Random(code)
    ethnicity = person.choices([name for name, _w in ethnicities], [w for _n, w in ethnicities])[0]
    person.choice(range(14)), person.choice(range(8)), person.choice(range(20))
    return ethnicity, person.randint(1, 7), person.random() < 0.28


@pytest.mark.parametrize(("province", "code", "district"), COMMUNES)
def test_ethnicity_members_and_female_head_are_those_of_the_first_demo(province, code, district):
    """Only the name and the village changed: the female-head and ethnic-minority groups keep their counts."""
    _villages, people = commune(province, code, district, size=500)
    for index, person in enumerate(people):
        expected = _first_demo_draws(f"{code}{index:06d}", ETHNICITIES[province])
        assert (person.ethnicity, person.members, person.female_head) == expected
