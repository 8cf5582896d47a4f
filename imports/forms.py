from __future__ import annotations

from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        allow_empty_file=True,  # the reader says "The file is empty.", like the command does
        help_text="The first row should name the columns. UTF-8, UTF-16 or Windows-1252 CSV, comma, "
        "semicolon or tab separated, or an Excel workbook (.xlsx).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,text/csv"}),
    )
    # Optional here: the Map step asks for both. Accepted so a script can post them in one go.
    reason = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    phone_column = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)


class MapForm(forms.Form):
    phone_column = forms.TypedChoiceField(
        label="Column with the phone numbers", coerce=int, widget=forms.Select(attrs={"data-preview-on-change": ""})
    )

    def __init__(self, *args, choices: list[tuple[str, str]], contacts: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone_column"].choices = choices
        if contacts:
            optional = [("", "— none —"), *choices]
            for name, label in (("name_column", "names"), ("email_column", "email addresses")):
                self.fields[name] = forms.TypedChoiceField(
                    label=f"Column with the {label}",
                    choices=optional,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    widget=forms.Select(attrs={"data-preview-on-change": ""}),
                )
        else:
            self.fields["reason"] = forms.CharField(
                label="Reason (optional)",
                required=False,
                max_length=500,
                help_text="Recorded on every number this import adds, e.g. “Unsubscribed list from our old provider”.",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def columns(self) -> dict[str, int | None]:
        """The chosen columns as 0-based indexes (the choices count from 1, like a spreadsheet)."""
        data = self.cleaned_data
        as_index = lambda value: None if value is None else value - 1  # noqa: E731
        return {
            "phone_column": as_index(data["phone_column"]),
            "name_column": as_index(data.get("name_column")),
            "email_column": as_index(data.get("email_column")),
        }
