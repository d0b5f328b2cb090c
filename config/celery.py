"""The Celery application. Tasks stay thin: they call services (docs/architecture.md, Conventions)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["reports.exports"])  # reports/exports/tasks.py (a package inside the reports app)
