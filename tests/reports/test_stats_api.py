"""GET /api/v1/stats/poverty/ on the seeded demo: every published figure of docs/domain.md §12, the 2025 views,
groups without a denominator, scope (404), parameters (400), the schema and a pinned query count.

The demo is seeded once for the module (about a minute) and flushed afterwards; each test runs in a transaction.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from provinces.models import UnitSuccession
from provinces.selectors import unit_in_force
from reports.models import PovertyAggregate
from tests.test_demo_figures import PUBLISHED

URL = "/api/v1/stats/poverty/"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference_data")
        call_command("seed_demo")
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False)


@pytest.fixture
def api(demo, db, client):
    """get(params, username=None): the API as `username` (a superuser without a profile when None)."""
    current = {}

    def get(params: dict, *, username: str | None = None):
        name = username or "root-stats"
        if current.get("name") != name:
            if username is None:
                user, _ = get_user_model().objects.get_or_create(
                    username=name, defaults={"is_superuser": True, "is_staff": True}
                )
            else:
                user = get_user_model().objects.get(username=username)
            client.force_login(user)
            current["name"] = name
        return client.get(URL, params)

    return get


def number(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.mark.parametrize(("code", "year", "poor", "poor_rate", "near", "near_rate"), PUBLISHED)
def test_every_published_figure(api, code, year, poor, poor_rate, near, near_rate):
    response = api({"unit": code, "year": year})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["unit"], data["year"], data["view"], data["group"]) == (code, year, "legacy", "all")
    assert number(data["poverty_rate"]) == Decimal(poor_rate)
    assert isinstance(data["poverty_rate"], float) and isinstance(data["total_households"], int)
    if poor is not None:
        assert data["poor"] == poor
    if near_rate is not None:
        assert number(data["near_poverty_rate"]) == Decimal(near_rate)
    if near is not None:
        assert data["near_poor"] == near
    assert data["communes_reviewed"] == data["communes_total"] > 0
    assert data["standard"] == "2022-2025"
    assert number(data["multidimensional_poverty_rate"]) == number(
        Decimal(data["poor"] + data["near_poor"]) * 100 / data["total_households"]
    )


def test_na_ri_changes_in_points(api):
    before, after = (api({"unit": "066", "year": year}).json() for year in (2022, 2023))
    assert number(before["poverty_rate"]) - number(after["poverty_rate"]) == Decimal("3.63")
    assert number(after["near_poverty_rate"]) - number(before["near_poverty_rate"]) == Decimal("0.90")
    assert after["escaped"] > 0 and after["remained"] > 0 and after["newly_poor"] + after["re_poor"] > 0


def test_incremental_runs_per_import_rebuild_the_seeded_table(demo, db):
    """Emptied, the table rebuilt only by the incremental runs of the demo's imports (unit and year of each
    committed batch, in order) is the table seed_demo's full run wrote."""
    from households.models import ImportBatch
    from reports.aggregates import poverty_recompute

    fields = ("unit_id", "year", "group", "level", "total_households", "reviewed", "poor", "near_poor", "middle",
              "not_poor", "newly_poor", "re_poor", "escaped", "remained", "mismatches", "communes_total",
              "communes_reviewed", "standard")
    full = list(PovertyAggregate.objects.order_by("unit_id", "year", "group").values_list(*fields))
    PovertyAggregate.objects.all().delete()
    batches = ImportBatch.objects.filter(status=ImportBatch.Status.COMMITTED).select_related("unit").order_by("pk")
    assert batches.count() > 5
    for batch in batches:
        poverty_recompute(unit=batch.unit, year=batch.year)
    assert list(PovertyAggregate.objects.order_by("unit_id", "year", "group").values_list(*fields)) == full


def test_current_view_re_aggregates_legacy_provinces_and_conserves_households(api):
    """Bắc Kạn (06) merged into Thái Nguyên (19) in 2025: 2023 under today's Thái Nguyên is the sum of the legacy
    provinces whose default successor it is."""
    today = unit_in_force(code="19", year=2026)
    legacy_ids = UnitSuccession.objects.filter(successor=today, is_default=True).values("predecessor_id")
    rows = PovertyAggregate.objects.filter(unit_id__in=legacy_ids, year=2023, group="all", level="province")
    assert rows.filter(unit__code="06").exists()
    data = api({"unit": "19", "year": 2023, "view": "current"}).json()
    assert data["view"] == "current" and data["remapped"] is True and "06" in data["sources"]
    assert data["poor"] == sum(row.poor for row in rows)
    assert data["near_poor"] == sum(row.near_poor for row in rows)
    assert data["reviewed"] == sum(row.reviewed for row in rows)
    assert data["total_households"] == sum(row.total_households for row in rows)


def test_group_without_a_denominator_has_null_rates(api):
    data = api({"unit": "066", "year": 2023, "group": "female_head"}).json()
    assert data["total_households"] is None
    assert data["poverty_rate"] is None and data["near_poverty_rate"] is None
    assert data["multidimensional_poverty_rate"] is None
    assert data["reviewed"] > 0


def test_year_without_reviews_has_no_rate(api):
    data = api({"unit": "066", "year": 2020}).json()
    assert data["poor"] == 0 and data["communes_reviewed"] == 0 and data["poverty_rate"] is None


def test_scope_is_a_404_and_bad_parameters_a_400(api):
    assert api({"unit": "066", "year": 2023}, username="lanhdao_backan").status_code == 200
    assert api({"unit": "20", "year": 2022}, username="lanhdao_backan").status_code == 404
    assert api({"unit": "061", "year": 2023}, username="canbo_nari").status_code == 404  # the sibling district
    assert api({"unit": "066", "year": 2023}, username="canbo_nari").status_code == 200
    assert api({"unit": "99", "year": 2023}, username="lanhdao_backan").status_code == 404
    response = api({"unit": "06"}, username="lanhdao_backan")
    assert response.status_code == 400 and "year" in response.json()
    assert api({"unit": "06", "year": 2023, "group": "x"}, username="lanhdao_backan").status_code == 400
    assert api({"unit": "06", "year": 2023, "view": "x"}, username="lanhdao_backan").status_code == 400


def test_leadership_sees_only_figures(api):
    data = api({"unit": "06", "year": 2023}, username="lanhdao_backan").json()
    assert not {"head_name", "id_number", "household_code"} & set(data)


def test_anonymous_is_refused(demo, db, client):
    assert client.get(URL, {"unit": "06", "year": 2023}).status_code in (401, 403)


def test_query_count_is_pinned(api, django_assert_max_num_queries):
    api({"unit": "06", "year": 2023}, username="lanhdao_backan")  # log in once
    with django_assert_max_num_queries(8):
        response = api({"unit": "06", "year": 2023}, username="lanhdao_backan")
    assert response.status_code == 200
    api({"unit": "06", "year": 2023})
    with django_assert_max_num_queries(10):
        assert api({"unit": "19", "year": 2023, "view": "current"}).status_code == 200


def test_in_the_openapi_schema(api, client):
    api({"unit": "06", "year": 2023})
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/stats/poverty/"]["get"]
    assert {"unit", "year", "group", "view"} <= {param["name"] for param in operation["parameters"]}
