from __future__ import annotations

from django import forms

from emuchat.forms import send_later_field


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
    scheduled_for = send_later_field()
