"""The evidence pack streams in flat memory (issue 16 item 5).

Workload: one number with BENCH_ROWS texts (default 10,000, half in, half out),
200 opt-out events and 20 consent records, and a small number with a quarter of
that, in one workspace on PostgreSQL. For each, the pack is streamed through
``optouts.evidence.stream_pack`` and its chunks are thrown away, as a
download does. Measured: the Python heap's peak while streaming
(``tracemalloc``), the process's peak RSS, and the time. Beside them, in the
same run: the peak of the obvious non-streaming way (the whole timeline in a
list, then the ZIP in a BytesIO), and the time of bare SELECTs of the same rows.
Flat memory means the big/small peak ratio stays near 1 while the rows grow
fourfold; the non-streaming peak grows with the rows. Times are measured in
separate runs without tracemalloc, which slows allocation several times.
"""

from __future__ import annotations

import io
import os
import random
import time
import tracemalloc
import zipfile
from datetime import timedelta

from bench import common

BIG, SMALL = "+14155550100", "+14155550200"
REPEAT = 3
# The small number has a quarter of the texts: still several fetches of CHUNK rows, so the
# comparison shows growth with the rows rather than the first fetch filling up.
SMALL_SHARE = 4


def ensure_data(texts: int):
    from django.utils import timezone

    from conversations.models import Conversation
    from messaging.models import Message, SenderNumber
    from optouts.models import Consent, OptOutEvent
    from workspaces.models import Workspace

    workspace, _ = Workspace.objects.get_or_create(slug="evidence-bench", defaults={"name": "Evidence bench"})
    sender, _ = SenderNumber.objects.get_or_create(workspace=workspace, phone="+14155559999")
    wanted = {BIG: texts, SMALL: max(1, texts // SMALL_SHARE)}
    if all(Message.objects.filter(workspace=workspace, to_phone=p).count() * 2 == n for p, n in wanted.items()):
        return workspace
    Message.objects.filter(workspace=workspace).delete()
    OptOutEvent.objects.filter(workspace=workspace).delete()
    Conversation.objects.filter(workspace=workspace).delete()
    # Consent rows are append-only; a fresh workspace is the only way to start over.
    if Consent.objects.filter(workspace=workspace).exists():
        workspace.delete()
        workspace = Workspace.objects.create(slug="evidence-bench", name="Evidence bench")
        sender = SenderNumber.objects.create(workspace=workspace, phone="+14155559999")
    rng = random.Random(16)
    start = timezone.now() - timedelta(days=400)
    for phone, count in wanted.items():
        print(f"  generating {count:,} texts for {phone}…", flush=True)
        conversation = Conversation.objects.create(workspace=workspace, phone=phone, sender=sender)
        rows = []
        for i in range(count):
            inbound = i % 2 == 1
            rows.append(
                Message(
                    workspace=workspace,
                    conversation=conversation,
                    direction="inbound" if inbound else "outbound",
                    from_phone=phone if inbound else sender.phone,
                    to_phone=sender.phone if inbound else phone,
                    body=("Thanks! " if inbound else "Fresh sourdough today, 20% off with code ")
                    + "".join(rng.choice("abcdefghij ") for _ in range(rng.randrange(20, 120))),
                    status="received" if inbound else "delivered",
                )
            )
        created = Message.objects.bulk_create(rows, batch_size=2000)
        # Spread the texts over the past 400 days, in order (created_at is auto_now_add).
        step = timedelta(days=400) / count
        for i, message in enumerate(created):
            message.created_at = start + step * i
        Message.objects.bulk_update(created, ["created_at"], batch_size=2000)
        events = max(1, count // 50)
        OptOutEvent.objects.bulk_create(
            [
                OptOutEvent(
                    workspace=workspace,
                    phone=phone,
                    action="opted_out" if i % 2 == 0 else "opted_in",
                    method="reply",
                    details={"message": "STOP" if i % 2 == 0 else "SUBSCRIBE"},
                )
                for i in range(events)
            ]
        )
        Consent.objects.bulk_create(
            [
                Consent(workspace=workspace, phone=phone, method="api", text="Yes to offers", source={"token_id": 1})
                for _ in range(max(1, count // 500))
            ]
        )
    return workspace


def _stream(workspace, phone: str) -> int:
    from optouts.evidence import stream_pack

    return sum(len(chunk) for chunk in stream_pack(workspace, phone))


def _whole(workspace, phone: str) -> int:
    """The non-streaming way: every entry in a list, then the ZIP built in memory."""
    import csv
    import json

    from optouts.evidence import timeline

    entries = list(timeline(workspace, phone))
    text = io.StringIO()
    writer = csv.writer(text)
    for e in entries:
        writer.writerow([e.at.isoformat(), e.kind, e.summary, e.text, json.dumps(e.details)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("evidence.csv", text.getvalue())
        archive.writestr("evidence.json", json.dumps([e.as_json() for e in entries]))
    return len(buffer.getvalue())


def _bare(workspace, phone: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        n = 0
        for sql in (
            "SELECT m.* FROM messaging_message m JOIN conversations_conversation c ON c.id = m.conversation_id"
            " WHERE m.workspace_id = %s AND c.phone = %s ORDER BY m.created_at, m.id",
            "SELECT * FROM optouts_optoutevent WHERE workspace_id = %s AND phone = %s ORDER BY at, id",
            "SELECT * FROM optouts_consent WHERE workspace_id = %s AND phone = %s ORDER BY created_at, id",
        ):
            cursor.execute(sql, [workspace.id, phone])
            n += len(cursor.fetchall())
    return n


def _peak(fn) -> tuple[float, float, int]:
    """(peak Python heap MiB, seconds, result) of one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024, seconds, value


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emu_bench_evidence")
    from bench.setup_db import ready

    ready()
    texts = common.rows_from_env(10_000)
    workspace = ensure_data(texts)
    load_before = os.getloadavg()
    _stream(workspace, SMALL)  # warm connection, caches, imports

    stream = {phone: [_peak(lambda p=phone: _stream(workspace, p)) for _ in range(REPEAT)] for phone in (SMALL, BIG)}
    whole = {phone: [_peak(lambda p=phone: _whole(workspace, p)) for _ in range(REPEAT)] for phone in (SMALL, BIG)}
    bare = common.timed(lambda: _bare(workspace, BIG), REPEAT)
    seconds = common.timed(lambda: _stream(workspace, BIG), REPEAT)

    def med(samples, index):
        return common.median([s[index] for s in samples])

    big_peak, small_peak = med(stream[BIG], 0), med(stream[SMALL], 0)
    whole_big, whole_small = med(whole[BIG], 0), med(whole[SMALL], 0)
    size = stream[BIG][0][2]
    results = [
        common.result(
            "stream_peak_heap_4x_rows",
            big_peak,
            "MiB",
            baseline_name=f"the same stream for {texts // SMALL_SHARE:,} texts (ratio near 1 = flat memory)",
            baseline=small_peak,
            texts=texts,
            zip_bytes=size,
        ),
        common.result(
            "stream_peak_heap_vs_whole_in_memory",
            big_peak,
            "MiB",
            baseline_name="whole timeline in a list, ZIP in a BytesIO",
            baseline=whole_big,
            whole_in_memory_small_mib=round(whole_small, 3),
        ),
        common.result(
            "stream_seconds",
            common.median(seconds),
            "s",
            baseline_name="bare SELECTs of the same rows (no CSV, JSON or ZIP)",
            baseline=common.median(bare),
        ),
    ]
    common.write(
        "evidence",
        f"one number with {texts:,} texts, {max(1, texts // 50)} opt-out events, {max(1, texts // 500)} consents;"
        f" another with a quarter of that; medians of {REPEAT}",
        results,
        database=common.postgres_version(),
        peak_rss_mb=common.peak_rss_mb(),
        loadavg_before=[round(x, 2) for x in load_before],
        loadavg_after=[round(x, 2) for x in os.getloadavg()],
    )
    for entry in results:
        print(
            f"  {entry['name']}: {entry['value']} {entry['unit']} (baseline {entry.get('baseline')}, "
            f"ratio {entry.get('ratio')})"
        )
