from __future__ import annotations

import zoneinfo

from django import forms

from .models import Role, validate_region

TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class WorkspaceForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name", help_text="Your team or business, e.g. “Acme Bakery”.")
    slug = forms.SlugField(
        max_length=60,
        label="Address",
        help_text="Lowercase letters, digits and hyphens; the workspace lives at /w/<address>/.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    default_region = forms.CharField(
        max_length=2,
        min_length=2,
        label="Default country",
        initial="US",
        help_text="Two-letter code (US, GB, DE…): numbers written without a country code are read as this country's.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 3, "style": "text-transform:uppercase"}),
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=[(tz, tz) for tz in TIME_ZONES],
        initial="UTC",
        help_text="Every time on the workspace's pages and in its emails is in this zone; Send later is read in it.",
    )

    def clean_slug(self) -> str:
        # Checked here too (the service checks again) so every field's error shows at once.
        from .models import Workspace
        from .services import slug_taken_message

        slug = self.cleaned_data["slug"].lower()
        if Workspace.objects.filter(slug=slug).exists():
            raise forms.ValidationError(slug_taken_message(slug))
        return slug

    def clean_default_region(self) -> str:
        region = self.cleaned_data["default_region"].upper()
        validate_region(region)
        return region


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text="Owners also manage members, sender numbers, settings and API tokens.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class SignUpForm(forms.Form):
    username = forms.CharField(
        max_length=150, label="Username", widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 8 characters, not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class WorkspaceSettingsForm(forms.Form):
    name = WorkspaceForm.base_fields["name"]
    default_region = WorkspaceForm.base_fields["default_region"]
    time_zone = WorkspaceForm.base_fields["time_zone"]
    twilio_account_sid = forms.CharField(
        max_length=64,
        required=False,
        label="Twilio account SID (optional)",
        help_text="Your own Twilio account (AC…). Empty: the server's account is used.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    twilio_auth_token = forms.CharField(
        max_length=64,
        required=False,
        label="Twilio auth token",
        help_text="Never shown again once saved; leave empty to keep the current one.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )

    def clean_default_region(self) -> str:
        region = self.cleaned_data["default_region"].upper()
        validate_region(region)
        return region


class QuietHoursForm(forms.Form):
    quiet_hours_enabled = forms.BooleanField(
        required=False,
        label="Hold bulk and scheduled texts during quiet hours",
        help_text="In the recipient's time zone, read from their number. Conversation replies are never held.",
    )
    quiet_hours_start = forms.TimeField(
        label="Quiet from", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), initial="21:00"
    )
    quiet_hours_end = forms.TimeField(
        label="Quiet until", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), initial="08:00"
    )
