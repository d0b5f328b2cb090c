"""The test run: the real settings, with a fixed key, fast hashing and plain-HTTP cookies.

The live-server browser tests speak plain HTTP, so the secure-cookie and TLS-redirect
settings of production are switched off here; tests/test_settings.py checks production
settings separately, in a subprocess with production variables.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghij")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
ALLOWED_HOSTS = ["*"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks run in-process unless a test starts a real worker and turns this off (tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
