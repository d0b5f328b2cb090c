"""Household classification under the multidimensional poverty standards.

Pure domain rules: plain data in, frozen dataclasses out, no Django. Every
number (income lines, ceilings, indicator lists, review years) comes from data
(`households/data/standards.json`) through `standards_from_data`; none is a
constant here. Rules 1–3 of `docs/domain.md` (§1) apply.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = [
    "Area",
    "Classification",
    "ClassificationInputError",
    "ClassificationValue",
    "ImportClassifier",
    "Indicator",
    "StandardRules",
    "Transition",
    "classify",
    "format_vnd",
    "is_newly_escaped",
    "newly_escaped_until",
    "standard_for_review_year",
    "standard_in_force_on",
    "standards_from_data",
    "transition",
]


def gettext_noop(text: str) -> str:
    """Marks a label for the translation catalogue without Django (this module is pure); the models and pages
    translate it."""
    return text


class LabelledValue(StrEnum):
    """A value with its Vietnamese label, declared together: ``POOR = "poor", gettext_noop("Hộ nghèo")``."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Area(LabelledValue):
    """Area type of the household's commune at the review date."""

    URBAN = "urban", "thành thị"
    RURAL = "rural", "nông thôn"


class ClassificationValue(LabelledValue):
    """Contract classification values (docs/contracts.md §6). The one definition: `HouseholdReview.Classification`
    (the model's choices) is built from it."""

    POOR = "poor", gettext_noop("Hộ nghèo")
    NEAR_POOR = "near_poor", gettext_noop("Hộ cận nghèo")
    MIDDLE = "middle", gettext_noop("Hộ có mức sống trung bình")
    NOT_POOR = "not_poor", gettext_noop("Không thuộc các loại trên")


class Transition(LabelledValue):
    """Contract year-on-year status values (docs/contracts.md §6). The one definition: `HouseholdReview.Transition`
    (the model's choices) is built from it."""

    NEWLY_POOR = "newly_poor", gettext_noop("Hộ nghèo phát sinh")
    RE_POOR = "re_poor", gettext_noop("Hộ tái nghèo")
    ESCAPED = "escaped", gettext_noop("Hộ thoát nghèo")
    REMAINED = "remained", gettext_noop("Hộ vẫn nghèo")


class ClassificationInputError(ValueError):
    """Invalid input to `classify`; `field` names the offending input."""

    def __init__(self, *, field: str, message: str, values: Iterable[str] = ()) -> None:
        self.field = field
        self.message = unicodedata.normalize("NFC", message)
        self.values = tuple(values)
        super().__init__(self.message)


@dataclass(frozen=True)
class Indicator:
    """One deprivation indicator of a standard, with its Vietnamese texts."""

    key: str
    name: str
    service: str = ""
    deprivation_condition: str = ""
    confidence: str = ""


@dataclass(frozen=True)
class StandardRules:
    """The rules of one poverty standard, loaded from data."""

    code: str
    name: str
    legal_basis: str
    income_lines: Mapping[Area, int] = field(hash=False)
    middle_ceilings: Mapping[Area, int | None] = field(hash=False)
    indicators: tuple[str, ...]
    min_deprivations: int
    first_review_year: int
    last_review_year: int | None
    to_confirm: bool = False
    indicator_details: tuple[Indicator, ...] = field(default=(), hash=False)
    newly_escaped_months: int | None = None

    def income_line(self, area: Area) -> int:
        return self.income_lines[area]

    def middle_ceiling(self, area: Area) -> int | None:
        return self.middle_ceilings.get(area)

    def covers_review_year(self, year: int) -> bool:
        if year < self.first_review_year:
            return False
        return self.last_review_year is None or year <= self.last_review_year

    def indicator(self, key: str) -> Indicator:
        for item in self.indicator_details:
            if item.key == key:
                return item
        raise KeyError(key)


@dataclass(frozen=True)
class Classification:
    """Result of `classify`; `reason` is a Vietnamese (NFC) explanation."""

    classification: ClassificationValue
    deprivation_count: int
    standard: str
    area: Area
    income_per_capita: int
    income_line: int
    middle_ceiling: int | None
    min_deprivations: int
    deprivations: tuple[str, ...]
    reason: str


# --------------------------------------------------------------------------- loading


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text))


def _area_amounts(raw: Mapping[str, Any], *, code: str, name: str, optional: bool) -> dict[Area, int | None]:
    amounts: dict[Area, int | None] = {}
    for area in Area:
        value = raw.get(area.value)
        if value is None and optional:
            amounts[area] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"Chuẩn {code}: {name} cho khu vực {area.value} phải là số nguyên dương: {value!r}")
        amounts[area] = value
    unknown = set(raw) - {area.value for area in Area}
    if unknown:
        raise ValueError(f"Chuẩn {code}: khu vực không hợp lệ trong {name}: {', '.join(sorted(unknown))}")
    return amounts


def _standard_from_dict(item: Mapping[str, Any]) -> StandardRules:
    try:
        code = str(item["code"])
        lines = _area_amounts(item["income_lines"], code=code, name="income_lines", optional=False)
        ceilings = _area_amounts(item.get("middle_ceilings") or {}, code=code, name="middle_ceilings", optional=True)
        raw_indicators = item["indicators"]
        min_deprivations = int(item["min_deprivations"])
        first_year = int(item["first_review_year"])
        last_year = item.get("last_review_year")
        last_year = None if last_year is None else int(last_year)
    except KeyError as error:
        raise ValueError(f"Chuẩn nghèo thiếu trường bắt buộc: {error.args[0]}") from error

    details = tuple(
        Indicator(key=entry, name=entry)
        if isinstance(entry, str)
        else Indicator(
            key=str(entry["key"]),
            name=_nfc(entry.get("name", entry["key"])),
            service=_nfc(entry.get("service", "")),
            deprivation_condition=_nfc(entry.get("deprivation_condition", "")),
            confidence=str(entry.get("confidence", "")),
        )
        for entry in raw_indicators
    )
    keys = tuple(detail.key for detail in details)
    if len(set(keys)) != len(keys):
        raise ValueError(f"Chuẩn {code}: chỉ số bị lặp")
    if not 1 <= min_deprivations <= len(keys):
        raise ValueError(f"Chuẩn {code}: số chỉ số thiếu hụt tối thiểu không hợp lệ: {min_deprivations}")
    if last_year is not None and last_year < first_year:
        raise ValueError(f"Chuẩn {code}: năm rà soát cuối trước năm rà soát đầu")
    for area, ceiling in ceilings.items():
        if ceiling is not None and ceiling <= (lines[area] or 0):
            raise ValueError(f"Chuẩn {code}: mức sống trung bình ({area.value}) phải cao hơn chuẩn nghèo")
    months = item.get("newly_escaped_months")
    return StandardRules(
        code=code,
        name=_nfc(item.get("name", code)),
        legal_basis=_nfc(item.get("legal_basis", "")),
        income_lines=MappingProxyType({area: int(value or 0) for area, value in lines.items()}),
        middle_ceilings=MappingProxyType(ceilings),
        indicators=keys,
        min_deprivations=min_deprivations,
        first_review_year=first_year,
        last_review_year=last_year,
        to_confirm=bool(item.get("to_confirm", False)),
        indicator_details=details,
        newly_escaped_months=None if months is None else int(months),
    )


def standards_from_data(data: Iterable[Mapping[str, Any]]) -> dict[str, StandardRules]:
    """Build standards from plain dicts (the shape of `standards.json`), keyed by code.

    Raises ValueError on malformed data, duplicate codes or overlapping review years.
    """
    standards: dict[str, StandardRules] = {}
    for item in data:
        rules = _standard_from_dict(item)
        if rules.code in standards:
            raise ValueError(f"Chuẩn nghèo bị lặp: {rules.code}")
        for other in standards.values():
            if _ranges_overlap(rules, other):
                raise ValueError(f"Năm rà soát của chuẩn {rules.code} và {other.code} chồng lấn nhau")
        standards[rules.code] = rules
    return standards


def _ranges_overlap(first: StandardRules, second: StandardRules) -> bool:
    first_end = first.last_review_year if first.last_review_year is not None else math.inf
    second_end = second.last_review_year if second.last_review_year is not None else math.inf
    return first.first_review_year <= second_end and second.first_review_year <= first_end


# --------------------------------------------------------------------------- choosing a standard


def standard_for_review_year(standards: Mapping[str, StandardRules], year: int) -> StandardRules:
    """The standard used by the periodic review of `year` (ruling 1), from the data's review years."""
    for rules in standards.values():
        if rules.covers_review_year(year):
            return rules
    raise ValueError(f"Không có chuẩn nghèo nào áp dụng cho năm rà soát {year}")


def standard_in_force_on(standards: Mapping[str, StandardRules], day: date) -> StandardRules:
    """The standard in force on `day`, for ad-hoc reviews (ruling 1).

    The periodic review of year Y fixes the lists for Y+1, so the standard in
    force during year Y+1 is the one of review year Y.
    """
    return standard_for_review_year(standards, day.year - 1)


# --------------------------------------------------------------------------- classifying


def format_vnd(amount: int) -> str:
    """Vietnamese number format: 1500000 → "1.500.000"."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


def _parse_area(area: Area | str, standard: StandardRules) -> Area:
    try:
        parsed = Area(area)
    except ValueError:
        raise ClassificationInputError(
            field="area",
            message=f"Khu vực không hợp lệ: {area!r} (chỉ nhận 'urban' hoặc 'rural')",
            values=(str(area),),
        ) from None
    if parsed not in standard.income_lines:
        raise ClassificationInputError(
            field="area",
            message=f"Chuẩn {standard.code} không có chuẩn thu nhập cho khu vực {parsed.label}",
            values=(parsed.value,),
        )
    return parsed


def _parse_deprivations(deprivations: Iterable[str], standard: StandardRules) -> tuple[str, ...]:
    if isinstance(deprivations, str | bytes) or not isinstance(deprivations, Iterable):
        raise ClassificationInputError(
            field="deprivations",
            message="Danh sách chỉ số thiếu hụt phải là một danh sách các mã chỉ số",
        )
    keys = set()
    for key in deprivations:
        if not isinstance(key, str):
            raise ClassificationInputError(
                field="deprivations",
                message=f"Mã chỉ số thiếu hụt phải là chuỗi ký tự: {key!r}",
                values=(str(key),),
            )
        keys.add(key)
    unknown = sorted(keys - set(standard.indicators))
    if unknown:
        raise ClassificationInputError(
            field="deprivations",
            message=(
                f"Chỉ số không thuộc chuẩn {standard.code}: {', '.join(unknown)}. "
                f"Các chỉ số hợp lệ: {', '.join(standard.indicators)}"
            ),
            values=unknown,
        )
    return tuple(key for key in standard.indicators if key in keys)


# Which side of the lines an income falls on (rulings 2–3): at or below the poverty line, in the middle band (above
# the line, at or below the middle ceiling), or above both. Everything else about a verdict is fixed by the standard,
# the area and the deprivation count, so the import (`ImportClassifier`) builds it once and compares only the income.
_BAND_LINE, _BAND_MIDDLE, _BAND_ABOVE = 0, 1, 2


def _income_band(income_per_capita: int, line: int, ceiling: int | None) -> int:
    """Lines are inclusive; a standard with no middle ceiling has no middle band (everything above the line)."""
    if income_per_capita <= line:
        return _BAND_LINE
    if ceiling is not None and income_per_capita <= ceiling:
        return _BAND_MIDDLE
    return _BAND_ABOVE


def _verdict(standard: StandardRules, area: Area, count: int, band: int) -> tuple[ClassificationValue, str, str]:
    """(value, reason text before the income, reason text after it) for a household with `count` deprivations whose
    income falls in `band`. The reason is the two parts around `format_vnd(income)`; each part is NFC already, and
    the income (ASCII digits and dots, between spaces) composes with neither, so the joined reason is NFC too."""
    line = standard.income_line(area)
    ceiling = standard.middle_ceiling(area)
    total = len(standard.indicators)
    minimum = standard.min_deprivations
    area_text = f"({area.label})"

    if band == _BAND_LINE:
        # Ruling 3: poverty is income AND deprivations; income alone at or below the line is near-poverty.
        value = ClassificationValue.POOR if count >= minimum else ClassificationValue.NEAR_POOR
        comparison = "≥" if count >= minimum else "<"
        after = (
            f" đ ≤ chuẩn {format_vnd(line)} đ {area_text} và thiếu hụt "
            f"{count}/{total} chỉ số ({comparison} {minimum}): {value.label.lower()}"
        )
    elif ceiling is None:
        value = ClassificationValue.NOT_POOR
        after = (
            f" đ > chuẩn {format_vnd(line)} đ {area_text}; chuẩn {standard.code} "
            f"chưa quy định mức sống trung bình: không thuộc hộ nghèo, hộ cận nghèo"
        )
    elif band == _BAND_MIDDLE:
        value = ClassificationValue.MIDDLE
        after = (
            f" đ > chuẩn {format_vnd(line)} đ và ≤ mức sống trung bình "
            f"{format_vnd(ceiling)} đ {area_text}: hộ có mức sống trung bình"
        )
    else:
        value = ClassificationValue.NOT_POOR
        after = (
            f" đ > mức sống trung bình {format_vnd(ceiling)} đ {area_text}: "
            f"không thuộc hộ nghèo, hộ cận nghèo, hộ có mức sống trung bình"
        )
    return value, unicodedata.normalize("NFC", "Thu nhập "), unicodedata.normalize("NFC", after)


def classify(
    *,
    standard: StandardRules,
    area: Area | str,
    income_per_capita: int,
    deprivations: frozenset[str] | Iterable[str],
) -> Classification:
    """Classify a household (rulings 2–3): income lines are inclusive, poverty is income AND deprivations."""
    if isinstance(income_per_capita, bool) or not isinstance(income_per_capita, int):
        raise ClassificationInputError(
            field="income_per_capita",
            message=f"Thu nhập bình quân đầu người phải là số nguyên (đồng): {income_per_capita!r}",
        )
    if income_per_capita < 0:
        raise ClassificationInputError(
            field="income_per_capita",
            message=f"Thu nhập bình quân đầu người không được âm: {format_vnd(income_per_capita)} đ",
        )
    parsed_area = _parse_area(area, standard)
    deprived = _parse_deprivations(deprivations, standard)

    count = len(deprived)
    line = standard.income_line(parsed_area)
    ceiling = standard.middle_ceiling(parsed_area)
    value, before, after = _verdict(standard, parsed_area, count, _income_band(income_per_capita, line, ceiling))

    return Classification(
        classification=value,
        deprivation_count=count,
        standard=standard.code,
        area=parsed_area,
        income_per_capita=income_per_capita,
        income_line=line,
        middle_ceiling=ceiling,
        min_deprivations=standard.min_deprivations,
        deprivations=deprived,
        reason=before + format_vnd(income_per_capita) + after,
    )


class ImportClassifier:
    """`classify` for the review import, which calls it about once a row (incomes rarely repeat): the same
    (value, deprivation count, reason) for one standard, at a fraction of the cost.

    The area and deprivations are checked by classify's own parsers, once per distinct (area, deprivations); each
    verdict (`_verdict`: value and reason text around the income) is built once per (area, count, band). A call
    then only finds the income's band and formats the income. The income is not checked: the importer passes a
    non-negative int it has validated (classify refuses anything else)."""

    __slots__ = ("_inputs", "_verdicts", "standard")

    def __init__(self, standard: StandardRules) -> None:
        self.standard = standard
        # (area, deprivations) → (line, ceiling, verdicts); verdicts: (value, count, before, after) by band
        self._inputs: dict[tuple, tuple[int, int | None, tuple[tuple[str, int, str, str], ...]]] = {}
        self._verdicts: dict[tuple[Area, int], tuple[tuple[str, int, str, str], ...]] = {}  # by (area, count)

    def __call__(self, area: Area | str, income_per_capita: int, deprivations: frozenset[str]) -> tuple[str, int, str]:
        """(classification value, deprivation count, reason), as `classify` gives them."""
        known = self._inputs.get((area, deprivations))
        if known is None:
            known = self._known(area, deprivations)
        line, ceiling, verdicts = known
        value, count, before, after = verdicts[_income_band(income_per_capita, line, ceiling)]
        return value, count, before + format_vnd(income_per_capita) + after

    def _known(self, area: Area | str, deprivations: frozenset[str]):
        standard = self.standard
        parsed_area = _parse_area(area, standard)
        count = len(_parse_deprivations(deprivations, standard))
        verdicts = self._verdicts.get((parsed_area, count))
        if verdicts is None:
            verdicts = self._verdicts[parsed_area, count] = tuple(
                (str(value), count, before, after)
                for value, before, after in (
                    _verdict(standard, parsed_area, count, band) for band in (_BAND_LINE, _BAND_MIDDLE, _BAND_ABOVE)
                )
            )
        known = self._inputs[area, deprivations] = (
            standard.income_line(parsed_area),
            standard.middle_ceiling(parsed_area),
            verdicts,
        )
        return known


# --------------------------------------------------------------------------- year on year


def transition(
    *,
    previous: Iterable[tuple[int, ClassificationValue | str]],
    current: ClassificationValue | str,
) -> Transition | None:
    """Year-on-year status of a household against its earlier reviews (any order).

    Compared with the most recent earlier review (gaps are not filled in):
    poor now and then → remained; poor now, not then but poor in some earlier
    year → re_poor; poor now and never before (or no history) → newly_poor;
    not poor now but poor then → escaped; otherwise None.

    docs/domain.md §5 reports near-poor → poor as its own flow ("hộ cận nghèo
    trở thành hộ nghèo") and "escaped near-poverty" separately; the contract has
    no values for them, so near-poor → poor (never poor before) is newly_poor
    here and leaving near-poverty is None. Tell them apart by the previous
    classification. The look-back window for re_poor is unknown ([R]): any
    earlier poor year counts.
    """
    current_value = ClassificationValue(current)
    history = sorted((int(year), ClassificationValue(value)) for year, value in previous)
    years = [year for year, _ in history]
    if len(set(years)) != len(years):
        raise ValueError("Lịch sử rà soát có năm bị lặp")

    last = history[-1][1] if history else None
    was_ever_poor = any(value is ClassificationValue.POOR for _, value in history)

    if current_value is ClassificationValue.POOR:
        if last is ClassificationValue.POOR:
            return Transition.REMAINED
        return Transition.RE_POOR if was_ever_poor else Transition.NEWLY_POOR
    if last is ClassificationValue.POOR:
        return Transition.ESCAPED
    return None


def newly_escaped_until(*, escaped_review_year: int, months: int) -> int:
    """Last calendar year a household recognised as escaped by the review of `escaped_review_year` is "newly escaped".

    docs/domain.md §5 gives the "hộ mới thoát nghèo" window as 36 months, but
    only as recollection [R]; it is therefore data (`newly_escaped_months` in
    standards.json), passed in here. Recognition is taken as the end of the
    review year, so 36 months covers the three following calendar years.
    """
    if months <= 0:
        raise ValueError("Số tháng phải lớn hơn 0")
    return escaped_review_year + math.ceil(months / 12)


def is_newly_escaped(*, escaped_review_year: int, year: int, months: int) -> bool:
    """Whether the household still counts as "newly escaped" during calendar `year`."""
    until = newly_escaped_until(escaped_review_year=escaped_review_year, months=months)
    return escaped_review_year < year <= until
