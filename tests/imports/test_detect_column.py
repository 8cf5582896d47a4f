"""The phone, name and email columns are found from headers people actually write."""

from __future__ import annotations

import pytest

from imports.reader import NO_PHONE_COLUMN_MESSAGE, detect_column


@pytest.mark.parametrize(
    "header",
    [
        "phone",
        "Phone",
        "PHONE NUMBER",
        "Phone_Number",
        "phoneNumber",
        "phone-number",
        "Mobile",
        "mobile phone",
        "Mobile #",
        "Mobile No.",
        "Cell",
        "cell phone",
        "Number",
        "Tel",
        "Tel.",
        "Telephone",
        "MSISDN",
        "SMS number",
        "WhatsApp",
        "  Phone  ",
        "Work mobile",
        "Phone (home)",
        "Teléfono",
    ],
)
def test_common_phone_headers_are_detected(header):
    assert detect_column(["Name", header, "Email"]) == 1


def test_phone_is_preferred_over_a_generic_number_column():
    assert detect_column(["Number", "Name", "Phone"]) == 2


def test_exact_phone_header_beats_a_header_that_merely_contains_phone():
    assert detect_column(["Work phone", "Mobile"]) == 1


@pytest.mark.parametrize("header", ["Phone type", "Country code", "Phone verified", "Account number", "ID"])
def test_headers_about_the_number_rather_than_the_number_are_not_chosen(header):
    assert detect_column(["Name", header]) is None


def test_no_phone_column_returns_none_and_a_message_explains_it():
    assert detect_column(["First name", "Email", "City"]) is None
    assert "couldn't find a column of phone numbers" in NO_PHONE_COLUMN_MESSAGE


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Phone", "Name"], 1),
        (["Phone", "Full name"], 1),
        (["Phone", "Contact"], 1),
        (["Phone", "First Name", "Last Name"], 1),
        (["Phone", "Contact name", "Company name"], 1),
        (["Phone", "Company name"], None),
    ],
)
def test_name_column_is_detected(headers, expected):
    assert detect_column(headers, "name") == expected


@pytest.mark.parametrize("header", ["email", "E-mail", "Email Address", "e_mail_address", "Work email"])
def test_email_column_is_detected(header):
    assert detect_column(["Phone", header], "email") == 1


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown column kind 'fax'"):
        detect_column(["fax"], "fax")
