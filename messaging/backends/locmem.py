from __future__ import annotations

import threading
import uuid

from . import BaseSmsBackend, OutgoingSms

# Every text handed to the "provider" in tests, in order (entries have .to and .body).
outbox: list[OutgoingSms] = []
_lock = threading.Lock()


class SmsBackend(BaseSmsBackend):
    def send(self, sms: OutgoingSms) -> str:
        with _lock:
            outbox.append(sms)
        return f"locmem-{uuid.uuid4().hex}"
