from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from api import services
from api.models import IdempotencyKey
from messaging import services as messaging_services
from messaging.models import Message
from tests.support.waits import wait_for, waiting_for_a_lock

from .conftest import assert_problem

ORDER = {"to": "+14155550123", "body": "Your order #1001 has shipped"}


def test_a_retry_with_the_same_key_sends_once_and_replays_the_response(
    api, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="order-1001-shipped")
    with django_capture_on_commit_callbacks(execute=True):
        retry = api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="order-1001-shipped")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert retry["Location"] == first["Location"]
    assert Message.objects.count() == 1
    assert len(sms_outbox) == 1


def test_different_keys_are_different_messages(api):
    api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="a")
    api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert Message.objects.count() == 2


def test_a_reused_key_with_a_different_body_is_a_422_and_sends_nothing(api, sms_outbox):
    api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = api.post(
        "/api/v1/messages", ORDER | {"body": "Something else"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    problem = assert_problem(response, 422, "idempotency-key-reused")
    assert "k-1" in problem["detail"]
    assert Message.objects.count() == 1


def test_the_same_body_written_in_another_key_order_is_the_same_request(api):
    first = api.post(
        "/api/v1/messages",
        '{"to": "+14155550123", "body": "Hi"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same",
    )
    retry = api.post(
        "/api/v1/messages",
        '{"body":"Hi","to":"+14155550123"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same",
    )
    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]


def test_an_invalid_request_does_not_use_up_the_key(api, workspace):
    bad = api.post("/api/v1/messages", {"to": "nope", "body": "Hi"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert_problem(bad, 400, "validation-error")
    assert not IdempotencyKey.objects.filter(key="k-2").exists()
    good = api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert good.status_code == 201


def test_keys_are_per_workspace(api, other_api):
    ours = api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    theirs = other_api.post(
        "/api/v1/messages", {"to": "+447911123456", "body": "Hi"}, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert ours.status_code == theirs.status_code == 201
    assert ours.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_400(api, key):
    response = api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"))
    problem = assert_problem(response, 400, "validation-error")
    assert "Idempotency-Key" in problem["errors"]
    assert Message.objects.count() == 0


def test_a_blocked_send_is_replayed_as_blocked(api, workspace, sms_outbox):
    from optouts import services as optout_services

    optout_services.opt_out(workspace=workspace, phone=ORDER["to"], method="manual")
    first = api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="blocked")
    retry = api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="blocked")
    assert retry.json() == first.json()
    assert retry.json()["failure_reason"] == "opted_out"
    assert Message.objects.count() == 1
    assert sms_outbox == []


def test_old_keys_are_pruned(api):
    api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="old")
    api.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert services.prune_idempotency_keys(older_than=timedelta(hours=24)) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_requests_send_once(postgres, token_secret, sms_outbox, monkeypatch):
    """The second request arrives while the first holds the key's row: it waits, then replays the first."""
    real_send = messaging_services.send_message
    calls = []
    first_inside, release = threading.Event(), threading.Event()

    def held_send(**kwargs):
        calls.append(kwargs["to"])
        first_inside.set()
        assert release.wait(15), "the test never released the first request"
        return real_send(**kwargs)

    monkeypatch.setattr(messaging_services, "send_message", held_send)
    results: list = []

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_secret[1]}")
        try:
            results.append(client.post("/api/v1/messages", ORDER, format="json", HTTP_IDEMPOTENCY_KEY="race-1"))
        finally:
            connection.close()

    first, second = threading.Thread(target=post), threading.Thread(target=post)
    first.start()
    try:
        assert first_inside.wait(15), "the first request never reached send_message"
        second.start()
        # The second insert of the same key blocks on the first's uncommitted row.
        wait_for(waiting_for_a_lock, "the second request waits for the first one's key")
    finally:
        release.set()
        first.join(timeout=30)
        if second.ident is not None:
            second.join(timeout=30)

    assert [r.status_code for r in results] == [201, 201]
    assert results[0].json()["id"] == results[1].json()["id"]
    assert sorted(r.get("Idempotent-Replayed", "") for r in results) == ["", "true"]
    assert len(calls) == 1
    assert Message.objects.count() == 1
    assert len(sms_outbox) == 1
