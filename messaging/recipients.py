"""Bulk-send recipients as a set: all contacts, a search, pasted numbers or a CSV (issue 12).

The page never lists one form field per contact: it names a group, and the
numbers are read here in set-based queries, so 100,000 recipients cost the same
form as ten. ``summarise`` counts, before anything is sent, what ``send_bulk``
will do with them (it applies the same parsing, dedupe and opt-out lookup).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db.models import Count

from contacts import selectors as contact_selectors
from contacts.models import Contact
from emuchat import phones
from emuchat.text import clean_text
from optouts.models import OptOut
from workspaces.models import Workspace

UPLOAD_DIR = "bulk-recipients"
PHONE_HEADERS = ("phone", "number", "mobile", "phone number", "to")
_SEPARATORS = re.compile(r"[\n\r,;\t]+")


@dataclass(frozen=True)
class Summary:
    total: int  # entries given (rows, lines, contacts)
    recipients: int  # distinct valid numbers: one text each
    blocked: int  # of those, on the opt-out list: recorded as failed, never sent
    invalid: int  # entries that are not a phone number
    duplicates: int

    @property
    def will_send(self) -> int:
        return self.recipients - self.blocked


def from_contacts(audience: str) -> bool:
    """Whether the group is contacts (numbers stored E.164) rather than entries someone typed or uploaded."""
    return audience in ("selected", "all", "search")


def upload_pattern(workspace: Workspace) -> str:
    """A kept CSV belongs to one workspace: another workspace's name never matches."""
    return rf"{UPLOAD_DIR}/{workspace.pk}/[0-9a-f]{{32}}\.csv"


def keep_upload(*, workspace: Workspace, file: File) -> str:
    """Store an uploaded CSV until the send is confirmed; returns its storage name."""
    return default_storage.save(f"{UPLOAD_DIR}/{workspace.pk}/{uuid.uuid4().hex}.csv", file)


def discard_upload(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def _csv_numbers(name: str) -> Iterator[str]:
    with default_storage.open(name, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        rows = csv.reader(clean_text(line) for line in text)
        header = next(rows, None)
        if header is None:
            return
        lowered = [cell.strip().lower() for cell in header]
        column = next((lowered.index(h) for h in PHONE_HEADERS if h in lowered), None)
        if column is None:
            column = 0
            if header and header[0].strip():
                yield header[0]  # No header row: the first line is a number too.
        for row in rows:
            if len(row) > column and row[column].strip():
                yield row[column]


def split_numbers(text: str) -> list[str]:
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def resolve(
    *,
    workspace: Workspace,
    audience: str,
    contacts: Iterable[Contact] = (),
    search: str = "",
    numbers: str = "",
    upload: str = "",
) -> list[str]:
    """The raw numbers of the chosen group, in order (parsing and dedupe are ``send_bulk``'s)."""
    with_phone = Contact.objects.filter(workspace=workspace).exclude(phone="")
    if audience == "selected":
        return [contact.phone for contact in contacts]
    if audience == "all":
        return list(with_phone.order_by("id").values_list("phone", flat=True))
    if audience == "search":
        matching = contact_selectors.contacts_for(workspace, search).exclude(phone="")
        return list(matching.values_list("phone", flat=True))
    if audience == "numbers":
        return split_numbers(numbers)
    if audience == "csv" and upload:
        return list(_csv_numbers(upload))
    return []


def criteria_for(*, audience: str, contacts: Iterable[Contact] = (), search="", numbers="", upload="") -> dict:
    """What a ``BulkSend`` keeps of the chosen group: its definition, never its 100,000 numbers."""
    if audience == "selected":
        return {"contacts": [contact.pk for contact in contacts]}
    if audience == "search":
        return {"search": search}
    if audience == "numbers":
        return {"numbers": numbers}
    if audience == "csv":
        return {"upload": upload}
    return {}


def resolve_criteria(*, workspace: Workspace, audience: str, criteria: dict) -> list[str]:
    """``resolve`` for a stored group (the bulk-send job)."""
    contacts = ()
    if audience == "selected":
        ids = [pk for pk in criteria.get("contacts", []) if isinstance(pk, int)]
        contacts = Contact.objects.filter(workspace=workspace, pk__in=ids).exclude(phone="").order_by("id")
    return resolve(
        workspace=workspace,
        audience=audience,
        contacts=contacts,
        search=criteria.get("search", ""),
        numbers=criteria.get("numbers", ""),
        upload=criteria.get("upload", ""),
    )


def _contact_group(workspace: Workspace, audience: str, contacts: Iterable[Contact], search: str):
    """The contacts queryset behind a contacts group, or None for pasted numbers and CSVs."""
    with_phone = Contact.objects.filter(workspace=workspace).exclude(phone="")
    if audience == "selected":
        return with_phone.filter(pk__in=[contact.pk for contact in contacts])
    if audience == "all":
        return with_phone
    if audience == "search":
        return contact_selectors.contacts_for(workspace, search).exclude(phone="").order_by()
    return None


def summarise_group(
    *,
    workspace: Workspace,
    audience: str,
    contacts: Iterable[Contact] = (),
    search: str = "",
    numbers: str = "",
    upload: str = "",
) -> Summary:
    """The review step's counts. For contacts, three counts in SQL (their numbers are stored E.164);
    for pasted numbers and CSVs, each entry is read once and the list checked in one query."""
    group = _contact_group(workspace, audience, contacts, search)
    if group is None:
        raw = resolve(workspace=workspace, audience=audience, numbers=numbers, upload=upload)
        return summarise(workspace=workspace, numbers=raw)
    phones_in_group = group.order_by().values("phone")
    counts = group.order_by().aggregate(total=Count("id"), distinct=Count("phone", distinct=True))
    blocked = OptOut.objects.filter(workspace=workspace, phone__in=phones_in_group).count()
    return Summary(
        total=counts["total"],
        recipients=counts["distinct"],
        blocked=blocked,
        invalid=0,
        duplicates=counts["total"] - counts["distinct"],
    )


def summarise(*, workspace: Workspace, numbers: list[str]) -> Summary:
    valid: list[str] = []
    invalid = 0
    for raw in numbers:
        e164, _ = phones.parse(raw, workspace.default_region)
        if e164 is None:
            invalid += 1
        else:
            valid.append(e164)
    distinct = list(dict.fromkeys(valid))
    # One set-based query; the numbers are E.164 already, so nothing is parsed twice.
    blocked = OptOut.objects.filter(workspace=workspace, phone__any=frozenset(distinct)).count() if distinct else 0
    return Summary(
        total=len(numbers),
        recipients=len(distinct),
        blocked=blocked,
        invalid=invalid,
        duplicates=len(valid) - len(distinct),
    )
