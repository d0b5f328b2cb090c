"""The runtime mode is chosen by environment variables alone; production settings pass check --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "giamngheo.example.gov.vn",
}
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG, "
    "'ssl_redirect': getattr(settings, 'SECURE_SSL_REDIRECT', False), "
    "'session_cookie_secure': settings.SESSION_COOKIE_SECURE, 'hsts': settings.SECURE_HSTS_SECONDS, "
    "'proxy_header': getattr(settings, 'SECURE_PROXY_SSL_HEADER', None), "
    "'language': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE, "
    "'cache': settings.CACHES['default']['BACKEND'], 'cache_at': settings.CACHES['default'].get('LOCATION')}))"
)


def run_with(env: dict, *args: str) -> subprocess.CompletedProcess:
    inherited = {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CACHE_URL", "DEBUG", "SECRET_KEY",
                 "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def probe(env: dict) -> dict:
    result = run_with(env, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_under_var_and_eager_celery(tmp_path):
    found = probe({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "db.sqlite3")
    assert found["eager"] is True
    assert found["broker"] == "memory://"
    assert found["language"] == "vi"
    assert found["tz"] == "Asia/Ho_Chi_Minh"
    assert found["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_database_and_broker_urls_switch_to_postgresql_and_redis(tmp_path):
    found = probe({
        "DEBUG": "1", "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://user:pw@db.internal:5432/giamngheo",
        "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
        "CACHE_URL": "redis://redis.internal:6379/1",
    })
    assert (found["cache"], found["cache_at"]) == (
        "django.core.cache.backends.redis.RedisCache", "redis://redis.internal:6379/1"
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "giamngheo"
    assert found["eager"] is False
    assert found["broker"] == "redis://redis.internal:6379/0"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_with({"DEBUG": "0", "VAR_DIR": str(tmp_path)}, "-c", PROBE)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_is_secure_by_default(tmp_path):
    found = probe({**PRODUCTION, "VAR_DIR": str(tmp_path)})
    assert found["debug"] is False
    assert found["ssl_redirect"] is True
    assert found["session_cookie_secure"] is True
    assert found["hsts"] >= 31_536_000
    assert found["proxy_header"] is None


def test_tls_proxy_mode_trusts_forwarded_proto(tmp_path):
    found = probe({**PRODUCTION, "VAR_DIR": str(tmp_path), "BEHIND_TLS_PROXY": "1"})
    assert found["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize("extra", [{}, {"BEHIND_TLS_PROXY": "1"}])
def test_check_deploy_is_clean_with_production_variables(tmp_path, extra):
    result = run_with(
        {**PRODUCTION, "VAR_DIR": str(tmp_path), **extra},
        "manage.py", "check", "--deploy", "--fail-level", "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_collectstatic_builds_the_production_manifest(tmp_path):
    """The Docker image runs collectstatic with production settings: the hashed manifest must resolve every file a
    stylesheet or script names (fonts, source maps), or the image build fails."""
    result = run_with(
        {**PRODUCTION, "VAR_DIR": str(tmp_path)}, "manage.py", "collectstatic", "--noinput", "--verbosity", "1"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())
    assert "js/dashboard.js" in manifest["paths"]
