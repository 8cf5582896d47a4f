"""Web paths under gunicorn against their ceiling views, in the same run (issue #15).

gunicorn serves the app (2 sync workers, DEBUG off, PostgreSQL ``emu_bench_web``)
with ``bench.web_settings``, which adds two ceiling views (bench/web_urls.py).
A closed loop of ``BENCH_WEB_CLIENTS`` (4) clients sends ``BENCH_WEB_REQUESTS``
requests to each path; paths and ceilings take turns for ``BENCH_WEB_ROUNDS``
rounds so they share the machine's noise. Every request is signed (or carries
the token) beforehand, so the clients only send.

Paths: a signed STOP from a new number, an ordinary inbound text in an existing
conversation, ``POST /api/v1/messages``. Statements per request are counted
in-process with Django's test client on the same database: every statement
Django sends, BEGIN and COMMIT included. (Persistent connections also send one
``SELECT 1`` health check per request, for every view alike; it is not counted.)
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench import common

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_WEB_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emu_bench_web")
SITE_URL = "http://bench.example.com"
TOKEN = "bench-web-settings-token"
LINE = "+14155550100"
CLIENTS = int(os.environ.get("BENCH_WEB_CLIENTS", 4))
REQUESTS = int(os.environ.get("BENCH_WEB_REQUESTS", 200))
ROUNDS = int(os.environ.get("BENCH_WEB_ROUNDS", 3))
PORT = int(os.environ.get("BENCH_WEB_PORT", 8915))
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_SETTINGS_MODULE": "bench.web_settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-web-only-" + "k7Qz9pX2mV4wR8tY1uN6bC3dF5gH0jL-aSeZrTxWq",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SITE_URL": SITE_URL,
    "TWILIO_AUTH_TOKEN": TOKEN,
    "SMS_BACKEND": "messaging.backends.locmem.SmsBackend",
    "API_RATE_LIMIT": "1000000/s",
    # Texts are queued as in production; nobody delivers them during the run.
    "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "memory://localhost/"),
}
# (name, ceiling it is compared with, target ratio of time per request)
PATHS = [
    ("stop_webhook", "ceiling_webhook", 2.0),
    ("inbound_text", "ceiling_webhook", 2.0),
    ("api_send", "ceiling_api", 2.0),
]
CONVERSATIONS = 100
LOG = Path(tempfile.gettempdir()) / "emuchat-bench-web-gunicorn.log"


def _setup() -> str:
    """Migrate, make the workspace, its number and an API token; returns the raw token."""
    os.environ.update(ENV)
    from bench import setup_db

    setup_db.ready()
    from api.services import create_token
    from conversations.models import Conversation
    from messaging.models import Message, SenderNumber, UnroutedMessage
    from optouts.models import OptOut, OptOutEvent
    from workspaces.models import Workspace

    defaults = {"name": "Bench Web", "default_region": "US"}
    workspace, _ = Workspace.objects.get_or_create(slug="bench-web", defaults=defaults)
    # A fresh run each time: what earlier runs wrote would only slow this one down unevenly.
    for model in (OptOutEvent, OptOut, Message, UnroutedMessage):
        model.objects.all().delete()
    Conversation.objects.filter(workspace=workspace).delete()
    sender, _ = SenderNumber.objects.get_or_create(workspace=workspace, phone=LINE, defaults={"label": "Main"})
    Conversation.objects.bulk_create(
        [Conversation(workspace=workspace, phone=_regular(i), sender=sender) for i in range(CONVERSATIONS)]
    )
    workspace.api_tokens.all().delete()
    return create_token(workspace=workspace, name="bench")[1]


def _regular(i: int) -> str:
    return f"+1415666{i % CONVERSATIONS:04d}"


def _signed(path: str, params: dict[str, str]) -> tuple[str, bytes, dict[str, str]]:
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TOKEN).compute_signature(SITE_URL + path, params)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    return path, urllib.parse.urlencode(params).encode(), headers


def _requests(name: str, count: int, *, offset: int, api_token: str) -> list[tuple[str, bytes, dict[str, str]]]:
    """``count`` ready-to-send requests for one path; numbers and ids never repeat across the run."""
    made = []
    for i in range(offset, offset + count):
        base = {"To": LINE, "AccountSid": "AC1", "NumMedia": "0", "MessageSid": f"SM{name}{i:08d}"}
        if name == "stop_webhook":
            made.append(_signed("/webhooks/twilio/sms/", base | {"From": f"+1415{7_000_000 + i:07d}", "Body": "STOP"}))
        elif name == "inbound_text":
            made.append(_signed("/webhooks/twilio/sms/", base | {"From": _regular(i), "Body": "See you at 5"}))
        elif name == "ceiling_webhook":
            made.append(_signed("/ceiling/webhook/", base | {"From": _regular(i), "Body": "See you at 5"}))
        else:
            path = "/api/v1/messages" if name == "api_send" else "/ceiling/api/"
            body = json.dumps({"to": _regular(i), "body": "Your order is ready"}).encode()
            headers = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}
            made.append((path, body, headers))
    return made


def _load(requests: list[tuple[str, bytes, dict[str, str]]]) -> tuple[float, list[float], list[int]]:
    """Closed loop: CLIENTS threads, each sends its next request when the last one answered."""
    queue = iter(requests)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: list[int] = []

    def client() -> None:
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            path, body, headers = item
            start = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            with lock:
                latencies.append(time.perf_counter() - start)
                statuses.append(response.status)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, statuses


def _statements(name: str, api_token: str, count: int = 20) -> float:
    """Statements per request, in-process: everything Django sends, BEGIN and COMMIT included."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as captured:
        for path, body, headers in _requests(name, count, offset=90_000, api_token=api_token):
            extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"}
            response = client.post(path, body, content_type=headers["Content-Type"], **extra)
            assert response.status_code < 300, (name, response.status_code, response.content[:300])
    return len(captured.captured_queries) / count


def _serve() -> subprocess.Popen:
    log = open(LOG, "w")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "emuchat.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", "2"],
        cwd=ROOT,
        env=os.environ | ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            connection.request("GET", "/ceiling/api/")  # 405 at once: the workers are up
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"gunicorn did not start; see {LOG}")


def main() -> None:
    api_token = _setup()
    names = ["ceiling_webhook", "stop_webhook", "inbound_text", "ceiling_api", "api_send"]
    statements = {name: _statements(name, api_token) for name in names}
    load_before = os.getloadavg()
    server = _serve()
    runs: dict[str, list[tuple[float, list[float]]]] = {name: [] for name in names}
    try:
        for round_ in range(ROUNDS):
            for index, name in enumerate(names):
                offset = (round_ * len(names) + index) * REQUESTS
                requests = _requests(name, REQUESTS, offset=offset, api_token=api_token)
                _load(requests[: CLIENTS * 2])  # warm the workers' connections and caches
                elapsed, latencies, statuses = _load(requests[CLIENTS * 2 :])
                bad = [s for s in statuses if s >= 300]
                if bad:
                    raise RuntimeError(f"{name}: {len(bad)} answers were not 2xx (first {bad[0]})")
                runs[name].append((len(latencies) / elapsed, latencies))
                print(f"   {name:16} round {round_ + 1}: {len(latencies) / elapsed:7.1f} req/s", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    load_after = os.getloadavg()

    def figures(name: str) -> dict:
        rates = [rate for rate, _ in runs[name]]
        pooled = [latency for _, latencies in runs[name] for latency in latencies]
        return {
            "req_per_s": round(common.median(rates), 1),
            "req_per_s_rounds": [round(r, 1) for r in rates],
            "p50_ms": round(common.percentile(pooled, 50) * 1000, 2),
            "p99_ms": round(common.percentile(pooled, 99) * 1000, 2),
            "statements_per_request": round(statements[name], 2),
        }

    results = []
    for name, ceiling, target in PATHS:
        mine, best = figures(name), figures(ceiling)
        results.append(
            common.result(
                name,
                1000 / mine["req_per_s"],
                "ms/request",
                baseline_name=f"{ceiling} ({best['req_per_s']} req/s, {best['statements_per_request']} statements)",
                baseline=1000 / best["req_per_s"],
                target_ratio=target,
                **mine,
                ceiling=best,
            )
        )
    path = common.write(
        "web",
        f"gunicorn 2 sync workers, DEBUG off; closed loop of {CLIENTS} clients; {REQUESTS - CLIENTS * 2} timed "
        f"requests per path per round, {ROUNDS} rounds, paths and ceilings in turn; ratio = time per request "
        "(1 / median req/s) of the path over its ceiling's",
        results,
        database=common.postgres_version(),
        load_average={"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
    )
    print(f"wrote {path}")
    for entry in results:
        print(f"   {entry['name']}: {entry['ratio']}x ceiling, {entry['statements_per_request']} statements/request")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
