from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from emuchat import phones


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-0123", "US", "+14155550123"),
        ("+1 415 555 0123", "US", "+14155550123"),
        ("+14155550123", "GB", "+14155550123"),
        ("0044 20 7946 0002", "US", "+442079460002"),
        ("447911123456", "US", "+447911123456"),
        ("447911123456.0", "US", "+447911123456"),
        ("07911 123456", "GB", "+447911123456"),
        ("030 901820", "DE", "+4930901820"),
    ],
)
def test_common_writings_become_e164(raw, region, expected):
    assert phones.normalize(raw, region) == expected
    assert phones.parse(raw, region) == (expected, "")  # a number read has no reason against it


@pytest.mark.parametrize("raw", ["abc", "12", "+1 415 555", "4.47911E+11", "", "   ", "+999 1234567"])
def test_invalid_input_is_rejected_with_a_message_naming_it(raw):
    with pytest.raises(ValidationError) as caught:
        phones.normalize(raw, "US")
    message = caught.value.messages[0]
    assert raw.strip() in message if raw.strip() else "No phone number" in message


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        # Not valid in the US, and "+123456789" is no number anywhere: never stored as "+123456789".
        ("123456789", "US"),
        # Only ".0" is a spreadsheet's integer: any other fraction means the cell is not a number we can trust.
        ("447911123456.5", "US"),
        ("447911123456.01", "US"),
        # §3 falls back to an international reading only for all digits or a leading 00:
        # with spaces, "44 7911 123456" is a (wrong) US writing, not a UK number.
        ("44 7911 123456", "US"),
        ("44-7911-123456", "US"),
        ("(44) 7911 123456", "US"),
    ],
)
def test_input_spec_refuses_is_rejected_not_reinterpreted(raw, region):
    e164, reason = phones.parse(raw, region)
    assert (e164, reason) == (None, f"“{raw}” is not a valid phone number.")
    with pytest.raises(ValidationError, match="is not a valid phone number"):
        phones.normalize(raw, region)


@pytest.mark.parametrize("raw", ["0044 7911 123456", "+44 7911 123456", "447911123456"])
def test_a_uk_number_in_a_us_workspace_is_read_when_written_as_spec_allows(raw):
    assert phones.normalize(raw, "US") == "+447911123456"


@pytest.mark.parametrize("raw", ["4.47911E+11", "4.47911e+11"])
def test_scientific_notation_is_reported_not_fixed_whatever_the_case_of_its_e(raw):
    e164, reason = phones.parse(raw, "US")
    assert e164 is None
    assert reason == f"“{raw}” is in scientific notation, so digits were lost; it was not imported."


def test_international_display_format():
    assert phones.format_international("+14155550123") == "+1 415-555-0123"
    assert phones.format_international("+447911123456") == "+44 7911 123456"


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+14155550123", "+1 ••• ••• 0123"),
        ("+447911123456", "+44 ••• ••• 3456"),
        ("+353851234567", "+353 ••• ••• 4567"),  # nine national digits: five hidden, two groups
        ("+4930901820", "+49 ••• 1820"),  # eight national digits: one group
        ("not a number", "•••"),
    ],
)
def test_masked_number_keeps_the_country_code_and_last_four_digits(e164, masked):
    assert phones.mask(e164) == masked


@pytest.mark.parametrize(
    ("query", "region", "digits"),
    [
        ("07911 12", "GB", "44791112"),  # a national "0" trunk prefix becomes the country code
        ("030 90", "DE", "493090"),
        ("7911 12", "GB", "791112"),  # no trunk prefix: left as typed
        ("07911 12", "US", "0791112"),  # the US has no "0" trunk prefix
        ("07911 12", "", "0791112"),
    ],
)
def test_search_query_in_a_national_writing_looks_for_the_international_digits(query, region, digits):
    assert phones.search_digits(query, region) == digits


def test_masked_number_shows_only_last_digits():
    masked = phones.mask("+14155550123")
    assert masked.startswith("+1 ")
    assert masked.endswith("0123")
    assert "415" not in masked


@pytest.mark.parametrize(
    ("query", "digits"),
    [
        ("415 555", "415555"),
        ("(415) 555-0123", "14155550123"),
        ("+1 415 555 0123", "14155550123"),
        ("0044 7911", "447911"),
        ("hello", ""),
    ],
)
def test_search_query_is_reduced_to_digits_to_look_for(query, digits):
    assert phones.search_digits(query, "US") == digits
