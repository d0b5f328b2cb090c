"""Celery adapters of the aggregates: thin and idempotent (a recompute reads the sources and overwrites the rows).

* `aggregates_refresh_task(unit_id, year, what)`: the incremental recompute after an import is committed or
  reverted, a budget write, or a change of household totals. Writers in lower apps queue it by name once their
  transaction commits: `config.followups.after_commit("reports.aggregates_refresh", unit_id=…, year=…)`.
* `aggregates_recompute_all_task()`: the full recompute, nightly (beat, registered below in code, like
  programmes.tasks: no settings change), at the end of `seed_demo` and by `manage.py recompute_stats`.
"""

from celery import shared_task
from celery.schedules import crontab

from config.celery import beat_entry

NIGHTLY_NAME = "reports: recompute aggregates (nightly)"
NIGHTLY_SCHEDULE = crontab(hour=2, minute=50)
POVERTY, DISBURSEMENT = "poverty", "disbursement"


@shared_task(name="reports.aggregates_refresh", acks_late=True)
def aggregates_refresh_task(unit_id: int | None = None, year: int | None = None, what: str = POVERTY,
                            reason: str = "") -> int:
    """Recompute the aggregates `what` ("poverty" or "disbursement") touched by (unit, year); everything of the
    year when no unit is given. Returns the rows written."""
    from provinces.models import AdministrativeUnit
    from reports import aggregates

    unit = AdministrativeUnit.objects.filter(pk=unit_id).first() if unit_id is not None else None
    if unit_id is not None and unit is None:
        return 0
    recompute = aggregates.disbursement_recompute if what == DISBURSEMENT else aggregates.poverty_recompute
    if unit is not None and year is None:
        unit = None  # an incremental run needs a year: fall back to the full one
    return recompute(unit=unit, year=year, reason=reason or f"{what}: thay đổi dữ liệu").rows


@shared_task(name="reports.aggregates_recompute_all", acks_late=True)
def aggregates_recompute_all_task(reason: str = "") -> int:
    from reports import aggregates

    return sum(result.rows for result in aggregates.recompute_all(reason=reason or "nightly").values())


# Nightly full recompute of the aggregates (beat).
beat_entry(NIGHTLY_SCHEDULE, aggregates_recompute_all_task, name=NIGHTLY_NAME)
