"""The guard's lock order, step by step, on two PostgreSQL connections.

Each test holds one side at a known point with an Event, proves the other side
is *waiting for the number's advisory lock* by reading ``pg_locks``, then lets
the first side go. No sleeps decide anything: every wait is for a condition,
with a timeout that turns a hang into a failure. Remove the writer lock, the
delivery lock or the delivery transaction and the waits never show: the
tests fail every run (``tests/mutants/lock_mutants.py`` checks exactly that).
``test_guard_concurrency.py`` stays as the random soak.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings

from conversations.models import Conversation
from messaging import tasks
from messaging.backends import BaseSmsBackend, OutgoingSms
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import OptOut
from tests.support import services as real_services
from tests.support.waits import wait_for, waiting_for_a_lock

pytestmark = pytest.mark.integration

NUMBER = "+14155550142"
TIMEOUT = 15.0


class Provider:
    """What the test backend saw, in order, shared with the test thread."""

    calls: list[OutgoingSms] = []
    timeline: list[str] = []
    block: threading.Event | None = None
    in_flight = threading.Event()


class BlockingBackend(BaseSmsBackend):
    """Records each call; while ``Provider.block`` is set to an Event, the call waits for it."""

    def send(self, sms: OutgoingSms) -> str:
        Provider.calls.append(sms)
        Provider.timeline.append("provider call started")
        Provider.in_flight.set()
        if Provider.block is not None and not Provider.block.wait(TIMEOUT):
            raise AssertionError("the test never released the provider call")
        Provider.timeline.append("provider call returned")
        return f"SM{sms.message_id:032d}"


BACKEND = f"{__name__}.BlockingBackend"


@pytest.fixture
def provider():
    Provider.calls, Provider.timeline, Provider.block = [], [], None
    Provider.in_flight = threading.Event()
    yield Provider
    if Provider.block is not None:
        Provider.block.set()


def queue_text(workspace, member) -> Message:
    """A committed, queued text to NUMBER, as send_message leaves it for a worker."""
    sender = workspace.sender_numbers.get()
    conversation, _ = Conversation.objects.get_or_create(workspace=workspace, phone=NUMBER, sender=sender)
    return Message.objects.create(
        workspace=workspace,
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        from_phone=sender.phone,
        to_phone=NUMBER,
        body="Your order is ready",
        status=Message.Status.QUEUED,
        created_by=member,
    )


@pytest.fixture
def queued(transactional_db, workspace, member):
    real_services.require_postgres()
    return queue_text(workspace, member)


class Side(threading.Thread):
    """One connection's work in its own thread; its backend pid and any error come back."""

    def __init__(self, name: str, work: Callable[[], None]):
        super().__init__(name=name, daemon=True)
        self.work = work
        self.pid: int | None = None
        self.connected = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.connected.set()
            self.work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            self.error = exc
        finally:
            self.connected.set()
            connections.close_all()


def finish(*sides: Side) -> None:
    """Join every side that started, then raise the first error any of them hit."""
    for side in sides:
        if side.ident is not None:
            side.join(TIMEOUT)
    for side in sides:
        assert not side.is_alive(), f"{side.name} still running after {TIMEOUT}s"
        if side.error is not None:
            raise side.error


def waiting_for_advisory_lock(side: Side) -> bool:
    assert side.connected.wait(TIMEOUT) and side.pid is not None
    return waiting_for_a_lock(side.pid, locktype="advisory")


def test_delivery_waits_for_an_uncommitted_opt_out_then_fails_opted_out(provider, transactional_db, workspace, member):
    real_services.require_postgres()
    holding, commit = threading.Event(), threading.Event()
    queued: Message | None = None

    def opt_out_and_hold() -> None:
        with transaction.atomic():
            optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
            holding.set()
            assert commit.wait(TIMEOUT), "the test never let the opt-out commit"

    writer = Side("opt-out", opt_out_and_hold)
    sender = Side("delivery", lambda: tasks.deliver_message(queued.pk))
    with override_settings(SMS_BACKEND=BACKEND):
        writer.start()
        try:
            assert holding.wait(TIMEOUT), "the opt-out never got its lock"
            # Created while the opt-out is uncommitted: after its cancellation of waiting texts ran
            # and before the list shows the number, so only the worker's locked re-check can stop it.
            queued = queue_text(workspace, member)
            sender.start()
            wait_for(lambda: waiting_for_advisory_lock(sender), "the delivery waits for the number's lock")
            assert provider.calls == []
        finally:
            commit.set()
            finish(writer, sender)

    queued.refresh_from_db()
    assert (queued.status, queued.failure_reason) == ("failed", "opted_out")
    assert provider.calls == []
    assert OptOut.objects.filter(workspace=workspace, phone=NUMBER).exists()


def test_opt_out_waits_for_a_provider_call_in_flight_then_commits_after_it(provider, queued, workspace, member):
    provider.block = threading.Event()

    def opt_out() -> None:
        optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member)
        provider.timeline.append("opt-out committed")

    sender = Side("delivery", lambda: tasks.deliver_message(queued.pk))
    writer = Side("opt-out", opt_out)
    with override_settings(SMS_BACKEND=BACKEND):
        sender.start()
        try:
            assert provider.in_flight.wait(TIMEOUT), "the provider was never called"
            writer.start()
            wait_for(lambda: waiting_for_advisory_lock(writer), "the opt-out waits for the call in flight")
            assert not OptOut.objects.filter(workspace=workspace, phone=NUMBER).exists()
        finally:
            provider.block.set()
            finish(sender, writer)

    assert provider.timeline == ["provider call started", "provider call returned", "opt-out committed"]
    queued.refresh_from_db()
    assert queued.status == "sent"
    assert [sms.to for sms in provider.calls] == [NUMBER]
    assert OptOut.objects.filter(workspace=workspace, phone=NUMBER).exists()
