"""The Celery application. Tasks stay thin: they call services (docs/architecture.md, Conventions)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["reports.exports"])  # reports/exports/tasks.py (a package inside the reports app)


def beat_entry(schedule, task, *, name: str) -> None:
    """Put `task` on the beat schedule as `name`, declared in code beside the task (CELERY_BEAT_SCHEDULE stays
    empty; django-celery-beat's DatabaseScheduler copies `beat_schedule` into its table when beat starts). A tasks
    module imported before the app is finalised registers on the signal; one imported by autodiscovery after it
    (the signal has fired) registers at once."""

    def register(sender, **_kwargs):
        sender.add_periodic_task(schedule, task.s(), name=name)

    if app.finalized:
        register(app)
    else:
        app.on_after_finalize.connect(register, weak=False)
