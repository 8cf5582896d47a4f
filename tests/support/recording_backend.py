"""A provider stub for worker processes: records when each call started, to a file.

The file is ``$RECORDING_BACKEND_LOG`` (one JSON object per line), so the
test process can read what another process handed to the "provider".
"""

from __future__ import annotations

import json
import os
import time
import uuid

from messaging.backends import BaseSmsBackend, OutgoingSms


def log_path() -> str:
    return os.environ.get("RECORDING_BACKEND_LOG", "build/recording-backend.jsonl")


class SmsBackend(BaseSmsBackend):
    def send(self, sms: OutgoingSms) -> str:
        # A pause before the call "starts" widens the window between the guard's
        # check and the provider call, where a race would show.
        time.sleep(float(os.environ.get("RECORDING_BACKEND_PRE_DELAY", "0")))
        started = time.time()
        delay = float(os.environ.get("RECORDING_BACKEND_DELAY", "0"))
        with open(log_path(), "a") as log:
            log.write(
                json.dumps({"to": sms.to, "body": sms.body, "started": started, "message_id": sms.message_id}) + "\n"
            )
            log.flush()
        if delay:
            time.sleep(delay)
        return f"rec-{uuid.uuid4().hex}"


def read(path: str | None = None) -> list[dict]:
    path = path or log_path()
    if not os.path.exists(path):
        return []
    with open(path) as log:
        return [json.loads(line) for line in log if line.strip()]
