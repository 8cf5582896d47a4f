from __future__ import annotations

from django import forms


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    phone = forms.CharField(
        label="Phone number",
        max_length=40,
        required=False,
        help_text="Optional. Numbers without a country code are read in your workspace's country.",
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    email = forms.EmailField(required=False)
