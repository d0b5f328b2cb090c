"""The recompute job through a real Celery worker on PostgreSQL and Redis (CI; skipped on a laptop without them).

The worker is a separate process connected to the test database; it listens on a queue of its own, so a worker
of another test run on the same broker never takes the task.
"""

import datetime
import uuid
from decimal import Decimal as D

import pytest

from programmes.models import PovertyTarget
from programmes.services import poverty_target_set
from tests.conftest import require_real_services
from tests.programmes.conftest import add_reviews, set_total
from tests.workers import worker_start, worker_stop


@pytest.fixture
def worker_queue(transactional_db):
    require_real_services()
    queue = f"programmes-test-{uuid.uuid4().hex[:8]}"
    worker = worker_start(queue=queue)
    try:
        yield queue
    finally:
        worker_stop(worker)


@pytest.mark.services
def test_recompute_task_runs_in_a_real_worker(worker_queue, units, people, standard):
    from config.celery import app
    from programmes.tasks import poverty_targets_recompute_task

    for commune in ("kim_hy", "yen_lac", "cho_ra"):
        for year in (2022, 2023):
            set_total(units[commune], year, 1000)
        add_reviews(units[commune], 2022, poor=100)
    target = poverty_target_set(unit=units["province"], year=2023, group="all", entered_as="points", value="2",
                                acting_user=people["staff"], as_of=datetime.date(2024, 2, 1))
    assert (target.baseline_rate, target.actual_rate) == (D("10.00"), None)
    for commune in ("kim_hy", "yen_lac", "cho_ra"):
        add_reviews(units[commune], 2023, poor=70)  # 7.00% ≤ 8.00%: met

    app.conf.task_always_eager = False
    try:
        result = poverty_targets_recompute_task.apply_async(kwargs={"unit_code": "066", "year": 2023},
                                                            queue=worker_queue)
        assert result.get(timeout=90) == 1
    finally:
        app.conf.task_always_eager = True
    target = PovertyTarget.objects.get(pk=target.pk)
    assert (target.actual_rate, target.actual_source, target.status) == (D("7.00"), "registry", "met")
