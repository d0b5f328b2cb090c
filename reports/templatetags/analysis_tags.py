"""The analysis page's cells: a rate or a count as the dashboard shows it, a change with its sign (points for a
rate, households for a count), the raw number for sorting."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reports import analysis
from reports.templatetags.dashboard_tags import count, pct, pts

register = template.Library()


@register.filter
def measure_value(value, kind):
    return pct(value) if kind == analysis.RATE else count(value)


@register.filter
def measure_change(value, kind):
    if kind == analysis.RATE or value is None:
        return pts(value)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return _("%(sign)s%(value)s hộ") % {"sign": sign, "value": number_format(abs(value), decimal_pos=0,
                                                                           use_l10n=True, force_grouping=True)}


@register.filter
def sort_value(value):
    """A plain number for static/js/analysis.js ("" when unknown: sorted last)."""
    return "" if value is None else str(value)
