from django import template
from django.utils.translation import gettext_lazy as _

from budgets import formatting
from budgets import rules as budget_rules

register = template.Library()

STATUS = {
    budget_rules.ON_TRACK: (_("Đúng tiến độ"), "text-bg-success"),
    budget_rules.BEHIND: (_("Chậm tiến độ"), "text-bg-warning"),
    budget_rules.OVERDUE: (_("Quá hạn, chưa giải ngân hết"), "text-bg-danger"),
    budget_rules.COMPLETE: (_("Đã giải ngân/chuyển nguồn hết"), "text-bg-secondary"),
    budget_rules.EMPTY: (_("Không còn vốn"), "text-bg-light"),
}


@register.filter
def million(vnd):
    """Whole VND shown as million VND with the page language's separators (344.961)."""
    return formatting.million(vnd)


@register.filter
def dong(vnd):
    return formatting.dong(vnd)


@register.filter
def rate(value):
    return formatting.rate(value)


@register.filter
def status_label(status):
    return STATUS.get(getattr(status, "status", status), ("—", ""))[0]


@register.filter
def status_badge(status):
    return STATUS.get(getattr(status, "status", status), ("", "text-bg-light"))[1]


@register.filter
def percent_fraction(value):
    """A Fraction percentage (rules.LineStatus) with 2 decimals."""
    if value is None:
        return "—"
    return formatting.rate(round(float(value), 2))
