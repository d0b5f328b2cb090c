"""Figures for people: rates with 2 decimals, changes in percentage points, counts with separators, and
"chưa có số liệu" (never 0) for what is unknown."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from budgets import formatting

register = template.Library()


def _unknown():
    return format_html('<span class="text-body-secondary fw-normal unknown">{}</span>', _("chưa có số liệu"))


@register.filter
def pct(value):
    """3,79% or "chưa có số liệu"."""
    if value is None or value == "":
        return _unknown()
    return f"{number_format(value, decimal_pos=2, use_l10n=True)}%"


@register.filter
def pts(value):
    """A change in percentage points with its sign: "−1,25 điểm", "+0,40 điểm"."""
    if value is None or value == "":
        return _unknown()
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return _("%(sign)s%(value)s điểm") % {"sign": sign, "value": number_format(abs(value), decimal_pos=2,
                                                                                 use_l10n=True)}


@register.filter
def count(value):
    """14.527 or "chưa có số liệu"."""
    if value is None or value == "":
        return _unknown()
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def million(vnd):
    return formatting.million(vnd)
