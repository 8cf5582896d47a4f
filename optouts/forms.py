from __future__ import annotations

from django import forms


class OptOutForm(forms.Form):
    phone = forms.CharField(
        label="Phone number",
        max_length=40,
        help_text="Any common writing: +44 7911 123456, (415) 555-0123, 0044 20 7946 0002.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptInForm(forms.Form):
    """*Opt in* from a menu asks first; the reason, if given, is kept on the event."""

    reason = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "e.g. They asked on the phone to get texts again."}),
    )


class ConsentForm(forms.Form):
    """A member records, by hand, that a number agreed to be texted: the why is the proof."""

    text = forms.CharField(
        label="What they agreed to, and how you know",
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "e.g. Signed the paper form at the counter on 3 Dec; form kept on file."}
        ),
        help_text="Kept as it is, with your name and the time. Consent records can't be edited or deleted.",
    )
