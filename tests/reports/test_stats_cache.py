"""Cached stats answers and dashboard bodies (reports.cache): a hit costs a few queries and gives the same answer;
a new aggregate run, a changed target, another scope or another language never get an old or foreign answer; a
cache that cannot be reached costs only speed; and the Redis backend of production behaves the same."""

import os
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from programmes.models import PovertyTarget
from reports import cache as stats_cache
from reports.models import PovertyAggregate
from tests.conftest import require_real_services
from tests.reports.dashboard_data import aggregate, target

URL = "/api/v1/stats/poverty/"


@pytest.fixture
def stats(units):
    aggregate(units["province"], 2023, total_households=10000, poor=2225, near_poor=500)
    aggregate(units["na_ri"], 2023, total_households=4000, poor=1312, near_poor=356)
    aggregate(units["binh_gia_district"], 2023, total_households=8000, poor=700)
    return units


def api_get(client, user, code="066", year=2023):
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    return client.get(URL, {"unit": code, "year": year})


def test_a_hit_gives_the_same_answer_with_four_queries(client, people, stats, django_assert_max_num_queries):
    first = api_get(client, people["leader"])
    assert first.status_code == 200 and first.json()["poor"] == 1312
    with django_assert_max_num_queries(4):  # session, user, profile, newest run
        again = client.get(URL, {"unit": "066", "year": 2023})
    assert again.json() == first.json()


def test_a_new_aggregate_run_is_seen_at_once(client, people, stats, units):
    assert api_get(client, people["leader"]).json()["poor"] == 1312
    # A write that records no run (only tests can do that) is not seen: the answer really comes from the cache.
    PovertyAggregate.objects.filter(unit=units["na_ri"], year=2023).update(poor=1)
    assert api_get(client, people["leader"]).json()["poor"] == 1312
    aggregate(units["na_ri"], 2023, total_households=4000, poor=1200, near_poor=356)  # as a recompute: with a run
    data = api_get(client, people["leader"]).json()
    assert (data["poor"], data["poverty_rate"]) == (1200, 30.0)


def test_an_answer_is_never_served_to_another_scope(client, people, stats):
    assert api_get(client, people["leader"], code="066").status_code == 200  # cached for the province's leaders
    assert api_get(client, people["officer_sibling"], code="066").status_code == 404  # Ba Bể's officer
    assert api_get(client, people["officer_other"], code="066").status_code == 404  # another province
    assert api_get(client, people["officer"], code="066").json()["poor"] == 1312  # Na Rì's own officer
    assert api_get(client, people["officer_other"], code="181").json()["poor"] == 700


def test_scope_parts_differ_by_role_unit_and_superuser(people, django_user_model):
    scopes = {stats_cache.scope_of(user) for user in people.values()}
    assert len(scopes) == len(people)
    root = django_user_model.objects.create_superuser("root-cache", password="x" * 12)
    assert stats_cache.scope_of(root) == "s:none" != stats_cache.scope_of(people["leader"])


def dashboard(client, user, **params):
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    return client.get(reverse("reports:dashboard"), {"unit": "06", "year": 2023, **params})


def test_a_changed_target_shows_without_a_run(client, people, stats, units):
    goal = target(units["province"], 2023, Decimal("21.00"))
    assert "21,00%" in dashboard(client, people["leader"]).content.decode()
    goal.target_rate = Decimal("20.50")
    goal.save()
    html = dashboard(client, people["leader"]).content.decode()
    assert "20,50%" in html and "21,00%" not in html
    PovertyTarget.objects.filter(pk=goal.pk).delete()
    assert "20,50%" not in dashboard(client, people["leader"]).content.decode()


def test_the_dashboard_body_follows_the_language(client, people, stats):
    card = '<div class="small text-body-secondary">{}</div>'
    assert card.format("Tỷ lệ hộ nghèo") in dashboard(client, people["leader"]).content.decode()
    client.cookies["django_language"] = "en"
    english = dashboard(client, people["leader"]).content.decode()
    assert card.format("Poor-household rate") in english and card.format("Tỷ lệ hộ nghèo") not in english


def test_the_dashboard_of_another_scope_is_not_served(client, people, stats):
    assert "Bắc Kạn" in dashboard(client, people["leader"]).content.decode()
    html = dashboard(client, people["officer"]).content.decode()  # Na Rì's officer asks for the province
    assert 'data-testid="no-data"' in html and 'data-testid="cards"' not in html


@override_settings(CACHES={"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
}})
def test_a_cache_that_cannot_be_reached_only_costs_speed(client, people, stats):
    assert api_get(client, people["leader"]).json()["poor"] == 1312
    response = dashboard(client, people["leader"])
    assert response.status_code == 200 and "22,25%" in response.content.decode()


@pytest.fixture
def redis_cache():
    """The production backend on a database of its own (15, or 14 when the broker uses 15), never the broker's:
    clearing the cache empties its whole database."""
    require_real_services()
    server, _, broker_db = os.environ["CELERY_BROKER_URL"].rpartition("/")
    location = f"{server}/{14 if broker_db == '15' else 15}"
    with override_settings(CACHES={"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location, "KEY_PREFIX": "test",
    }}):
        cache.clear()
        yield
        cache.clear()


def test_redis_backend_hits_and_sees_new_runs(redis_cache, client, people, stats, units,
                                              django_assert_max_num_queries):
    assert api_get(client, people["leader"]).json()["poor"] == 1312
    with django_assert_max_num_queries(4):
        assert client.get(URL, {"unit": "066", "year": 2023}).json()["poor"] == 1312
    aggregate(units["na_ri"], 2023, total_households=4000, poor=1100)
    assert api_get(client, people["leader"]).json()["poor"] == 1100
    first = dashboard(client, people["leader"])
    with django_assert_max_num_queries(6):
        again = client.get(reverse("reports:dashboard"), {"unit": "06", "year": 2023})
    assert "22,25%" in again.content.decode() and first.status_code == again.status_code == 200
