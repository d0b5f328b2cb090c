"""Scoped reads of import batches: an officer sees their district's, staff their province's."""

from django.db.models import QuerySet

from households.models import ImportBatch
from provinces.selectors import scope_filter
from provinces.viewer import Viewer, viewer_of


def import_batches_visible_to(*, viewer: Viewer) -> QuerySet[ImportBatch]:
    viewer = viewer_of(viewer)
    if viewer.unit is None or not viewer.may("imports", "status"):  # leadership: error lists carry personal data
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(scope_filter(unit=viewer.unit, prefix="unit")).select_related(
        "unit", "uploaded_by"
    ).defer("warning_archive")  # read only by the annotated-workbook download


def may_upload(*, viewer: Viewer) -> bool:
    viewer = viewer_of(viewer)
    return viewer.profile is not None and viewer.may("imports", "create")


def may_revert(*, viewer: Viewer) -> bool:
    viewer = viewer_of(viewer)
    return viewer.profile is not None and viewer.may("imports", "revert")
