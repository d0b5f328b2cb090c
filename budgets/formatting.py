"""Money for people: million VND (triệu đồng) with the active language's separators and always three decimals
(vi: 344.961,000; 1.234,500; 0,001): one rule on every page, the same as the Excel files ("#,##0.000"), so that
figures in one column line up and a reader never takes 91.060 (ninety-one thousand) for 91,06."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

MILLION = 1_000_000


def million(vnd: int | None, *, places: int = 3) -> str:
    """Whole VND as million VND with exactly `places` decimals ("344.961,000", "1.234,500", "0,001"). Amounts below
    the last place are rounded half-up; the exact figure stays in đồng (see `dong`)."""
    if vnd is None:
        return "—"
    value = (Decimal(vnd) / MILLION).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if not value:
        value = abs(value)  # no "-0,000"
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def dong(vnd: int | None) -> str:
    """Whole VND with thousands separators ("344.961.000.000")."""
    if vnd is None:
        return "—"
    return number_format(vnd, decimal_pos=0, use_l10n=True, force_grouping=True)


def rate(value) -> str:
    """A percentage with 2 decimals in the active language ("85,27"), or "—" when unknown."""
    if value is None:
        return "—"
    return number_format(value, decimal_pos=2, use_l10n=True)
