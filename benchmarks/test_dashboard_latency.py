"""Benchmark: the leadership dashboard (`/`) under 20 concurrent clients on loopback (goal p95 ≤ 150 ms).

The dashboard reads only the aggregate tables, so the load is what those tables hold for a national deployment:
30 legacy provinces × 10 districts × 20 communes (6,330 units), review years 2021–2024, four groups each
(≈ 100,000 poverty rows) and disbursement rows per unit, source, project and month for the provinces and districts.
Not part of `make test`: run

DASHBOARD_BENCHMARK=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_dashboard \
    .venv/bin/python -m pytest benchmarks/test_dashboard_latency.py -s -p no:cacheprovider

Prints p50/p95/max per page kind. The server is Django's threaded live server (one process): a production
deployment (gunicorn, several workers) does at least as well.
"""

import os
import random
import statistics
import threading
import time

import pytest
import requests
from django.conf import settings
from django.test import Client

from provinces.models import LEGACY_VALID_FROM, LEGACY_VALID_TO, AdministrativeUnit, Role
from reports.models import DisbursementAggregate, PovertyAggregate
from tests.factories import ProfileFactory

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("DASHBOARD_BENCHMARK") != "1"
        or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="opt-in benchmark: DASHBOARD_BENCHMARK=1 on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

PROVINCES, DISTRICTS, COMMUNES = 30, 10, 20
YEARS = (2021, 2022, 2023, 2024)
GROUPS = ("all", "ethnic_minority", "female_head", "poor_district")
CLIENTS, REQUESTS_PER_CLIENT = 20, 25


def _unit(code, level, parent, n):
    return AdministrativeUnit(
        code=code, level=level, name=f"{level} {code}", short_name=code, unit_type=level, parent=parent,
        valid_from=LEGACY_VALID_FROM, valid_to=LEGACY_VALID_TO, search_text=code,
        latitude=20 + (n % 50) / 10, longitude=104 + (n % 70) / 10,
    )


def _load() -> tuple[str, list[str]]:
    rng = random.Random(2024)
    provinces = AdministrativeUnit.objects.bulk_create(
        [_unit(f"{10 + p:02d}", "province", None, p) for p in range(PROVINCES)]
    )
    districts = AdministrativeUnit.objects.bulk_create(
        [_unit(f"{100 + p * DISTRICTS + d:03d}", "district", province, d)
         for p, province in enumerate(provinces) for d in range(DISTRICTS)]
    )
    communes = AdministrativeUnit.objects.bulk_create(
        [_unit(f"{10000 + i * COMMUNES + c:05d}", "commune", district, c)
         for i, district in enumerate(districts) for c in range(COMMUNES)]
    )
    rows = []
    for unit in [*provinces, *districts, *communes]:
        scale = {"province": DISTRICTS * COMMUNES, "district": COMMUNES, "commune": 1}[unit.level]
        for year in YEARS:
            for group in GROUPS:
                total = 1500 * scale
                poor = int(total * rng.uniform(0.03, 0.3))
                rows.append(PovertyAggregate(
                    unit=unit, year=year, group=group, level=unit.level, standard="2022-2025",
                    total_households=total if rng.random() > 0.02 else None, reviewed=poor * 2, poor=poor,
                    near_poor=poor // 2, escaped=poor // 5, re_poor=poor // 50, newly_poor=poor // 20,
                    mismatches=poor // 100, communes_total=scale, communes_reviewed=scale,
                ))
    PovertyAggregate.objects.bulk_create(rows, batch_size=5000)
    money = []
    for unit in [*provinces, *districts]:
        for year in YEARS:
            for source in ("central", "local"):
                for project in ("DA1", "DA2", "DA3.1", "DA4.1", "DA5", "DA7.1"):
                    money.append(DisbursementAggregate(unit=unit, year=year, source=source, project=project,
                                                       month=0, allocated_vnd=rng.randrange(10**9, 10**10)))
                    for month in range(1, 13):
                        money.append(DisbursementAggregate(unit=unit, year=year, source=source, project=project,
                                                           month=month, disbursed_vnd=rng.randrange(10**7, 10**8)))
    DisbursementAggregate.objects.bulk_create(money, batch_size=5000)
    print(f"\nloaded {len(rows)} poverty rows, {len(money)} disbursement rows")
    return provinces[0].code, [district.code for district in districts[:DISTRICTS]]


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_dashboard_latency_under_20_clients(live_server):
    province_code, district_codes = _load()
    province = AdministrativeUnit.objects.get(code=province_code)
    leader = ProfileFactory(user__username="lanhdao_bench", role=Role.LEADERSHIP, unit=province).user
    client = Client()
    client.force_login(leader)
    cookie = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    paths = [("province (default)", "/")] + [
        ("district", f"/?unit={code}&year=2024") for code in district_codes
    ]
    timings: dict[str, list[float]] = {"province (default)": [], "district": [], "baseline /reports/": []}
    failures = []
    lock = threading.Lock()

    def worker(index: int):
        session = requests.Session()
        session.cookies.update(cookie)
        session.get(f"{live_server.url}/")  # warm the connection and the worker
        for n in range(REQUESTS_PER_CLIENT):
            label, path = paths[(index + n) % len(paths)] if n % 2 else paths[0]
            if n % 5 == 4:  # the same stack (session, middleware, base template) without the dashboard
                label, path = "baseline /reports/", "/reports/"
            started = time.perf_counter()
            response = session.get(f"{live_server.url}{path}")
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status_code != 200 or (path != "/reports/" and 'id="dashboard-data"' not in response.text):
                    failures.append((path, response.status_code))
                timings[label].append(elapsed)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    everything = [t for values in timings.values() for t in values]
    print(f"{CLIENTS} clients × {REQUESTS_PER_CLIENT} requests in {wall:.1f} s ({len(everything) / wall:.0f} req/s)")
    for label, values in [*timings.items(), ("all", everything)]:
        if not values:
            continue
        print(f"{label:20} n={len(values):4} p50 {statistics.median(values):7.1f} ms   "
              f"p95 {_percentile(values, 0.95):7.1f} ms   max {max(values):7.1f} ms")
    assert failures == []
