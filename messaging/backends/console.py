from __future__ import annotations

import sys
import uuid

from . import BaseSmsBackend, OutgoingSms


class SmsBackend(BaseSmsBackend):
    """Prints each text instead of sending it: the default for local runs."""

    def send(self, sms: OutgoingSms) -> str:
        sys.stdout.write(f"[sms] {sms.from_phone} -> {sms.to}: {sms.body}\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4().hex}"
