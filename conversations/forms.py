from __future__ import annotations

from django import forms
from django.conf import settings


class ComposerForm(forms.Form):
    body = forms.CharField(
        label="Message", max_length=1600, widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a text…"})
    )


class NewMessageForm(forms.Form):
    to = forms.CharField(
        label="To",
        max_length=40,
        help_text="A phone number in any common writing, or start typing a contact's name.",
        widget=forms.TextInput(attrs={"type": "text", "list": "contact-numbers", "autocomplete": "off"}),
    )
    body = forms.CharField(label="Message", max_length=1600, widget=forms.Textarea(attrs={"rows": 4}))
    scheduled_for = forms.DateTimeField(
        label="Send later (optional)",
        required=False,
        help_text=f"Leave empty to send now. Times are in {settings.TIME_ZONE}.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
