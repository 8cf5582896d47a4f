"""A signed STOP that reached us is never lost (issue 12, item 1), in-process.

The database outage here is simulated by making the store raise the error a
dead PostgreSQL raises; tests/integration/test_database_outage.py stops a real
PostgreSQL cluster under a real server process.
"""

from __future__ import annotations

import json

import pytest
import redis
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from messaging import inbound_spool, services, tasks, webhooks
from messaging.models import Message
from optouts.models import OptOut, OptOutEvent
from tests.support.twilio import WEBHOOK_PATH, inbound, sign

NUMBER = "+14155550123"


@pytest.fixture
def database_down(monkeypatch):
    """Storing an inbound text fails as it does while PostgreSQL restarts."""

    def refused(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(services, "receive_message", refused)
    return monkeypatch


def _spool_file(settings) -> list[dict]:
    path = settings.INBOUND_SPOOL_DIR / inbound_spool.FILE_NAME
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_stop_received_while_the_database_is_down_is_answered_200_and_applied_once_it_is_back(
    client, workspace, settings, database_down
):
    response = inbound(client, body="STOP", sid="SM-outage-1")
    assert response.status_code == 200
    assert "<Response>" in response.content.decode()
    assert not OptOut.objects.exists()
    (kept,) = _spool_file(settings)
    assert kept["params"]["Body"] == "STOP" and kept["verified"] is True

    database_down.undo()
    result = webhooks.replay_spooled()
    assert result.applied == 1
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert optout.method == "reply"
    assert _spool_file(settings) == []
    assert webhooks.replay_spooled().applied == 0
    assert OptOutEvent.objects.filter(action="opted_out").count() == 1


def test_the_same_message_sid_spooled_twice_is_applied_once(client, workspace, database_down):
    for _ in range(3):
        assert inbound(client, body="STOP", sid="SM-twice").status_code == 200
    database_down.undo()
    webhooks.replay_spooled()
    assert Message.objects.filter(provider_sid="SM-twice").count() == 1
    assert OptOutEvent.objects.count() == 1


def test_a_stop_already_stored_and_replayed_again_changes_nothing(client, workspace):
    inbound(client, body="STOP", sid="SM-done")
    inbound_spool.keep(inbound_spool.entry({"To": "+14155550100", "From": NUMBER, "Body": "STOP",
                                            "MessageSid": "SM-done"}, verified=True))  # fmt: skip
    assert webhooks.replay_spooled().applied == 1
    assert Message.objects.count() == 1
    assert OptOutEvent.objects.count() == 1


def test_a_text_arriving_after_the_outage_waits_for_the_ones_kept_before_it(client, workspace, database_down):
    inbound(client, body="STOP", sid="SM-first")
    database_down.undo()
    inbound(client, body="SUBSCRIBE", sid="SM-second")  # The database is back: this request drains first.
    assert not OptOut.objects.filter(phone=NUMBER).exists()  # STOP then SUBSCRIBE, in that order.
    actions = list(OptOutEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["opted_out", "opted_in"]


def test_the_spool_uses_redis_when_it_is_there(client, workspace, settings, redis_url, database_down):
    settings.INBOUND_SPOOL_REDIS_URL = redis_url
    connection = redis.Redis.from_url(redis_url)
    connection.delete(inbound_spool.REDIS_KEY)
    try:
        assert inbound(client, body="STOP", sid="SM-redis").status_code == 200
        assert connection.llen(inbound_spool.REDIS_KEY) == 1
        assert _spool_file(settings) == []
        database_down.undo()
        tasks.drain_inbound_spool.delay()
        assert connection.llen(inbound_spool.REDIS_KEY) == 0
        assert OptOut.objects.get(phone=NUMBER).method == "reply"
    finally:
        connection.delete(inbound_spool.REDIS_KEY, inbound_spool.DEAD_KEY)


def test_with_redis_down_too_the_stop_goes_to_the_local_file(client, workspace, settings, database_down):
    settings.INBOUND_SPOOL_REDIS_URL = "redis://127.0.0.1:1/0"  # Nothing listens there.
    assert inbound(client, body="STOP", sid="SM-file").status_code == 200
    assert [entry["params"]["MessageSid"] for entry in _spool_file(settings)] == ["SM-file"]
    database_down.undo()
    call_command("drain_inbound_spool")
    assert OptOut.objects.get(phone=NUMBER).method == "reply"


def test_when_nothing_can_keep_the_text_we_answer_503_not_200(client, workspace, settings, tmp_path, database_down):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.INBOUND_SPOOL_DIR = blocker / "spool"
    assert inbound(client, body="STOP", sid="SM-lost").status_code == 503


def test_a_bad_signature_is_still_403_and_nothing_is_kept(client, workspace, settings, database_down):
    response = inbound(client, body="STOP", signature="forged")
    assert response.status_code == 403
    assert _spool_file(settings) == []


def _workspace_token_params(workspace, sid: str) -> dict[str, str]:
    workspace.twilio_auth_token = "workspace-own-token"
    workspace.save(update_fields=["twilio_auth_token"])
    return {"From": NUMBER, "To": "+14155550100", "Body": "STOP", "MessageSid": sid}


def test_a_stop_signed_with_a_workspace_token_is_kept_unverified_and_verified_on_replay(
    client, workspace, settings, monkeypatch
):
    params = _workspace_token_params(workspace, "SM-ws")

    def down(to):
        raise OperationalError("the database is down")

    # The look-up of the number (and so of the workspace's own token) is what fails.
    monkeypatch.setattr(webhooks.services, "inbound_sender", down)
    signature = sign(params, token="workspace-own-token")
    assert client.post(WEBHOOK_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    (kept,) = _spool_file(settings)
    assert kept["verified"] is False and kept["signature"] == signature
    assert not OptOut.objects.exists()

    monkeypatch.undo()
    assert webhooks.replay_spooled().applied == 1
    assert OptOut.objects.get(phone=NUMBER).method == "reply"


def test_a_forged_stop_kept_while_the_database_was_down_is_never_applied(client, workspace, settings, monkeypatch):
    params = _workspace_token_params(workspace, "SM-forged")
    monkeypatch.setattr(webhooks.services, "inbound_sender", lambda to: (_ for _ in ()).throw(OperationalError("down")))
    forged = sign(params, token="a-guess")
    assert client.post(WEBHOOK_PATH, params, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 200
    monkeypatch.undo()
    result = webhooks.replay_spooled()
    assert (result.applied, result.rejected) == (0, 1)
    assert not Message.objects.exists()
    assert not OptOut.objects.exists()
    assert _spool_file(settings) == []


def test_an_entry_that_can_never_be_applied_is_set_aside_and_does_not_block_the_others(
    client, workspace, settings, database_down
):
    inbound(client, body="STOP", sid="SM-a")
    database_down.undo()
    inbound_spool.keep(inbound_spool.entry({"To": "+14155550100"}, verified=True))
    inbound_spool.keep(inbound_spool.entry({"To": "+14155550100", "From": "+14155550199", "Body": "STOP",
                                            "MessageSid": "SM-b"}, verified=True))  # fmt: skip

    def apply(params):
        if "MessageSid" not in params:
            raise ValueError("not an inbound text")
        return webhooks.handle_inbound(params)

    result = inbound_spool.drain(apply=apply, verify=lambda item: True)
    assert (result.applied, result.dead) == (2, 1)
    assert set(OptOut.objects.values_list("phone", flat=True)) == {NUMBER, "+14155550199"}
    dead = (settings.INBOUND_SPOOL_DIR / inbound_spool.DEAD_FILE_NAME).read_text()
    assert "not an inbound text" in dead


def test_the_drain_command_fails_loudly_while_the_database_is_still_down(client, workspace, database_down):
    inbound(client, body="STOP", sid="SM-still-down")
    with pytest.raises(CommandError, match="still waiting"):
        call_command("drain_inbound_spool")
    database_down.undo()
    call_command("drain_inbound_spool")
    assert OptOut.objects.filter(phone=NUMBER).exists()


def test_a_nul_byte_in_a_signed_stop_is_dropped_not_an_error(client, workspace):
    response = inbound(client, body="STOP\x00", sid="SM-nul")
    assert response.status_code == 200
    assert OptOut.objects.get(phone=NUMBER).reason == "STOP"


def test_a_torn_line_in_the_spool_file_is_set_aside_and_the_rest_applied(client, workspace, settings, database_down):
    inbound(client, body="STOP", sid="SM-whole")
    with (settings.INBOUND_SPOOL_DIR / inbound_spool.FILE_NAME).open("a") as spool:
        spool.write('{"params": {"To": "+1415')  # The machine lost power mid-write.
    database_down.undo()
    result = webhooks.replay_spooled()
    assert (result.applied, result.dead) == (1, 1)
    assert OptOut.objects.filter(phone=NUMBER).exists()
    assert "unreadable spool line" in (settings.INBOUND_SPOOL_DIR / inbound_spool.DEAD_FILE_NAME).read_text()


def test_a_text_kept_after_a_torn_line_is_still_readable(client, workspace, settings, database_down):
    settings.INBOUND_SPOOL_DIR.mkdir(parents=True)
    (settings.INBOUND_SPOOL_DIR / inbound_spool.FILE_NAME).write_text('{"params": {"To": "+1415')
    inbound(client, body="STOP", sid="SM-after-torn")
    database_down.undo()
    assert webhooks.replay_spooled().applied == 1
    assert OptOut.objects.filter(phone=NUMBER).exists()
