"""The review year an upload page proposes.

A periodic review of year Y runs from September to December of Y (docs/domain.md), so before September the review
in progress is last year's. The page proposes the latest year the user's unit already has figures or uploads for,
never beyond that review year; a unit with nothing yet gets the review year in progress.
"""

import datetime

from django.db.models import Max
from django.utils import timezone

from households.models import ImportBatch
from provinces.selectors import profile_of

FIRST_REVIEW_YEAR = 2021


def review_year_in_progress(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def upload_year_default(user, today: datetime.date | None = None) -> int:
    from reports.models import PovertyAggregate

    current = review_year_in_progress(today)
    profile = profile_of(user)
    if profile is None:
        return current
    latest = max(
        PovertyAggregate.objects.filter(unit=profile.unit, year__lte=current).aggregate(year=Max("year"))["year"] or 0,
        ImportBatch.objects.filter(unit=profile.unit, year__lte=current)
        .exclude(status=ImportBatch.Status.REVERTED).aggregate(year=Max("year"))["year"] or 0,
    )
    return latest if latest >= FIRST_REVIEW_YEAR else current


def template_years(today: datetime.date | None = None) -> list[int]:
    """The years a blank template can be asked for, newest first."""
    return list(range(review_year_in_progress(today), FIRST_REVIEW_YEAR - 1, -1))
