"""Signed STOPs sent while PostgreSQL is down are all applied, once, when it is back (issue 12, item 1).

Real parts only: a private PostgreSQL cluster and a private redis-server on spare
ports, the app under gunicorn, Twilio-signed HTTP posts. The cluster is stopped
with ``pg_ctl -m immediate`` (a crash) and started again; the shared services on
5432/6379 are never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest
import redis
from twilio.request_validator import RequestValidator

from messaging import inbound_spool
from tests.support.outage import PrivatePostgres, PrivateRedis, spare_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SITE_URL = "https://emu.example.com"
SETTINGS_TOKEN = "outage-settings-token"
WORKSPACE_TOKEN = "outage-workspace-own-token"
ACME_LINE = "+14155550100"
OWN_TOKEN_LINE = "+14155550200"
SETUP = f"""
from workspaces.models import Workspace
from messaging.models import SenderNumber
acme = Workspace.objects.create(name="Acme Bakery", slug="acme", default_region="US")
SenderNumber.objects.create(workspace=acme, phone="{ACME_LINE}", label="Main")
own = Workspace.objects.create(name="Own Token Ltd", slug="own", default_region="US",
                               twilio_auth_token="{WORKSPACE_TOKEN}")
SenderNumber.objects.create(workspace=own, phone="{OWN_TOKEN_LINE}", label="Own")
"""


class Stack:
    """gunicorn serving the app against the private PostgreSQL and Redis."""

    def __init__(self, tmp: Path):
        self.postgres, self.redis = PrivatePostgres(), PrivateRedis()
        self.spool_dir = tmp / "spool"
        self.port = spare_port()
        self.server: subprocess.Popen | None = None
        self.log = tmp / "gunicorn.log"

    @property
    def env(self) -> dict[str, str]:
        drop = {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        return {k: v for k, v in os.environ.items() if k not in drop} | {
            "DATABASE_URL": self.postgres.url,
            "INBOUND_SPOOL_REDIS_URL": self.redis.url,
            "INBOUND_SPOOL_DIR": str(self.spool_dir),
            "SITE_URL": SITE_URL,
            "TWILIO_AUTH_TOKEN": SETTINGS_TOKEN,
            "SMS_BACKEND": "messaging.backends.locmem.SmsBackend",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "emuchat.settings",
        }

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> None:
        self.postgres.start()
        self.redis.start()
        self.manage("migrate", "--noinput")
        self.manage("shell", "-c", SETUP)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "emuchat.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "2"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=10)
                return
            except OSError:  # Not listening yet, or still booting.
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")

    def close(self) -> None:
        try:
            if self.server and self.server.poll() is None:
                self.server.terminate()
                self.server.wait(15)
        finally:
            self.redis.close()
            self.postgres.close()

    def post_stop(self, *, from_: str, sid: str, to: str = ACME_LINE, token: str = SETTINGS_TOKEN) -> int:
        params = {"From": from_, "To": to, "Body": "STOP", "MessageSid": sid, "AccountSid": "AC1", "NumMedia": "0"}
        return self.post_signed("/webhooks/twilio/sms/", params, token=token)

    def post_receipt(self, *, sid: str, status: str, message_id: int, error_code: str = "") -> int:
        path = f"/webhooks/twilio/status/?message={message_id}"
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC1", "To": "+14155559999"}
        params |= {"ErrorCode": error_code} if error_code else {}
        return self.post_signed(path, params, token=SETTINGS_TOKEN)

    def post_signed(self, path: str, params: dict[str, str], *, token: str) -> int:
        """POST a webhook signed as Twilio signs it; the HTTP status, whatever it is."""
        signature = RequestValidator(token).compute_signature(SITE_URL + path, params)
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def sql(self, query: str, *args) -> list[tuple]:
        with psycopg.connect(self.postgres.url, connect_timeout=5) as connection:
            return connection.execute(query, args).fetchall()

    def opted_out(self, numbers: list[str]) -> list[str]:
        rows = self.sql("SELECT phone FROM optouts_optout WHERE phone = ANY(%s) ORDER BY phone", numbers)
        return [phone for (phone,) in rows]

    def redis_waiting(self) -> int:
        return redis.Redis.from_url(self.redis.url).llen(inbound_spool.REDIS_KEY)

    def file_waiting(self) -> int:
        """Lines in the spool file and in any batch a drain has taken out of it."""
        files = self.spool_dir.glob(f"{inbound_spool.FILE_NAME}*")
        return sum(len(f.read_text().splitlines()) for f in files if not f.name.endswith(".lock"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("outage"))
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


def test_eleven_signed_stops_during_a_database_crash_are_all_answered_200_and_applied_exactly_once(stack):
    numbers = [f"+1415555{1000 + i}" for i in range(11)]
    stack.postgres.stop("immediate")
    statuses = [stack.post_stop(from_=n, sid=f"SM-crash-{i}") for i, n in enumerate(numbers)]
    statuses.append(stack.post_stop(from_=numbers[0], sid="SM-crash-0"))  # Twilio's own retry of one
    assert statuses == [200] * 12
    assert stack.redis_waiting() == 12

    stack.postgres.start()
    drained = stack.manage("drain_inbound_spool")
    assert "Applied 12" in drained.stdout
    assert stack.opted_out(numbers) == sorted(numbers)
    sids = stack.sql("SELECT provider_sid FROM messaging_message WHERE provider_sid LIKE 'SM-crash-%%'")
    assert len(sids) == 11
    events = stack.sql("SELECT count(*) FROM optouts_optoutevent WHERE phone = ANY(%s)", numbers)
    assert events == [(11,)]
    assert stack.redis_waiting() == 0

    again = stack.manage("drain_inbound_spool")
    assert "Applied 0" in again.stdout
    assert stack.sql("SELECT count(*) FROM optouts_optoutevent WHERE phone = ANY(%s)", numbers) == [(11,)]


def test_with_redis_down_too_stops_go_to_the_file_and_the_next_request_applies_them(stack):
    numbers = [f"+1415555{2000 + i}" for i in range(3)]
    stack.redis.stop()
    stack.postgres.stop("immediate")
    assert [stack.post_stop(from_=n, sid=f"SM-file-{i}") for i, n in enumerate(numbers)] == [200] * 3
    assert stack.file_waiting() == 3
    assert "INBOUND SPOOLED to file" in stack.log.read_text()

    stack.postgres.start()
    stack.redis.start()
    # No command, no beat: the next webhook that reaches a working database drains the file first.
    assert stack.post_stop(from_="+14155552999", sid="SM-file-after") == 200
    assert stack.opted_out([*numbers, "+14155552999"]) == sorted([*numbers, "+14155552999"])
    assert stack.file_waiting() == 0


def test_a_stop_signed_with_a_workspace_token_is_verified_on_replay_and_a_forged_one_is_dropped(stack):
    stack.postgres.stop("immediate")
    genuine = stack.post_stop(from_="+14155553001", sid="SM-own-1", to=OWN_TOKEN_LINE, token=WORKSPACE_TOKEN)
    forged = stack.post_stop(from_="+14155553002", sid="SM-own-2", to=OWN_TOKEN_LINE, token="a-guessed-token")
    assert (genuine, forged) == (200, 200)  # Neither can be checked without the database: both kept.
    waiting = redis.Redis.from_url(stack.redis.url).lrange(inbound_spool.REDIS_KEY, 0, -1)
    assert [json.loads(raw)["verified"] for raw in waiting] == [False, False]

    stack.postgres.start()
    drained = stack.manage("drain_inbound_spool")
    assert "Applied 1, rejected 1" in drained.stdout
    assert stack.opted_out(["+14155553001", "+14155553002"]) == ["+14155553001"]
    assert stack.sql("SELECT count(*) FROM messaging_message WHERE provider_sid = 'SM-own-2'") == [(0,)]


SENT_TEXTS = f"""
from conversations.models import Conversation
from messaging.models import Message, SenderNumber
sender = SenderNumber.objects.get(phone="{ACME_LINE}")
for n, sid in ((1, "SM-out-delivered"), (2, "SM-out-unsubscribed")):
    phone = f"+1415555400{{n}}"
    conversation = Conversation.objects.create(workspace=sender.workspace, phone=phone, sender=sender)
    m = Message.objects.create(workspace=sender.workspace, conversation=conversation, direction="outbound",
                               from_phone=sender.phone, to_phone=phone, body="Your order is ready",
                               status="sent", provider_sid=sid)
    print(sid, m.id)
"""


def test_delivery_receipts_during_a_database_crash_are_answered_204_kept_and_applied_exactly_once(stack):
    """#12 leftover: a receipt used to answer 500 and be lost while PostgreSQL was down."""
    printed = stack.manage("shell", "-c", SENT_TEXTS).stdout.splitlines()
    ids = dict(line.split() for line in printed if line.startswith("SM-out-"))
    delivered, unsubscribed = int(ids["SM-out-delivered"]), int(ids["SM-out-unsubscribed"])
    stack.postgres.stop("immediate")
    refused = {"sid": "SM-out-unsubscribed", "status": "undelivered", "message_id": unsubscribed, "error_code": "21610"}
    statuses = [
        stack.post_receipt(sid="SM-out-delivered", status="delivered", message_id=delivered),
        stack.post_receipt(**refused),
        stack.post_receipt(**refused),  # Twilio retries a callback it saw time out: the same receipt again.
    ]
    assert statuses == [204] * 3
    kept = [json.loads(raw) for raw in redis.Redis.from_url(stack.redis.url).lrange(inbound_spool.REDIS_KEY, 0, -1)]
    assert [(k["kind"], k["verified"], k["context"]) for k in kept] == [
        ("receipt", True, {"message_id": delivered}),
        ("receipt", True, {"message_id": unsubscribed}),
        ("receipt", True, {"message_id": unsubscribed}),
    ]

    stack.postgres.start()
    drained = stack.manage("drain_inbound_spool")
    assert "Applied 3" in drained.stdout
    rows = stack.sql(
        "SELECT provider_sid, status, failure_reason FROM messaging_message WHERE id = ANY(%s) ORDER BY id",
        [delivered, unsubscribed],
    )
    assert rows == [("SM-out-delivered", "delivered", ""), ("SM-out-unsubscribed", "failed", "opted_out")]
    # The provider's STOP became one opt-out with one event, although its receipt came twice.
    assert stack.opted_out(["+14155554002"]) == ["+14155554002"]
    assert stack.sql("SELECT count(*) FROM optouts_optoutevent WHERE phone = '+14155554002'") == [(1,)]
    assert stack.redis_waiting() == 0
