from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emuchat.settings")

app = Celery("emuchat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each kind of work has its own queue, so a million-row import never delays a
# campaign and a campaign never delays an export email. Queue names derive from
# CELERY_TASK_DEFAULT_QUEUE ("emuchat" → "emuchat.delivery", …), which keeps a
# test's private queue private for routed tasks too. Unlisted tasks use the default.
TASK_KINDS = {
    "messaging.tasks.deliver_message": "delivery",
    "messaging.tasks.deliver_messages": "delivery",
    "imports.tasks.run_import": "jobs",
    "optouts.tasks.run_export": "jobs",
    "messaging.tasks.run_bulk_send": "jobs",
    "messaging.tasks.dispatch_due_messages": "housekeeping",
    "messaging.tasks.fail_stale_sending": "housekeeping",
    "optouts.tasks.tidy_import_export_jobs": "housekeeping",
    "messaging.tasks.tidy_bulk_sends": "housekeeping",
    "api.tasks.prune_idempotency_keys": "housekeeping",
}
QUEUE_KINDS = ("delivery", "jobs", "housekeeping")


def queue_name(kind: str) -> str:
    return f"{app.conf.task_default_queue}.{kind}"


def all_queue_names(default_queue: str) -> list[str]:
    return [default_queue, *(f"{default_queue}.{kind}" for kind in QUEUE_KINDS)]


def route_task(name, args, kwargs, options, task=None, **kw):
    kind = TASK_KINDS.get(name)
    return {"queue": queue_name(kind)} if kind else None


@app.task(name="emuchat.ping")
def ping() -> str:
    """A trivial round trip, used to prove a worker is listening."""
    return "pong"


def task(name: str):
    """The registered Celery task called ``name`` ("app.tasks.function").

    A service queues its app's task by name: the tasks module imports the
    service, so the service importing it back would make the two modules a
    cycle (tests/test_layers.py). Tasks modules are found by autodiscovery,
    which a web process without a worker has not run yet: it runs here once.
    """
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue_on_commit(name: str, *args, countdown: int | None = None) -> None:
    """Queue the task ``name`` with ``args`` once the current transaction commits."""
    from django.db import transaction

    queued = task(name)
    transaction.on_commit(lambda: queued.apply_async(args, countdown=countdown))
