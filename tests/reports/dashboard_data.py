"""Aggregate rows for dashboard and anomaly tests, written directly (the tests of reports.aggregates check that the
recompute writes such rows from household reviews). Each write records an AggregateRun, as every recompute does:
the cached pages and answers (reports.cache) are keyed on the newest run."""

from django.utils import timezone

from programmes.models import PovertyTarget
from reports.models import AggregateRun, DisbursementAggregate, PovertyAggregate


def _run(unit, year) -> None:
    now = timezone.now()
    AggregateRun.objects.create(scope=AggregateRun.Scope.INCREMENTAL, unit=unit, year=year, reason="test",
                                started_at=now, finished_at=now)


def aggregate(unit, year, group="all", **values):
    defaults = {
        "level": unit.level, "standard": "2022-2025", "total_households": 1000, "reviewed": 1000, "poor": 0,
        "near_poor": 0, "communes_total": 1, "communes_reviewed": 1,
    }
    defaults.update(values)
    row, _ = PovertyAggregate.objects.update_or_create(unit=unit, year=year, group=group, defaults=defaults)
    _run(unit, year)
    return row


def money(unit, year, source, project, month, allocated=0, disbursed=0):
    row = DisbursementAggregate.objects.create(
        unit=unit, year=year, source=source, project=project, month=month, allocated_vnd=allocated,
        disbursed_vnd=disbursed,
    )
    _run(unit, year)
    return row


def target(unit, year, target_rate, group="all", households_to_exit=None):
    return PovertyTarget.objects.create(
        unit=unit, year=year, group=group, entered_as=PovertyTarget.EnteredAs.RATE, target_rate=target_rate,
        households_to_exit=households_to_exit,
    )
