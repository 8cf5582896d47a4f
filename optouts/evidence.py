"""A number's evidence pack (SPEC §13): everything the workspace knows about it, in time order, as a ZIP.

The pack holds ``evidence.csv`` and ``evidence.json`` (the same timeline:
consent records, every text in and out, every opt-out event and
confirmation, earlier downloads of the pack) and ``manifest.json`` (what
the pack is, and how many rows of each kind). It is streamed: each source
is read with ``iterator()`` in time order and the sources are merged as they
are read, so a number with 10,000 texts needs no more memory than one with
ten (bench/evidence.py measures it).

Texts live in messaging, above this app, so this module does not read them:
apps above register a source with :func:`register_source` (compliance does,
in its AppConfig.ready()), as messaging registers its opt-out listener.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone

from workspaces.models import Workspace

from .models import Consent, EvidenceDownload, OptOutEvent

CHUNK = 500
BATCH = 500  # rows per write into the ZIP
BLOCK = 64 * 1024
CSV_HEADER = ["at", "kind", "summary", "method", "who", "text", "status", "reference", "details"]
_FORMULA_START = frozenset("=+-@\t\r\n")


@dataclass(frozen=True)
class Entry:
    """One line of the timeline. ``order`` breaks ties between sources at the same instant."""

    at: datetime
    kind: str  # consent, opt_out_event, text_in, text_out, confirmation, evidence_download, …
    summary: str
    method: str = ""
    who: str = ""
    text: str = ""
    status: str = ""
    reference: str = ""  # e.g. "message 12", "consent 3"
    details: dict = field(default_factory=dict)
    order: int = 0

    def as_json(self) -> dict:
        return {
            "at": _iso(self.at),
            "kind": self.kind,
            "summary": self.summary,
            "method": self.method,
            "who": self.who,
            "text": self.text,
            "status": self.status,
            "reference": self.reference,
            "details": self.details,
        }


Source = Callable[[Workspace, str, datetime], Iterable[Entry]]
_sources: list[Source] = []


def register_source(source: Source) -> None:
    """Add ``source(workspace, phone, until) -> entries up to ``until``, in time order`` to every pack."""
    if source not in _sources:
        _sources.append(source)


def _iso(value: datetime) -> str:
    # Evidence is read by lawyers in other zones: UTC, stated as such, whatever the workspace shows.
    # Always with microseconds, so the column sorts as text too (isoformat drops ".000000").
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _who(user) -> str:
    return user.get_username() if user is not None else ""


def _consents(workspace: Workspace, phone: str, until: datetime) -> Iterator[Entry]:
    rows = Consent.objects.filter(workspace=workspace, phone=phone, created_at__lte=until).select_related("created_by")
    for c in rows.order_by("created_at", "id").iterator(chunk_size=CHUNK):
        yield Entry(
            at=c.created_at,
            kind="consent",
            summary=f"Consent recorded ({c.get_method_display()})",
            method=c.method,
            who=_who(c.created_by),
            text=c.text,
            reference=f"consent {c.pk}",
            details=c.source,
            order=1,
        )


def _events(workspace: Workspace, phone: str, until: datetime) -> Iterator[Entry]:
    rows = OptOutEvent.objects.filter(workspace=workspace, phone=phone, at__lte=until).select_related("actor")
    for e in rows.order_by("at", "id").iterator(chunk_size=CHUNK):
        yield Entry(
            at=e.at,
            kind="opt_out_event",
            summary=e.get_action_display(),
            method=e.method,
            who=_who(e.actor),
            text=e.details.get("message") or e.details.get("reason") or "",
            reference=f"event {e.pk}",
            details=e.details,
            order=2,
        )


def _downloads(workspace: Workspace, phone: str, until: datetime) -> Iterator[Entry]:
    rows = EvidenceDownload.objects.filter(workspace=workspace, phone=phone, at__lte=until).select_related(
        "downloaded_by"
    )
    for d in rows.order_by("at", "id").iterator(chunk_size=CHUNK):
        yield Entry(
            at=d.at,
            kind="evidence_download",
            summary="Evidence pack downloaded",
            who=_who(d.downloaded_by),
            reference=f"download {d.pk}",
            order=9,
        )


register_source(_consents)
register_source(_events)
register_source(_downloads)


def timeline(workspace: Workspace, phone: str, until: datetime | None = None) -> Iterator[Entry]:
    """Every entry of every source up to ``until`` (now), oldest first, merged as the sources are read."""
    until = until or timezone.now()
    streams = [iter(source(workspace, phone, until)) for source in _sources]
    return heapq.merge(*streams, key=lambda entry: (entry.at, entry.order))


def _cell(value: str) -> str:
    # A spreadsheet would run "=HYPERLINK(…)" from a recipient's text as a formula.
    return "'" + value if value and value[0] in _FORMULA_START else value


class _Sink(io.RawIOBase):
    """What ZipFile writes to: collects bytes until the response takes them. Not seekable, so ZipFile streams."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def file_name(phone: str) -> str:
    return f"evidence-{phone.lstrip('+')}-{timezone.now():%Y%m%d-%H%M%S}.zip"


def _csv_line(writer, line: io.StringIO, cells: list[str]) -> bytes:
    writer.writerow(cells)
    data = line.getvalue().encode()
    line.seek(0)
    line.truncate()
    return data


def _csv_cells(item: Entry) -> list[str]:
    return [
        _iso(item.at),
        item.kind,
        item.summary,
        item.method,
        _cell(item.who),
        _cell(item.text),
        item.status,
        item.reference,
        json.dumps(item.details, ensure_ascii=False, sort_keys=True) if item.details else "",
    ]


def stream_pack(workspace: Workspace, phone: str) -> Iterator[bytes]:
    """The ZIP, in pieces, from one read of the timeline.

    The CSV goes into the ZIP as the rows are read; the JSON is spooled to a
    temporary file meanwhile and copied in after, so memory holds one batch
    of rows and one block of the spool, never the timeline.
    """
    sink = _Sink()
    counts: Counter[str] = Counter()
    generated_at = timezone.now()
    head = {"workspace": workspace.name, "phone": phone, "generated_at": _iso(generated_at)}
    with (
        tempfile.TemporaryFile() as spool,
        zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        spool.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "timeline": [\n')
        with archive.open("evidence.csv", mode="w", force_zip64=True) as entry:
            line = io.StringIO()
            writer = csv.writer(line)
            pending = ["\ufeff".encode() + _csv_line(writer, line, CSV_HEADER)]  # the BOM: spreadsheets read UTF-8
            for n, item in enumerate(timeline(workspace, phone, generated_at)):
                counts[item.kind] += 1
                pending.append(_csv_line(writer, line, _csv_cells(item)))
                spool.write((b",\n" if n else b"") + json.dumps(item.as_json(), ensure_ascii=False).encode())
                if len(pending) >= BATCH:
                    entry.write(b"".join(pending))
                    pending.clear()
                    yield sink.take()
            entry.write(b"".join(pending))
        yield sink.take()
        spool.write(b"\n]}\n")
        spool.seek(0)
        with archive.open("evidence.json", mode="w", force_zip64=True) as entry:
            while block := spool.read(BLOCK):
                entry.write(block)
                yield sink.take()
        manifest = {
            "workspace": {"name": workspace.name, "slug": workspace.slug},
            "phone": phone,
            "generated_at": _iso(generated_at),
            "times": "UTC, ISO 8601",
            "files": {
                "evidence.csv": "the timeline, one row per entry, oldest first",
                "evidence.json": "the same timeline as JSON",
            },
            "counts": dict(sorted(counts.items())),
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    yield sink.take()
