"""Production settings (DEBUG=0) for the loopback server of benchmarks/recompute_stats.py, except that static files
are served from the source folders, so that the benchmark needs no `collectstatic` run (it requests no static
file; the pages only name them)."""

from config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
