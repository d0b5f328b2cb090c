"""Filters for the row-by-row problem lists of the import pages (households, budgets, units)."""

from django import template

from config import row_messages

register = template.Library()


@register.filter
def without_row(message, row=None) -> str:
    """`{{ issue.message|without_row:issue.row }}`: the message without its "Dòng N:" (config/row_messages.py)."""
    return row_messages.without_row(message, row)
