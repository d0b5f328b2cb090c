"""Scoped reads of import batches: an officer sees their district's, staff their province's."""

from django.db.models import QuerySet

from households.models import ImportBatch
from provinces.selectors import profile_of, scope_filter


def import_batches_visible_to(*, user) -> QuerySet[ImportBatch]:
    profile = profile_of(user)
    if profile is None:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(scope_filter(unit=profile.unit, prefix="unit")).select_related(
        "unit", "uploaded_by"
    )


def may_upload(*, user) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role in ("district_officer", "provincial_staff", "admin")


def may_revert(*, user) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role in ("provincial_staff", "admin")
