from __future__ import annotations

from django import forms

from contacts.models import Contact
from emuchat.forms import send_later_field


class BulkSendForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(), widget=forms.CheckboxSelectMultiple, label="Recipients"
    )
    body = forms.CharField(label="Message", max_length=1600, widget=forms.Textarea(attrs={"rows": 4}))
    scheduled_for = send_later_field()

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = (
            Contact.objects.filter(workspace=workspace).exclude(phone="").order_by("name")
        )


class SenderRateForm(forms.Form):
    rate_per_second = forms.IntegerField(
        label="Texts per second", min_value=1, max_value=10_000, widget=forms.NumberInput(attrs={"style": "width:6rem"})
    )
