"""An email backend whose server is down, for the failure paths."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPException("SMTP server refused the connection")
