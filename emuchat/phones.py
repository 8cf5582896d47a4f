"""The one place user-written phone numbers become E.164 (SPEC §3).

Every form, import, API and webhook goes through :func:`normalize` (raises)
or :func:`parse` (returns the reason instead, for bulk paths that must not
pay for an exception per bad row).
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError

_NON_DIGITS = re.compile(r"\D+")
_NUMERIC_CELL = re.compile(r"^\d+\.0+$")


def _as_international(text: str) -> phonenumbers.PhoneNumber | None:
    """Read ``0044…`` or a bare digit string as an international number."""
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("00"):
        digits = digits[2:]
    elif not text.isdigit():
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def parse(raw: object, region: str) -> tuple[str | None, str]:
    """Return ``(e164, "")`` for a valid number or ``(None, reason)``."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None, "No phone number given."
    if _NUMERIC_CELL.match(text):
        # Spreadsheets hand over exact integers as "447911123456.0".
        text = text.split(".", 1)[0]
    if "e+" in text.lower() and re.fullmatch(r"[\d.]+[eE]\+\d+", text):
        return None, f"“{text}” is in scientific notation, so digits were lost; it was not imported."
    number = None
    try:
        candidate = phonenumbers.parse(text, region or None)
        if phonenumbers.is_valid_number(candidate):
            number = candidate
    except phonenumbers.NumberParseException:
        pass
    if number is None:
        number = _as_international(text)
    if number is None:
        return None, f"“{text}” is not a valid phone number."
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""


# Countries a national number is tried in for the hint, most texted first; the name as a sentence uses it.
_HINT_COUNTRIES = {
    "US": "a US",
    "GB": "a UK",
    "DE": "a German",
    "FR": "a French",
    "ES": "a Spanish",
    "IT": "an Italian",
    "NL": "a Dutch",
    "IE": "an Irish",
    "AU": "an Australian",
    "NZ": "a New Zealand",
    "IN": "an Indian",
    "MX": "a Mexican",
    "BR": "a Brazilian",
    "ZA": "a South African",
    "SE": "a Swedish",
    "CH": "a Swiss",
    "BE": "a Belgian",
    "AT": "an Austrian",
    "PL": "a Polish",
    "PT": "a Portuguese",
    "JP": "a Japanese",
}
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def country_hint(text: str, region: str) -> str:
    """“If it is a UK number, add +44: +44 7911 123456.” for a national number of another country, else "".

    Only a hint: the number is still refused (SPEC §3 decides what is accepted). A mobile
    reading wins over a landline one, then the order of ``_HINT_COUNTRIES``.
    """
    if not text or text.startswith("+") or any(c.isalpha() for c in text):
        return ""
    digits = _NON_DIGITS.sub("", text)
    own_code = phonenumbers.country_code_for_region((region or "").upper())
    found = None
    for country in _HINT_COUNTRIES:
        if phonenumbers.country_code_for_region(country) == own_code:
            continue
        # Only a national writing that says so: the country's "0" trunk prefix, or ten NANP digits.
        prefix = phonenumbers.PhoneMetadata.metadata_for_region(country).national_prefix
        code = phonenumbers.country_code_for_region(country)
        if not (digits.startswith("0") if prefix == "0" else code == 1 and len(digits) == 10):
            continue
        try:
            number = phonenumbers.parse(text, country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            mobile = phonenumbers.number_type(number) in _MOBILE
            if found is None or mobile:
                found = (country, number)
            if mobile:
                break
    if found is None:
        return ""
    country, number = found
    written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"If it is {_HINT_COUNTRIES[country]} number, add +{number.country_code}: {written}."


def normalize(raw: object, region: str) -> str:
    """Return the E.164 form of ``raw`` or raise a ValidationError naming it.

    A national number of another country is refused with a hint saying which country
    code to add (one number at a time only: bulk paths use :func:`parse`, without it).
    """
    e164, reason = parse(raw, region)
    if e164 is None:
        hint = country_hint("" if raw is None else str(raw).strip(), region)
        raise ValidationError(f"{reason} {hint}" if hint else reason, code="invalid_phone")
    return e164


@functools.lru_cache(maxsize=8192)
def format_international(e164: str) -> str:
    """``+14155550123`` → ``+1 415-555-0123``; anything unparsable is returned as is.

    Cached: list pages format the same numbers on every view, and parsing is
    the costliest part of rendering a row.
    """
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def search_digits(query: str, region: str = "") -> str:
    """Digits to look for inside stored E.164 numbers for a search box query.

    ``0044 7911`` searches ``447911``; a full national number such as
    ``(415) 555-0123`` is normalised first so it matches its ``+1`` form.
    """
    text = (query or "").strip()
    e164, _ = parse(text, region) if text else (None, "")
    if e164:
        return e164[1:]
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("00"):
        digits = digits[2:]
    elif text.startswith("0") and region:
        # A national writing in a "0" trunk-prefix country: "07911 12" is +44 7911 12….
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
        if metadata is not None and metadata.national_prefix == "0":
            digits = f"{metadata.country_code}{digits[1:]}"
    return digits


def mask(e164: str) -> str:
    """``+14155550123`` → ``+1 ••• ••• 0123``: enough for a recipient to recognise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "•••"
    national = str(number.national_number)
    hidden = max(len(national) - 4, 0)
    groups = " ".join("•••" for _ in range(max(1, round(hidden / 3))))
    return f"+{number.country_code} {groups} {national[-4:]}"
