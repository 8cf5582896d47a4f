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


def normalize(raw: object, region: str) -> str:
    """Return the E.164 form of ``raw`` or raise a ValidationError naming it."""
    e164, reason = parse(raw, region)
    if e164 is None:
        raise ValidationError(reason, code="invalid_phone")
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
