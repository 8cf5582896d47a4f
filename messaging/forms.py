from __future__ import annotations

import re

from django import forms

from contacts.models import Contact
from emuchat.forms import send_later_field

from . import recipients

AUDIENCES = [
    ("selected", "The contacts you ticked"),
    ("all", "All contacts with a number"),
    ("search", "Contacts matching a search"),
    ("numbers", "Numbers you paste"),
    ("csv", "Numbers from a CSV file"),
]


class BulkSendForm(forms.Form):
    """Recipients as a set (issue 12): one choice and one value, never one field per contact."""

    audience = forms.ChoiceField(label="Send to", choices=AUDIENCES, widget=forms.RadioSelect, initial="all")
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(), widget=forms.CheckboxSelectMultiple, label="Recipients", required=False
    )
    search = forms.CharField(label="Search contacts", max_length=200, required=False)
    numbers = forms.CharField(
        label="Phone numbers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "+14155550123\n+14155550124"}),
        help_text="One per line, or separated by commas.",
    )
    csv_file = forms.FileField(
        label="CSV file", required=False, help_text="The column named phone (or number, mobile), else the first one."
    )
    upload = forms.CharField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(label="Message", max_length=1600, widget=forms.Textarea(attrs={"rows": 4}))
    scheduled_for = send_later_field()

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["contacts"].queryset = (
            Contact.objects.filter(workspace=workspace).exclude(phone="").order_by("name")
        )

    def clean_upload(self) -> str:
        upload = self.cleaned_data["upload"]
        if upload and not re.fullmatch(recipients.upload_pattern(self.workspace), upload):
            raise forms.ValidationError("That upload has expired; choose the file again.")
        return upload

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        if audience == "selected" and not data.get("contacts"):
            self.add_error("contacts", "Tick at least one contact, or choose another group.")
        elif audience == "search" and not (data.get("search") or "").strip():
            self.add_error("search", "Type what to search for.")
        elif audience == "numbers" and not (data.get("numbers") or "").strip():
            self.add_error("numbers", "Paste at least one number.")
        elif audience == "csv" and not (data.get("csv_file") or data.get("upload")):
            self.add_error("csv_file", "Choose a CSV file.")
        return data


class SenderRateForm(forms.Form):
    rate_per_second = forms.IntegerField(
        label="Texts per second", min_value=1, max_value=10_000, widget=forms.NumberInput(attrs={"style": "width:6rem"})
    )
