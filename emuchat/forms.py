from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import BaseTemporalField
from django.utils import timezone
from django.utils.functional import lazy

from . import times


def apply_validation_error(form: forms.Form, error: ValidationError, default_field: str | None = None) -> None:
    """Show a service's ValidationError on the form fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field if default_field in form.fields else None, error)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the active (the workspace's) zone, read by ``times.aware``.

    Django's own field refuses a time that is ambiguous or missing around a change of the
    clocks with a generic message; this one takes the first of two, and refuses a missing
    one saying what it would mean (docs/decisions.md, issue 13).
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else times.aware(value)
        naive = BaseTemporalField.to_python(self, str(value).strip())
        return times.aware(naive)


def _send_later_help() -> str:
    zone = timezone.get_current_timezone_name()
    if zone == "UTC":
        return "Leave empty to send now. Enter it in the workspace's time zone, UTC (change it in Settings)."
    return f"Leave empty to send now. Enter it in the workspace's time zone, {zone} (now {times.offset()})."


def send_later_field() -> forms.DateTimeField:
    """The optional "Send later" time of New message and Bulk send (a browser's datetime-local input)."""
    return LocalDateTimeField(
        label="Send later (optional)",
        required=False,
        # Lazy: the workspace's time zone is active while its pages render (workspaces.access).
        help_text=lazy(_send_later_help, str)(),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
