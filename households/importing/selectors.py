"""Scoped reads of import batches: an officer sees their district's, staff their province's."""

from django.db.models import QuerySet

from config.access import user_may
from households.models import ImportBatch
from provinces.selectors import profile_of, scope_filter


def import_batches_visible_to(*, user) -> QuerySet[ImportBatch]:
    profile = profile_of(user)
    if profile is None or not user_may(user, "imports", "status"):  # leadership: error lists carry personal data
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(scope_filter(unit=profile.unit, prefix="unit")).select_related(
        "unit", "uploaded_by"
    ).defer("warning_archive")  # read only by the annotated-workbook download


def may_upload(*, user) -> bool:
    return profile_of(user) is not None and user_may(user, "imports", "create")


def may_revert(*, user) -> bool:
    return profile_of(user) is not None and user_may(user, "imports", "revert")
