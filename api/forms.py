from django import forms


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        label="Name",
        help_text="What will use this token, e.g. “Shop CRM”. Shown in the list and in the opt-out history.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
