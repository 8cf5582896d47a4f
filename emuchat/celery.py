from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emuchat.settings")

app = Celery("emuchat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="emuchat.ping")
def ping() -> str:
    """A trivial round trip, used to prove a worker is listening."""
    return "pong"
