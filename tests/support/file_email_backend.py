"""Email for worker processes: each message as a JSON file the test process can read."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def outbox_dir() -> Path:
    return Path(os.environ.get("TEST_EMAIL_DIR", "build/test-email"))


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            record = {"to": message.to, "subject": message.subject, "body": message.body}
            (folder / f"{uuid.uuid4().hex}.json").write_text(json.dumps(record))
        return len(email_messages)


def read() -> list[dict]:
    folder = outbox_dir()
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []
