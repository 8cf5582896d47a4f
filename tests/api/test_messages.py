from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from messaging import services as messaging_services
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Method

from .conftest import assert_problem


def test_sending_queues_the_text_and_hands_it_to_the_provider(
    api, member, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/messages", {"to": "(415) 555-0123", "body": "Your order is ready"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["to"] == "+14155550123"
    assert body["from"] == "+14155550100"
    assert body["status"] == "queued"
    assert body["failure_reason"] is None
    assert response["Location"].endswith(f"/api/v1/messages/{body['id']}")
    message = Message.objects.get(pk=body["id"])
    assert message.created_by == member
    assert [(sms.to, sms.body) for sms in sms_outbox] == [("+14155550123", "Your order is ready")]
    assert Message.objects.get(pk=body["id"]).status == "sent"


def test_a_text_to_an_opted_out_number_fails_and_never_reaches_the_provider(
    api, workspace, sms_outbox, django_capture_on_commit_callbacks
):
    optout_services.opt_out(workspace=workspace, phone="+14155550123", method=Method.MANUAL)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post("/api/v1/messages", {"to": "+1 415 555 0123", "body": "Sale!"}, format="json")
    assert callbacks == []  # Blocked at creation: no delivery task was even enqueued.
    assert response.status_code == 201
    assert response.json()["status"] == "failed"
    assert response.json()["failure_reason"] == "opted_out"
    assert sms_outbox == []
    assert Message.objects.get(pk=response.json()["id"]).failure_reason == "opted_out"


def test_a_text_queued_before_its_number_opts_out_is_cancelled_and_never_sent(
    api, sms_outbox, django_capture_on_commit_callbacks
):
    # The delivery task is held back, as when the worker has not picked the text up yet.
    with django_capture_on_commit_callbacks() as delivery:
        queued = api.post("/api/v1/messages", {"to": "+14155550123", "body": "Sale!"}, format="json").json()
    assert queued["status"] == "queued"
    assert api.post("/api/v1/opt-outs", {"phone": "415 555 0123"}, format="json").status_code == 201
    assert delivery
    for task in delivery:
        task()
    now = api.get(f"/api/v1/messages/{queued['id']}").json()
    # The opt-out cancelled it in its own transaction (SPEC §6); the worker's task finds nothing to send.
    assert now["status"] == "cancelled"
    assert sms_outbox == []


def test_scheduled_text_waits_for_its_time(api, sms_outbox, django_capture_on_commit_callbacks):
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/messages", {"to": "+14155550123", "body": "Reminder", "scheduled_for": later}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["status"] == "scheduled"
    assert Message.objects.get(pk=response.json()["id"]).scheduled_for.isoformat() == later
    assert sms_outbox == []


def test_invalid_number_is_a_400_naming_the_field(api, sms_outbox):
    response = api.post("/api/v1/messages", {"to": "555-CALL-NOW", "body": "Hi"}, format="json")
    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"]["to"] == ["“555-CALL-NOW” is not a valid phone number."]
    assert "to:" in problem["detail"]
    assert Message.objects.count() == 0
    assert sms_outbox == []


def test_missing_body_and_number_are_both_reported(api):
    response = api.post("/api/v1/messages", {}, format="json")
    problem = assert_problem(response, 400, "validation-error")
    assert set(problem["errors"]) == {"to", "body"}


def test_a_number_where_text_belongs_is_refused_not_converted(api):
    response = api.post("/api/v1/messages", {"to": "+14155550123", "body": 12345}, format="json")
    problem = assert_problem(response, 400, "validation-error")
    assert "body" in problem["errors"]
    assert Message.objects.count() == 0


def test_workspace_without_sender_number_gets_a_readable_error(api, workspace):
    workspace.sender_numbers.all().delete()
    response = api.post("/api/v1/messages", {"to": "+14155550123", "body": "Hi"}, format="json")
    problem = assert_problem(response, 400, "validation-error")
    assert "no sender number" in problem["detail"]


def test_get_message_shows_its_current_status(api, workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = messaging_services.send_message(workspace=workspace, to="+14155550123", body="Hello")
    response = api.get(f"/api/v1/messages/{message.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == message.pk
    assert response.json()["status"] == "sent"
    assert response.json()["body"] == "Hello"


def test_list_filters_by_status_newest_first(api, workspace):
    optout_services.opt_out(workspace=workspace, phone="+14155550199", method=Method.MANUAL)
    sent = messaging_services.send_message(workspace=workspace, to="+14155550123", body="one")
    sent_later = messaging_services.send_message(workspace=workspace, to="+14155550124", body="two")
    blocked = messaging_services.send_message(workspace=workspace, to="+14155550199", body="three")
    everything = api.get("/api/v1/messages").json()
    assert [m["id"] for m in everything["results"]] == [blocked.pk, sent_later.pk, sent.pk]
    failed = api.get("/api/v1/messages", {"status": "failed"}).json()
    assert [m["id"] for m in failed["results"]] == [blocked.pk]
    assert [m["id"] for m in api.get("/api/v1/messages?status=queued").json()["results"]] == [sent_later.pk, sent.pk]


def test_unknown_status_filter_is_a_400(api):
    problem = assert_problem(api.get("/api/v1/messages", {"status": "lost"}), 400, "validation-error")
    assert "status" in problem["errors"]


def test_list_pages_with_a_cursor(api, workspace):
    sent = [messaging_services.send_message(workspace=workspace, to="+14155550123", body=str(i)) for i in range(5)]
    first = api.get("/api/v1/messages", {"limit": 2}).json()
    assert [m["body"] for m in first["results"]] == ["4", "3"]
    second = api.get(first["next"]).json()
    assert [m["body"] for m in second["results"]] == ["2", "1"]
    third = api.get(second["next"]).json()
    assert [m["id"] for m in third["results"]] == [sent[0].pk]
    assert third["next"] is None


def test_another_workspaces_message_is_a_404(api, other_api, other_workspace, workspace):
    theirs = messaging_services.send_message(workspace=other_workspace, to="+447911123456", body="Hello UK")
    ours = messaging_services.send_message(workspace=workspace, to="+14155550123", body="Hello US")
    assert_problem(api.get(f"/api/v1/messages/{theirs.pk}"), 404, "not-found")
    assert [m["id"] for m in api.get("/api/v1/messages").json()["results"]] == [ours.pk]
    assert [m["id"] for m in other_api.get("/api/v1/messages").json()["results"]] == [theirs.pk]
    assert_problem(other_api.get(f"/api/v1/messages/{ours.pk}"), 404, "not-found")
