"""Issue 13 item 11: a national number of another country is refused with a hint naming the code to add."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from emuchat import phones


@pytest.mark.parametrize(
    ("raw", "region", "hint"),
    [
        ("07911 123456", "US", "If it is a UK number, add +44: +44 7911 123456."),
        ("06 12 34 56 78", "US", "If it is a French number, add +33: +33 6 12 34 56 78."),
        ("0412 345 678", "US", "If it is an Australian number, add +61: +61 412 345 678."),
        ("(415) 555-0123", "GB", "If it is a US number, add +1: +1 415-555-0123."),
    ],
)
def test_a_national_number_of_another_country_is_refused_with_the_code_to_add(raw, region, hint):
    with pytest.raises(ValidationError) as refused:
        phones.normalize(raw, region)
    assert refused.value.messages == [f"“{raw}” is not a valid phone number. {hint}"]
    # The hint is right: the number it suggests is read as the same number.
    suggested = hint.split(": ", 1)[1].rstrip(".")
    country_code = hint.split("add +", 1)[1].split(":", 1)[0]
    assert phones.normalize(suggested, region).startswith("+" + country_code)


@pytest.mark.parametrize("raw", ["12", "555-CALL-NOW", "call me", "1234567", "44 7911 123456"])
def test_input_that_is_no_other_countrys_national_number_gets_no_hint(raw):
    with pytest.raises(ValidationError) as refused:
        phones.normalize(raw, "US")
    assert refused.value.messages == [f"“{raw}” is not a valid phone number."]


def test_the_hint_changes_nothing_that_is_accepted():
    assert phones.normalize("07911 123456", "GB") == "+447911123456"
    assert phones.normalize("0044 7911 123456", "US") == "+447911123456"
    # Bulk paths keep the short reason (no per-row lookups across countries).
    assert phones.parse("07911 123456", "US") == (None, "“07911 123456” is not a valid phone number.")


def test_a_form_shows_the_hint(member_client, workspace):
    response = member_client.post("/w/acme/opt-outs/add/", {"phone": "07911 123456", "reason": ""})
    assert response.context["form"].errors["phone"] == [
        "“07911 123456” is not a valid phone number. If it is a UK number, add +44: +44 7911 123456."
    ]
