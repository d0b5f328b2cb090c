"""Production settings (DEBUG=0) for the loopback server of benchmarks/recompute_stats.py, except that static files
are served from the source folders: `collectstatic` with the manifest storage currently fails on the vendored
swagger-ui.css (it references a missing swagger-ui.css.map), and the benchmark requests no static file anyway."""

from config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
