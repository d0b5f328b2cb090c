"""The viewer (provinces.viewer): who is asking is worked out once per request, and pages and APIs never look the
profile up themselves."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from provinces.models import Role
from provinces.viewer import ANONYMOUS, Viewer, viewer_of
from tests.reports.dashboard_data import aggregate

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("config", "provinces", "households", "programmes", "budgets", "reports")
PROFILE_TABLE = "provinces_userprofile"


def _edge_modules() -> list[Path]:
    """Every page and API module: views.py, views_*.py, a views/ package, api.py, api_*.py, *_api.py, api/."""
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if "migrations" in parts or "tests" in parts:
                continue
            name = path.stem
            if (name in ("views", "api") or name.startswith(("views_", "api_")) or name.endswith("_api")
                    or "views" in parts or "api" in parts):
                found.add(path)
    return sorted(found)


def test_the_edge_modules_are_found():
    names = {str(path.relative_to(ROOT)) for path in _edge_modules()}
    assert {"reports/views.py", "reports/api.py", "programmes/views/targets.py", "households/api/views.py",
            "provinces/api/views.py", "budgets/views.py", "households/importing/api.py"} <= names


@pytest.mark.parametrize("path", _edge_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_pages_and_apis_never_look_the_profile_up(path):
    """They read `request.viewer` (role, profile, unit): no `profile_of(`, no `user.profile`, no role lookups."""
    source = path.read_text(encoding="utf-8")
    offending = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(source.splitlines(), start=1)
        if re.search(r"\bprofile_of\(|\buser\.profile\b|\brole_of\(|\buser_may\(|UserProfile\.objects", line)
    ]
    assert offending == []


def _profile_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if PROFILE_TABLE in query["sql"]]


@pytest.fixture
def dashboard_figures(units):
    aggregate(units["province"], 2024, total_households=10000, poor=900, near_poor=400)
    aggregate(units["na_ri"], 2024, total_households=4000, poor=500, near_poor=200)


@pytest.mark.django_db
def test_a_dashboard_request_resolves_the_profile_once(client, people, dashboard_figures):
    client.force_login(people["staff"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/", {"unit": "06", "year": 2024})
    assert response.status_code == 200
    # The session user's own query brings the profile and its unit (config.auth_backends): nothing else asks.
    assert len(_profile_queries(captured)) == 1, _profile_queries(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/reviews/", "/api/v1/stats/poverty/?unit=06&year=2024"])
def test_an_api_request_with_a_token_resolves_the_profile_once(client, people, dashboard_figures, path):
    token = Token.objects.create(user=people["staff"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200, response.content
    assert len(_profile_queries(captured)) == 1, _profile_queries(captured)


@pytest.mark.django_db
def test_an_api_list_with_a_session_resolves_the_profile_once(client, people):
    client.force_login(people["officer"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/units/")
    assert response.status_code == 200
    assert len(_profile_queries(captured)) == 1, _profile_queries(captured)


@pytest.mark.django_db
def test_a_token_user_is_the_viewer_of_the_api_request(client, people):
    """DRF authenticates inside the view: the viewer is the token's user, not the anonymous user the middleware
    saw (an officer sees their district, leadership may not list imports)."""
    token = Token.objects.create(user=people["officer"])
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.json()["role"] == Role.DISTRICT_OFFICER and response.json()["unit"] == "066"
    leader = Token.objects.create(user=people["leader"])
    assert client.get("/api/v1/imports/", HTTP_AUTHORIZATION=f"Token {leader.key}").status_code == 403


@pytest.mark.django_db
def test_viewer_of_a_user(people, units, django_assert_num_queries):
    User = get_user_model()
    user = User.objects.get(pk=people["staff"].pk)  # a fresh object, without its profile
    with django_assert_num_queries(1):  # the profile and its unit, in one query
        viewer = viewer_of(user)
        assert viewer.unit.code == "06"
    assert viewer.role == Role.PROVINCIAL_STAFF and viewer.profile.user_id == user.pk
    assert viewer.may("targets", "update") and viewer.may_see_personal_data
    assert viewer_of(viewer) is viewer
    leader = viewer_of(people["leader"])
    assert not leader.may("imports", "list") and leader.may("households", "list")  # masked is allowed
    assert not leader.may_see_personal_data


@pytest.mark.django_db
def test_a_superuser_without_a_profile_is_admin_of_everything_and_anonymous_is_nobody():
    User = get_user_model()
    system = User.objects.create_superuser("system", password="x")
    viewer = viewer_of(system)
    assert viewer.role == "admin" and viewer.sees_everything and viewer.profile is None
    assert viewer.may("imports", "revert") and viewer.may_see_personal_data
    placed_nowhere = viewer_of(User.objects.create_user("nobody", password="x"))
    assert placed_nowhere.role is None and not placed_nowhere.may("households", "list")
    assert not ANONYMOUS.may("households", "list") and not ANONYMOUS.is_authenticated
    from django.contrib.auth.models import AnonymousUser

    assert viewer_of(AnonymousUser()).role is None
    assert isinstance(viewer_of(None), Viewer)


@pytest.mark.django_db
def test_templates_get_the_viewer(client, people):
    client.force_login(people["officer"])
    response = client.get("/units/")
    assert response.context["viewer"].role == Role.DISTRICT_OFFICER
    assert 'data-testid="user-scope"' in response.content.decode()
    assert "Na Rì" in response.content.decode().split('data-testid="user-scope"')[1][:300]
