"""Login everywhere, /healthz, the Vietnamese shell, i18n, the API's auth and docs, compose file, lint."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from provinces.models import Role, UserProfile
from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/households/", "/imports/", "/programmes/", "/budgets/", "/reports/"]
NAVIGATION = [
    "Tổng quan", "Phân tích", "Hộ gia đình", "Nhập dữ liệu", "Chương trình", "Ngân sách", "Báo cáo",
    "Đơn vị hành chính",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*PAGES, "/api/docs/"])
def test_every_page_needs_login(client, path):
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_login_page_is_vietnamese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Mật khẩu" in html


def test_logged_in_user_sees_vietnamese_navigation_and_scope(client, people):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
    html = client.get("/").content.decode()
    for label in NAVIGATION:
        assert label in html
    assert "Huyện Na Rì" in html


def test_wrong_password_gets_a_vietnamese_message(client, people):
    response = client.post("/accounts/login/", {"username": "canbo_nari", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_english_is_available_as_second_language(client, people):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Overview" in html
    assert "Households" in html


def test_logout_ends_the_session(client, people):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def _operator(client):
    client.force_login(get_user_model().objects.create_user("van_hanh", is_staff=True))
    return client


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}  # anonymous callers learn nothing about the stack
    body = _operator(client).get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    response = _operator(client).get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True


def test_api_accepts_token_and_session_and_refuses_anonymous(client, people):
    assert client.get("/api/v1/me/").status_code in (401, 403)
    token = Token.objects.create(user=people["staff"])
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json() == {
        "username": "so_bk", "role": "provincial_staff", "unit": "06", "unit_name": "Tỉnh Bắc Kạn",
    }
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    assert client.get("/api/v1/me/").json()["unit"] == "066"


def test_openapi_schema_and_docs_are_served_without_a_cdn(client, people):
    client.login(username="so_bk", password=TEST_PASSWORD)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


def test_pages_send_csp_without_inline_scripts(client, people):
    client.login(username="canbo_nari", password=TEST_PASSWORD)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_add_user_creates_a_scoped_user_and_prints_a_token(units, monkeypatch, capsys):
    monkeypatch.setenv("NEW_USER_PASSWORD", TEST_PASSWORD)
    call_command("add_user", "canbo_moi", role="district_officer", unit="066", year=2024)
    out = capsys.readouterr().out
    user = get_user_model().objects.get(username="canbo_moi")
    assert user.check_password(TEST_PASSWORD)
    assert user.profile.role == Role.DISTRICT_OFFICER
    assert user.profile.unit == units["na_ri"]
    assert list(user.groups.values_list("name", flat=True)) == ["district_officer"]
    assert Token.objects.get(user=user).key in out
    # Running it again updates, never duplicates.
    call_command("add_user", "canbo_moi", role="leadership", unit="06", year=2024)
    assert UserProfile.objects.filter(user=user).get().role == Role.LEADERSHIP


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("_case", "role", "unit", "year", "message"),
    [
        ("unknown code", "district_officer", "999", 2024, "Không có đơn vị mã 999"),
        ("legacy unit after 2025", "district_officer", "066", 2026, "Không có đơn vị mã 066"),
        ("officer on a province", "district_officer", "06", 2024, "không gắn được"),
        ("staff on a district", "provincial_staff", "066", 2024, "không gắn được"),
    ],
)
def test_add_user_rejects_units_that_do_not_fit(units, monkeypatch, _case, role, unit, year, message):
    monkeypatch.setenv("NEW_USER_PASSWORD", TEST_PASSWORD)
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "x_user", role=role, unit=unit, year=year)
    assert not get_user_model().objects.filter(username="x_user").exists()


def test_docker_compose_defines_the_production_stack_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "redis", "web", "worker", "beat"}
    for name in ("db", "redis", "web", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert env["CACHE_URL"].startswith("redis://") and env["CACHE_URL"] != env["CELERY_BROKER_URL"]
        assert env["DEBUG"] == "0"
        assert services[name]["image"] == services["web"]["image"]
    assert "celery -A config worker" in services["worker"]["command"]
    assert "celery -A config beat" in services["beat"]["command"]
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is a dev dependency"
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_urls_resolve_by_name():
    assert reverse("reports:dashboard") == "/"
    assert reverse("healthz") == "/healthz"
    assert reverse("login") == "/accounts/login/"
