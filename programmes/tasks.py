"""Celery adapters of the programmes app: thin, idempotent, and scheduled in code.

`poverty_targets_recompute_task` is enqueued
* nightly by beat (the schedule below, registered when the Celery app is finalised: no settings change);
* after each committed review import: the households import service should call, after commit,
  ``poverty_targets_recompute_task.delay(unit_id=batch.unit_id, year=batch.year)`` (from its on-commit hook).
"""

from celery import shared_task
from celery.schedules import crontab

from config.celery import beat_entry

NIGHTLY_NAME = "programmes: recompute poverty targets (nightly)"
NIGHTLY_SCHEDULE = crontab(hour=2, minute=30)


@shared_task(name="programmes.poverty_targets_recompute", acks_late=True)
def poverty_targets_recompute_task(
    unit_code: str | None = None, year: int | None = None, unit_id: int | None = None
) -> int:
    """Recompute the targets touched by (unit, year): the unit (`unit_id`, or the unit `unit_code` means at the
    end of `year`) and the units above and below it; every target when no unit is given. Returns how many
    targets were recomputed. Idempotent: running it twice gives the same figures."""
    from programmes.services import poverty_targets_recompute
    from provinces.models import AdministrativeUnit
    from provinces.selectors import unit_in_force

    unit = None
    if unit_id is not None:
        unit = AdministrativeUnit.objects.filter(pk=unit_id).first()
        if unit is None:
            return 0
    elif unit_code:
        unit = unit_in_force(code=unit_code, year=year) if year else None
        if unit is None:
            return 0
    return poverty_targets_recompute(unit=unit, year=year)


# Nightly recompute of every poverty target (beat).
beat_entry(NIGHTLY_SCHEDULE, poverty_targets_recompute_task, name=NIGHTLY_NAME)
