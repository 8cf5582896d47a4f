from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError


def apply_validation_error(form: forms.Form, error: ValidationError, default_field: str | None = None) -> None:
    """Show a service's ValidationError on the form fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field if default_field in form.fields else None, error)


def send_later_field() -> forms.DateTimeField:
    """The optional "Send later" time of New message and Bulk send (a browser's datetime-local input)."""
    return forms.DateTimeField(
        label="Send later (optional)",
        required=False,
        help_text=f"Leave empty to send now. Times are in {settings.TIME_ZONE}.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
