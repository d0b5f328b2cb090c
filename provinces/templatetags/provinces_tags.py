from django import template

from provinces.importing import flag_label
from provinces.models import PROGRAMME_FLAGS

register = template.Library()


@register.filter
def unit_flags(unit) -> list[str]:
    """Labels of the programme flags set on a unit (no query: the flags are columns)."""
    return [flag_label(name) for name in PROGRAMME_FLAGS if getattr(unit, name, False)]


@register.filter
def unit_period(unit) -> str:
    """"legacy" or "current": the `period` query parameter that opens this unit's page."""
    return "legacy" if unit.is_legacy else "current"
