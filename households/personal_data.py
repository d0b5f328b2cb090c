"""The personal-data access log: every view of a household page and every household-list export (who, when, what).

`personal_data_access_record` writes one row (called by households.views.household_detail and by the household-list
export); `personal_data_accesses_visible_to` reads them for the log page, scoped to the unit of the data looked at,
and only for roles the access matrix allows (`personal_data_log`/`list`: provincial staff and administrators).
"""

from django.db.models import QuerySet

from households.models import Household, PersonalDataAccess
from provinces.models import AdministrativeUnit
from provinces.selectors import units_visible_to
from provinces.viewer import Viewer, viewer_of


def personal_data_access_record(
    *,
    user,
    action: str,
    unit: AdministrativeUnit,
    household: Household | None = None,
    description: str = "",
    row_count: int = 1,
) -> PersonalDataAccess:
    """Record that `user` looked at personal data of `unit` (a household's commune, or the exported unit).

    Not inside the caller's transaction on purpose: the row is written even if the page fails to render later.
    """
    if action not in PersonalDataAccess.Action.values:
        raise ValueError(f"unknown personal-data action {action!r}")
    return PersonalDataAccess.objects.create(
        action=action,
        user=user if user is not None and user.is_authenticated else None,
        username=user.get_username() if user is not None and user.is_authenticated else "",
        role=viewer_of(user).role or "",
        unit=unit,
        household=household,
        description=description[:500],
        row_count=max(0, int(row_count)),
    )


def household_view_record(*, user, household: Household) -> PersonalDataAccess:
    """A household page was opened (masked or not: leadership's views are recorded too)."""
    return personal_data_access_record(
        user=user, action=PersonalDataAccess.Action.HOUSEHOLD_VIEW, unit=household.commune, household=household,
        description=household.code,
    )


def may_read_access_log(*, viewer: Viewer) -> bool:
    return viewer_of(viewer).may("personal_data_log", "list")


def personal_data_accesses_visible_to(*, viewer: Viewer) -> QuerySet[PersonalDataAccess]:
    """Log rows about data in the viewer's scope, newest first; none for roles that may not read the log."""
    if not may_read_access_log(viewer=viewer):
        return PersonalDataAccess.objects.none()
    return (
        PersonalDataAccess.objects.filter(unit_id__in=units_visible_to(viewer=viewer).values("pk"))
        .select_related("unit", "household", "user")
        .order_by("-at", "-pk")
    )
