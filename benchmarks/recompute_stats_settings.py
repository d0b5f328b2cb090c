"""Production settings (DEBUG=0) for the loopback server of benchmarks/recompute_stats.py, except that static files
are served from the source folders, so that the benchmark needs no `collectstatic` run (it requests no static
file; the pages only name them), and that the floor endpoint is added (benchmarks/floor_urls.py:
BENCHMARK_FLOOR=1 in the environment, which the benchmark sets; no other settings module has it)."""

import os

from config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
BENCHMARK_FLOOR = os.environ.get("BENCHMARK_FLOOR") == "1"
if BENCHMARK_FLOOR:
    BENCHMARK_PROJECT_URLCONF = ROOT_URLCONF  # noqa: F405
    ROOT_URLCONF = "floor_urls"
