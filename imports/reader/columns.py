"""Guess which column holds phone numbers, names or email addresses."""

from __future__ import annotations

import re
import unicodedata

from .errors import NO_PHONE_COLUMN

NO_PHONE_COLUMN_MESSAGE = NO_PHONE_COLUMN

# Whole-header matches, most specific first: when a file has both "Phone" and
# "Number", the phone column wins. Headers are compared after _normalise().
_EXACT: dict[str, tuple[str, ...]] = {
    "phone": (
        "phone",
        "phone number",
        "phonenumber",
        "phone no",
        "mobile",
        "mobile phone",
        "mobile number",
        "mobilenumber",
        "mobile no",
        "mobile phone number",
        "cell",
        "cell phone",
        "cellphone",
        "cell number",
        "telephone",
        "telephone number",
        "tel",
        "tel no",
        "msisdn",
        "sms number",
        "sms",
        "whatsapp",
        "whatsapp number",
        "contact number",
        "e164",
        "number",
        "telefon",
        "telefono",
        "movil",
        "celular",
        "handy",
        "portable",
    ),
    "name": (
        "name",
        "full name",
        "fullname",
        "contact name",
        "contact",
        "display name",
        "first name",
        "firstname",
        "given name",
        "nom",
        "nombre",
    ),
    "email": ("email", "e mail", "email address", "e mail address", "mail", "correo"),
}

# Then headers containing one of these words ("Work mobile", "Phone (home)"),
# unless they also contain a word that says the column is about the number
# rather than the number itself ("Phone type", "Country code").
_CONTAINS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "mobile", "cell", "telephone", "tel", "msisdn", "sms", "whatsapp", "whats app"),
    "name": ("name",),
    "email": ("email", "e mail"),
}
_NOT_THE_VALUE = frozenset(
    {
        "type",
        "kind",
        "label",
        "status",
        "verified",
        "valid",
        "ext",
        "extension",
        "country",
        "code",
        "prefix",
        "opt",
        "optin",
        "optout",
        "consent",
        "count",
        "id",
        "carrier",
        "provider",
        "user",
        "username",
        "file",
        "company",
        "business",
        "account",
        "sender",
        "domain",
    }
)

_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _normalise(header: str) -> str:
    """``"Mobile_Phone #"``, ``"mobilePhone"`` and ``"Móbile phone"`` → ``"mobile phone"``."""
    text = _CAMEL_CASE.sub(" ", header)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(_NOT_ALNUM.split(text.lower())).strip()


def detect_column(headers: list[str], kind: str = "phone") -> int | None:
    """Return the index of the column most likely to hold ``kind`` values, or None."""
    if kind not in _EXACT:
        raise ValueError(f"Unknown column kind {kind!r}; expected one of {sorted(_EXACT)}.")
    normalised = [_normalise(header) for header in headers]
    for name in _EXACT[kind]:
        if name in normalised:
            return normalised.index(name)
    for word in _CONTAINS[kind]:
        for index, header in enumerate(normalised):
            words = header.split()
            padded = f" {header} "
            if f" {word} " in padded and _NOT_THE_VALUE.isdisjoint(words):
                return index
    return None
