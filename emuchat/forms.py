from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy


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
        # Lazy: the workspace's time zone is active while its pages render (workspaces.access).
        help_text=format_lazy(
            "Leave empty to send now. Times are in {}.", lazy(timezone.get_current_timezone_name, str)()
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
