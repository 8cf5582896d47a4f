"""Opt-out link codes and the ``{opt_out_link}`` placeholder (SPEC §10).

One random code per (workspace, number), made on first use and reused, so a
recipient's link always works and never points at anyone else. Codes for a
whole bulk send are fetched and created in set-based queries.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from workspaces.models import Workspace

from .models import OptOutLink

PLACEHOLDER = "{opt_out_link}"
# 6 random bytes = 48 bits in 8 URL-safe characters: every character costs SMS length,
# and at ~2.8e14 codes a guesser rate-limited per address has no practical chance.
CODE_BYTES = 6
CODE_LENGTH = 8
_CHUNK = 5000
_ATTEMPTS = 5


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def url_for(code: str) -> str:
    return f"{settings.SITE_URL}/o/{code}"


def sample_url() -> str:
    """A link of the real length, for counting characters before any code exists."""
    return url_for("x" * CODE_LENGTH)


def has_placeholder(body: str) -> bool:
    return PLACEHOLDER in (body or "")


def expand(body: str, code: str) -> str:
    return body.replace(PLACEHOLDER, url_for(code))


def _existing(workspace: Workspace, numbers: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        found.update(
            OptOutLink.objects.filter(workspace=workspace, phone__in=chunk).values_list("phone", "code").iterator()
        )
    return found


def codes_for(*, workspace: Workspace, phones: Iterable[str]) -> dict[str, str]:
    """The code of each E.164 number, creating the missing ones; one query per 5,000 numbers.

    Safe under concurrency: a number another request coded first, or a code
    that collided with an existing one, is skipped by the insert and read back
    (or retried with a fresh code), so each number keeps exactly one code.
    """
    numbers = list(dict.fromkeys(phones))
    found = _existing(workspace, numbers)
    for _ in range(_ATTEMPTS):
        missing = [n for n in numbers if n not in found]
        if not missing:
            return found
        with transaction.atomic():
            OptOutLink.objects.bulk_create(
                [OptOutLink(workspace=workspace, phone=n, code=new_code()) for n in missing],
                batch_size=1000,
                ignore_conflicts=True,
            )
        found.update(_existing(workspace, missing))
    raise RuntimeError("Could not create opt-out link codes; code collisions kept happening.")


def code_for(*, workspace: Workspace, phone: str) -> str:
    return codes_for(workspace=workspace, phones=[phone])[phone]


# --- messaging's body personaliser (registered in compliance/apps.py) -----------------


def preview(body: str) -> str:
    return body.replace(PLACEHOLDER, sample_url())


def personalise(*, workspace: Workspace, body: str, phones: list[str]) -> dict[str, str] | None:
    """Each number's body with its own link, or None when ``body`` has no placeholder."""
    if not has_placeholder(body):
        return None
    codes = codes_for(workspace=workspace, phones=phones)
    return {phone: expand(body, codes[phone]) for phone in phones}
