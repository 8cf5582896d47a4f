from __future__ import annotations

from django import forms

from .keywords import PACKS
from .models import DEFAULT_CONFIRMATION, DEFAULT_HELP_REPLY, DEFAULT_JOIN_KEYWORD, MAX_CONFIRMATION_LENGTH


def _words(value: str) -> list[str]:
    """One keyword per line; commas separate too."""
    return [word.strip() for line in value.splitlines() for word in line.split(",") if word.strip()]


class ComplianceSettingsForm(forms.Form):
    packs = forms.MultipleChoiceField(
        label="Keyword packs",
        required=False,
        choices=[(pack.id, pack.name) for pack in PACKS],
        widget=forms.CheckboxSelectMultiple,
    )
    custom_opt_out = forms.CharField(
        label="Your opt-out keywords",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "OPT OUT\nNO MORE"}),
        help_text="One per line; one or two words each. Matched as the whole reply, ignoring case and accents.",
    )
    custom_opt_in = forms.CharField(
        label="Your opt-in keywords",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "JOIN"}),
        help_text="One per line. A word can't be both an opt-out and an opt-in keyword.",
    )
    confirmation_enabled = forms.BooleanField(
        label="Send one confirmation text after an opt-out by reply", required=False
    )
    confirmation_template = forms.CharField(
        label="Confirmation text",
        required=False,
        max_length=MAX_CONFIRMATION_LENGTH,
        initial=DEFAULT_CONFIRMATION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="{workspace} becomes your workspace's name.",
    )

    help_reply = forms.CharField(
        label="HELP reply",
        required=False,
        max_length=MAX_CONFIRMATION_LENGTH,
        initial=DEFAULT_HELP_REPLY,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Sent once a day at most per number to HELP or INFO, even to opted-out numbers."
        " {workspace} becomes your workspace's name; it must say how to opt out (Reply STOP).",
    )

    double_opt_in_enabled = forms.BooleanField(
        label="Ask people who text the join keyword to confirm with Y", required=False
    )
    join_keyword = forms.CharField(
        label="Join keyword",
        required=False,
        max_length=30,
        initial=DEFAULT_JOIN_KEYWORD,
        help_text="Matched as the whole reply. Not STOP, SUBSCRIBE or another keyword you use.",
    )

    def clean_custom_opt_out(self) -> list[str]:
        return _words(self.cleaned_data["custom_opt_out"])

    def clean_custom_opt_in(self) -> list[str]:
        return _words(self.cleaned_data["custom_opt_in"])
