"""The review year an upload page proposes.

A periodic review of year Y runs from September to December of Y (docs/domain.md), so before September the review
in progress is last year's. The page proposes the latest year the user's unit already has figures or uploads for,
never beyond that review year; a unit with nothing yet gets the review year in progress.
"""

import datetime

from django.db.models import Max
from django.utils import timezone

from households.models import HouseholdReview, ImportBatch
from provinces.models import AdministrativeUnit
from provinces.selectors import scope_filter
from provinces.viewer import viewer_of

FIRST_REVIEW_YEAR = 2021


def review_year_in_progress(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def upload_year_default(viewer, today: datetime.date | None = None) -> int:
    """The year the upload form proposes to `viewer` (a Viewer or a user). "Figures" of the unit are its reviews
    (the aggregates are computed from them): the latest year, up to the review year in progress, in which the
    unit's subtree has a review or the unit a batch that was not reverted."""
    current = review_year_in_progress(today)
    viewer = viewer_of(viewer)
    unit = viewer.unit
    if viewer.profile is None or unit is None:
        return current
    communes = AdministrativeUnit.objects.filter(scope_filter(unit=unit)).values("pk")
    latest = max(
        HouseholdReview.objects.filter(commune_id__in=communes, year__lte=current)
        .aggregate(year=Max("year"))["year"] or 0,
        ImportBatch.objects.filter(unit=unit, year__lte=current)
        .exclude(status=ImportBatch.Status.REVERTED).aggregate(year=Max("year"))["year"] or 0,
    )
    return latest if latest >= FIRST_REVIEW_YEAR else current


def template_years(today: datetime.date | None = None) -> list[int]:
    """The years a blank template can be asked for, newest first."""
    return list(range(review_year_in_progress(today), FIRST_REVIEW_YEAR - 1, -1))
