from django import template

from households import selectors

register = template.Library()

CLASSIFICATION_BADGES = {
    "poor": "text-bg-danger",
    "near_poor": "text-bg-warning",
    "middle": "text-bg-info",
    "not_poor": "text-bg-success",
}
TRANSITION_BADGES = {
    "newly_poor": "text-bg-danger",
    "re_poor": "text-bg-danger",
    "escaped": "text-bg-success",
    "remained": "text-bg-secondary",
}


@register.filter
def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" → "N*** V** A*" (for roles that may not see names)."""
    return selectors.mask_name(name or "")


@register.filter
def mask_id_number(value: str) -> str:
    return selectors.mask_id_number(value or "")


@register.filter
def classification_badge(value: str) -> str:
    return CLASSIFICATION_BADGES.get(value, "text-bg-light")


@register.filter
def transition_badge(value: str) -> str:
    return TRANSITION_BADGES.get(value, "text-bg-light")
