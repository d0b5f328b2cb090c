"""Scoped reads of administrative units. Every other app reaches units through here."""

import datetime

from django.db.models import Q, QuerySet

from provinces.models import AdministrativeUnit, UserProfile, end_of_year


def units_in_force(*, on: datetime.date) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on
    )


def unit_in_force(*, code: str, year: int) -> AdministrativeUnit | None:
    """The unit a code means at the end of `year`, or None."""
    return units_in_force(on=end_of_year(year)).filter(code=code).select_related("parent").first()


def profile_of(user) -> UserProfile | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.profile
    except UserProfile.DoesNotExist:
        return None


def scope_filter(*, unit: AdministrativeUnit, prefix: str = "") -> Q:
    """A Q that keeps rows whose unit (reached through `prefix`) is `unit` or lies below it."""
    field = f"{prefix}__" if prefix else ""
    return (
        Q(**{f"{field}pk": unit.pk})
        | Q(**{f"{field}parent_id": unit.pk})
        | Q(**{f"{field}parent__parent_id": unit.pk})
    )


def units_visible_to(*, user) -> QuerySet[AdministrativeUnit]:
    """The user's unit and everything below it; nothing for a user without a profile.

    Superusers without a profile see everything (the Django admin's own account).
    """
    profile = profile_of(user)
    if profile is None:
        if user.is_authenticated and user.is_superuser:
            return AdministrativeUnit.objects.all()
        return AdministrativeUnit.objects.none()
    return AdministrativeUnit.objects.filter(scope_filter(unit=profile.unit))
