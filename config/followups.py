"""Follow-up jobs, queued by task name once the caller's transaction has committed.

A write in a lower app (a household total, a budget line, an import) asks for work that a higher app owns (the
aggregates in reports, the poverty-rate targets in programmes). Importing the higher app's `tasks.py` would make
the lowest layers know the highest (docs/architecture.md, "Dependencies between apps"), so writers name the task
instead: `after_commit("reports.aggregates_refresh", unit_id=…, year=…)`. The task is looked up in the Celery
registry when it is sent; every app's `tasks.py` is imported through Celery's autodiscovery the first time.

The same task with the same arguments asked for twice in one transaction is queued once (a service called in a
loop); `reason`, a note for the log, does not count as an argument there.
"""

import importlib
import importlib.util

from django.db import transaction

from config.celery import app

NOT_KEYED = frozenset({"reason"})


def task_named(name: str):
    """The registered Celery task `name`, importing every app's tasks module first if it is not known yet."""
    if name not in app.tasks:
        # The named app's own tasks module first ("reports.aggregates_refresh" → reports.tasks): a command that
        # queues a few follow-ups need not import every app's (a second or more of openpyxl, XlsxWriter, …).
        module = f"{name.partition('.')[0]}.tasks"
        if importlib.util.find_spec(name.partition(".")[0]) is not None and importlib.util.find_spec(module):
            importlib.import_module(module)
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def after_commit(name: str, /, **kwargs) -> None:
    """Queue task `name` with `kwargs` once the current transaction commits (at once outside a transaction)."""
    task = task_named(name)  # an unknown name fails here, in the writer, not later in the callback
    key = (name, tuple(sorted((k, repr(v)) for k, v in kwargs.items() if k not in NOT_KEYED)))
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "followup_key", None) == key and not callback.done
        for _sids, callback, *_rest in connection.run_on_commit
    ):
        return

    def enqueue():
        enqueue.done = True
        task.delay(**kwargs)

    enqueue.followup_key, enqueue.done = key, False
    transaction.on_commit(enqueue)
