"""Scoped reads of budget import jobs, and who may import.

Provincial staff and administrators import (config/access.py, `budget_imports`); a job belongs to its uploader's
unit, and a caller sees the jobs of their unit and the units below it. A job outside the scope, or any job for a
role the matrix denies, looks missing (404). Jobs run by the system (`manage.py import_budgets` without `--user`)
have no unit: only the superuser without a profile, whose scope is the whole country, sees them.
"""

from django.db.models import QuerySet

from budgets.models import BudgetImport
from provinces.selectors import scope_filter
from provinces.viewer import Viewer, viewer_of

RESOURCE = "budget_imports"


def may_import(*, viewer: Viewer) -> bool:
    return viewer_of(viewer).may(RESOURCE, "create")


def budget_imports_visible_to(*, viewer: Viewer, action: str = "status") -> QuerySet[BudgetImport]:
    """The jobs the viewer may see (`action`: "list" or "status"), newest first, with what a list row shows."""
    viewer = viewer_of(viewer)
    if not viewer.may(RESOURCE, action):
        return BudgetImport.objects.none()
    queryset = BudgetImport.objects.select_related("unit", "uploaded_by").order_by("-created_at", "-pk")
    if viewer.unit is None:
        return queryset if viewer.sees_everything else queryset.none()
    return queryset.filter(scope_filter(unit=viewer.unit, prefix="unit"))


def budget_import_visible(*, viewer: Viewer, pk: int) -> BudgetImport | None:
    return budget_imports_visible_to(viewer=viewer).filter(pk=pk).first()
