from __future__ import annotations

from django import forms
from django.conf import settings

from contacts.models import Contact


class BulkSendForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(), widget=forms.CheckboxSelectMultiple, label="Recipients"
    )
    body = forms.CharField(label="Message", max_length=1600, widget=forms.Textarea(attrs={"rows": 4}))
    scheduled_for = forms.DateTimeField(
        label="Send later (optional)",
        required=False,
        help_text=f"Leave empty to send now. Times are in {settings.TIME_ZONE}.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = (
            Contact.objects.filter(workspace=workspace).exclude(phone="").order_by("name")
        )
