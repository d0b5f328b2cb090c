"""The anomaly list, as provinces actually check a review: rules over the communes' poverty aggregates.

`detect` is pure (plain figures in, anomalies out); `anomalies_list` reads the aggregates of the communes under a
unit for a year and the year before (two queries, whatever the number of communes). Year-on-year rules compare a
commune with itself: across the 2025 reorganisation (a 2025 commune has no 2024 row) they do not apply.

Thresholds come from the setting `REPORTS_ANOMALY_THRESHOLDS` (a dict overriding `DEFAULT_THRESHOLDS`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes import targets as arithmetic
from programmes.groups import HouseholdGroup
from provinces.models import AdministrativeUnit
from provinces.selectors import scope_filter
from reports.models import PovertyAggregate
from reports.selectors import FIGURE_FIELDS, PovertyFigures, figures_of

HALVED = "halved"
NO_ESCAPE = "no_escape"
MISMATCHES = "mismatches"
OVER_100 = "over_100"
NO_DENOMINATOR = "no_denominator"
RE_POOR = "re_poor"

DEFAULT_THRESHOLDS = {
    # Flag a commune whose declared and computed classifications differ for at least this many households...
    "mismatch_count": 10,
    # ...or for at least this percentage of the households reviewed.
    "mismatch_percent": Decimal(5),
    # Flag a commune with at least this many re-poor households in the year.
    "re_poor_count": 10,
}

RULE_LABELS = {
    HALVED: gettext_lazy("Tỷ lệ hộ nghèo giảm từ một nửa trở lên so với năm trước"),
    NO_ESCAPE: gettext_lazy("Không có hộ nào thoát nghèo dù năm trước có hộ nghèo"),
    MISMATCHES: gettext_lazy("Nhiều hộ có phân loại của xã khác kết quả chấm điểm"),
    OVER_100: gettext_lazy("Tỷ lệ vượt quá 100%"),
    NO_DENOMINATOR: gettext_lazy("Chưa có tổng số hộ (mẫu số)"),
    RE_POOR: gettext_lazy("Nhiều hộ tái nghèo"),
}


def thresholds() -> dict:
    values = dict(DEFAULT_THRESHOLDS)
    values.update(getattr(settings, "REPORTS_ANOMALY_THRESHOLDS", {}) or {})
    return values


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired for one commune: `rule`, a sentence with its figures, and the household-list filter
    that shows the households behind it."""

    rule: str
    detail: str
    filters: tuple[tuple[str, str], ...]


def _rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}%".replace(".", ",")


def detect(*, now: PovertyFigures, before: PovertyFigures | None, limits: Mapping) -> list[Finding]:
    """Pure: the rules that fire for one commune's figures of a year (`now`) and of the year before."""
    findings: list[Finding] = []
    rate_now = now.poverty_rate
    if before is not None and rate_now is not None:
        rate_before = before.poverty_rate
        if rate_before is not None and rate_before > 0 and rate_now * 2 <= rate_before:
            findings.append(Finding(
                HALVED,
                _("Từ %(before)s xuống %(now)s.") % {"before": _rate_text(rate_before), "now": _rate_text(rate_now)},
                (("transition", "escaped"),),
            ))
    if before is not None and before.poor > 0 and now.reviewed > 0 and now.escaped == 0:
        findings.append(Finding(
            NO_ESCAPE,
            _("Năm trước có %(poor)d hộ nghèo, năm nay không hộ nào thoát nghèo.") % {"poor": before.poor},
            (("classification", "poor"),),
        ))
    reviewed = now.reviewed
    mismatch_share = arithmetic.rate(count=now.mismatches, total=reviewed)
    if now.mismatches and (
        now.mismatches >= limits["mismatch_count"]
        or (mismatch_share is not None and mismatch_share >= Decimal(limits["mismatch_percent"]))
    ):
        findings.append(Finding(
            MISMATCHES,
            _("%(count)d hộ (%(share)s số hộ được rà soát) có phân loại của xã khác kết quả chấm điểm.")
            % {"count": now.mismatches, "share": _rate_text(mismatch_share)},
            (("mismatch", "1"),),
        ))
    if not now.total_households:
        if now.reviewed or now.poor or now.near_poor:
            findings.append(Finding(
                NO_DENOMINATOR,
                _("Đã rà soát %(reviewed)d hộ nhưng chưa có tổng số hộ của xã: không tính được tỷ lệ.")
                % {"reviewed": now.reviewed},
                (),
            ))
    elif now.poor + now.near_poor > now.total_households:
        findings.append(Finding(
            OVER_100,
            _("%(count)d hộ nghèo và cận nghèo trên tổng số %(total)d hộ (%(rate)s).")
            % {"count": now.poor + now.near_poor, "total": now.total_households,
               "rate": _rate_text(now.multidimensional_poverty_rate)},
            (),
        ))
    if now.re_poor >= limits["re_poor_count"]:
        findings.append(Finding(
            RE_POOR, _("%(count)d hộ tái nghèo trong năm.") % {"count": now.re_poor}, (("transition", "re_poor"),)
        ))
    return findings


@dataclass(frozen=True)
class Anomaly:
    commune: AdministrativeUnit
    rule: str
    label: str
    detail: str
    url: str


def households_url(*, commune_code: str, year: int, filters) -> str:
    query = {"year": year, "commune": commune_code, **dict(filters)}
    return f"{reverse('households:index')}?{urlencode(query)}"


def anomalies_list(*, unit: AdministrativeUnit, year: int, limits: Mapping | None = None) -> list[Anomaly]:
    """The anomalies of the communes in `unit`'s subtree for `year`, by commune code then rule (two queries).
    The caller has checked that `unit` lies in the user's scope."""
    limits = limits or thresholds()
    rows = (
        PovertyAggregate.objects.filter(
            scope_filter(unit=unit, prefix="unit"), year__in=[year - 1, year], group=HouseholdGroup.ALL,
            level=AdministrativeUnit.Level.COMMUNE,
        )
        .values(*FIGURE_FIELDS)
    )
    now: dict[int, PovertyFigures] = {}
    before: dict[int, PovertyFigures] = {}
    for row in rows:
        (now if row["year"] == year else before)[row["unit_id"]] = figures_of(row)
    communes = AdministrativeUnit.objects.filter(pk__in=list(now)).select_related("parent").in_bulk()
    result = []
    for pk in sorted(now, key=lambda pk: communes[pk].code):
        commune = communes[pk]
        for finding in detect(now=now[pk], before=before.get(pk), limits=limits):
            result.append(Anomaly(
                commune, finding.rule, str(RULE_LABELS[finding.rule]), finding.detail,
                households_url(commune_code=commune.code, year=year, filters=finding.filters),
            ))
    return result
