"""CPU per Twilio call of the HTTP clients delivery could use, measured side by side (issue 11, round 2).

Each client makes the same Messages POST to a local fake Twilio, many calls in
flight at once, in this process; the figure is this process's CPU per call
minus the fake's own thread. Clients: the twilio package's ``Client`` with its
synchronous ``TwilioHttpClient`` (one reused requests session per thread,
proxy lookups off: what delivery used), the same ``Client`` with its
``AsyncTwilioHttpClient`` (aiohttp, one event loop), and our backend
(``messaging.backends.twilio.SmsBackend``: urllib3, one pooled manager).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ACCOUNT = "AC" + "5" * 32
TOKEN = "bench-token"


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def thread_cpu(thread: threading.Thread) -> float:
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def _measured(fake, run, calls: int) -> dict:
    fake.calls.clear()
    cpu, fake_cpu, wall = _process_cpu(), thread_cpu(fake._thread), time.perf_counter()
    run()
    wall = time.perf_counter() - wall
    fake_cpu = thread_cpu(fake._thread) - fake_cpu
    cpu = _process_cpu() - cpu - fake_cpu
    assert len(fake.calls) == calls, (len(fake.calls), calls)
    return {
        "cpu_ms_per_call": round(cpu * 1000 / calls, 3),
        "calls_per_second": round(calls / wall, 1),
        "fake_twilio_cpu_ms_per_call": round(fake_cpu * 1000 / calls, 3),
    }


def _numbers(calls: int) -> list[str]:
    return [f"+1415{2_000_000 + n:07d}" for n in range(calls)]


def sdk_sync(fake, calls: int, concurrency: int) -> dict:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    local = threading.local()

    def client() -> Client:
        if not hasattr(local, "client"):
            http = TwilioHttpClient(timeout=5)
            http.session.trust_env = False  # as delivery had it: no proxy lookups per call
            local.client = Client(ACCOUNT, TOKEN, http_client=http)
            local.client.api.base_url = fake.url
        return local.client

    def one(to: str) -> str:
        return (
            client().messages.create(to=to, from_="+14155559001", body="Weekend sale", status_callback=_callback()).sid
        )

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, _numbers(concurrency)))  # warm: one connection per thread
        return _measured(fake, lambda: list(pool.map(one, _numbers(calls))), calls)


def sdk_async(fake, calls: int, concurrency: int) -> dict:
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    async def run_all(count: int) -> None:
        http = AsyncTwilioHttpClient(timeout=5)
        client = Client(ACCOUNT, TOKEN, http_client=http)
        client.api.base_url = fake.url
        gate = asyncio.Semaphore(concurrency)

        async def one(to: str) -> None:
            async with gate:
                await client.messages.create_async(
                    to=to, from_="+14155559001", body="Weekend sale", status_callback=_callback()
                )

        try:
            await asyncio.gather(*(one(n) for n in _numbers(count)))
        finally:
            await http.close()

    asyncio.run(run_all(concurrency))
    return _measured(fake, lambda: asyncio.run(run_all(calls)), calls)


def direct(fake, calls: int, concurrency: int) -> dict:
    from django.conf import settings

    from messaging.backends import OutgoingSms
    from messaging.backends.twilio import SmsBackend

    settings.TWILIO_API_BASE_URL = fake.url
    backend = SmsBackend()
    backend._credentials[0] = (ACCOUNT, TOKEN)

    def one(to: str) -> str:
        return backend.send(
            OutgoingSms(workspace_id=0, from_phone="+14155559001", to=to, body="Weekend sale", message_id=1)
        )

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, _numbers(concurrency)))
        return _measured(fake, lambda: list(pool.map(one, _numbers(calls))), calls)


def _callback() -> str:
    return "https://emu.example.com/webhooks/twilio/status/?message=1"


def measure(*, calls: int = 3000, concurrency: int = 100, latency: float = 0.05, repeat: int = 3) -> dict:
    """Median of ``repeat`` runs of each client, interleaved so load changes hit all of them alike."""
    from tests.support.fake_twilio import FakeTwilio

    # As in a worker started with LOG_LEVEL=WARNING: the twilio package logs every request at INFO.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    clients = {"twilio_client_sync": sdk_sync, "twilio_client_async": sdk_async, "urllib3_direct": direct}
    samples: dict[str, list[dict]] = {name: [] for name in clients}
    with FakeTwilio(latency=latency, auth_token=TOKEN) as fake:
        for _ in range(repeat):
            for name, fn in clients.items():
                samples[name].append(fn(fake, calls, concurrency))
    result = {}
    for name, runs in samples.items():
        cpu = sorted(r["cpu_ms_per_call"] for r in runs)[len(runs) // 2]
        rate = sorted(r["calls_per_second"] for r in runs)[len(runs) // 2]
        result[name] = {"cpu_ms_per_call": cpu, "calls_per_second": rate, "runs": runs}
    return result


if __name__ == "__main__":
    import json
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emuchat.settings")
    import django

    django.setup()
    print(json.dumps(measure(calls=int(os.environ.get("BENCH_CALLS", 3000))), indent=1))
    print("load", os.getloadavg())


class _InstantBackend:
    """Answers every call at once: what is left is delivery's own work (database, locks, rate, pool)."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, sms) -> str:
        self.sent += 1
        return f"SM{sms.message_id:032d}"


def _pg_backend_cpu(pid: int) -> float:
    import os
    from pathlib import Path

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def round_cost(*, workspace, sender, numbers: list[str], batch: int) -> dict:
    """CPU per text of delivery without HTTP, in this process and in its PostgreSQL backend."""
    from unittest import mock

    from django.db import connection

    from messaging import delivery, services

    with mock.patch.object(delivery, "enqueue"):  # created queued, handed to no worker
        messages = services.send_bulk(workspace=workspace, recipients=numbers, body="Round cost", sender=sender)
    ids = [m.pk for m in messages if m.status == "queued"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pg_pid = cursor.fetchone()[0]
    backend = _InstantBackend()
    app_cpu, db_cpu, wall = _process_cpu(), _pg_backend_cpu(pg_pid), time.perf_counter()
    with (
        mock.patch.object(delivery, "get_backend", return_value=backend),
        mock.patch.object(delivery, "_runs_in_process", return_value=True),
    ):
        for start in range(0, len(ids), batch):
            delivery.deliver_many(ids[start : start + batch])
    wall = time.perf_counter() - wall
    app_cpu, db_cpu = _process_cpu() - app_cpu, _pg_backend_cpu(pg_pid) - db_cpu
    assert backend.sent == len(ids), (backend.sent, len(ids))
    return {
        "texts": len(ids),
        "batch": batch,
        "worker_cpu_ms_per_text": round(app_cpu * 1000 / len(ids), 3),
        "postgres_cpu_ms_per_text": round(db_cpu * 1000 / len(ids), 3),
        "texts_per_second_one_process": round(len(ids) / wall, 1),
    }
