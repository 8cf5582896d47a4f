from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from optouts import services as optout_services
from optouts.models import Method, OptOut, OptOutEvent

from .conftest import assert_problem


@pytest.fixture
def listed(workspace, member):
    """Three numbers on Acme's list, added in this order."""
    return [
        optout_services.opt_out(workspace=workspace, phone="+14155550101", method=Method.MANUAL, actor=member),
        optout_services.opt_out(workspace=workspace, phone="+14155550102", method=Method.IMPORT, reason="CRM"),
        optout_services.opt_out(workspace=workspace, phone="+442079460002", method=Method.MANUAL, reason="asked"),
    ]


def test_list_shows_the_entries_newest_first(api, listed):
    body = api.get("/api/v1/opt-outs").json()
    assert [o["phone"] for o in body["results"]] == ["+442079460002", "+14155550102", "+14155550101"]
    assert body["results"][2] == {
        "phone": "+14155550101",
        "method": "manual",
        "reason": "",
        "created_at": body["results"][2]["created_at"],
        "updated_at": body["results"][2]["updated_at"],
        "created_by": "alice",
        "created_by_name": "Alice",
    }
    assert body["next"] is None


def test_list_filters_by_method(api, listed):
    body = api.get("/api/v1/opt-outs", {"method": "import"}).json()
    assert [o["phone"] for o in body["results"]] == ["+14155550102"]


@pytest.mark.parametrize("query", ["415 555 0102", "(415) 555-0102", "+14155550102", "5550102"])
def test_list_searches_by_number_in_any_writing(api, listed, query):
    body = api.get("/api/v1/opt-outs", {"q": query}).json()
    assert [o["phone"] for o in body["results"]] == ["+14155550102"]


def test_updated_since_returns_only_recent_changes(api, workspace, listed):
    OptOut.objects.filter(phone__in=["+14155550101", "+14155550102"]).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    body = api.get("/api/v1/opt-outs", {"updated_since": since}).json()
    assert [o["phone"] for o in body["results"]] == ["+442079460002"]


def test_updated_since_includes_an_entry_edited_on_the_page(api, workspace, member, listed):
    OptOut.objects.filter(workspace=workspace).update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    optout_services.edit_opt_out(
        workspace=workspace, optout=listed[0], phone=listed[0].phone, reason="Asked by phone", actor=member
    )
    body = api.get("/api/v1/opt-outs", {"updated_since": since}).json()
    assert [(o["phone"], o["reason"]) for o in body["results"]] == [("+14155550101", "Asked by phone")]


def test_list_pages_with_a_cursor(api, listed):
    first = api.get("/api/v1/opt-outs", {"limit": 2}).json()
    second = api.get(first["next"]).json()
    assert [o["phone"] for o in first["results"] + second["results"]] == [
        "+442079460002",
        "+14155550102",
        "+14155550101",
    ]
    assert second["next"] is None


@pytest.mark.parametrize("limit", ["0", "501", "ten", "-1"])
def test_a_bad_page_size_is_a_400(api, limit):
    problem = assert_problem(api.get("/api/v1/opt-outs", {"limit": limit}), 400, "validation-error")
    assert "limit" in problem["errors"]


@pytest.mark.parametrize("written", ["+14155550101", "(415) 555-0101", "4155550101", "1-415-555-0101"])
def test_get_finds_a_number_in_any_writing(api, listed, written):
    response = api.get("/api/v1/opt-outs/" + quote(written, safe=""))
    assert response.status_code == 200
    assert response.json()["phone"] == "+14155550101"


def test_get_accepts_an_unencoded_plus(api, listed):
    assert api.get("/api/v1/opt-outs/+14155550101").json()["phone"] == "+14155550101"


def test_get_is_404_when_the_number_is_not_opted_out(api, listed):
    problem = assert_problem(api.get("/api/v1/opt-outs/%2B14155550199"), 404, "not-found")
    assert problem["detail"] == "+1 415-555-0199 is not opted out."


def test_get_with_something_that_is_not_a_number_is_a_400(api):
    problem = assert_problem(api.get("/api/v1/opt-outs/pizza"), 400, "validation-error")
    assert problem["errors"]["phone"] == ["“pizza” is not a valid phone number."]


def test_post_adds_a_manual_opt_out_credited_to_the_tokens_creator(api, workspace, member, token):
    response = api.post("/api/v1/opt-outs", {"phone": "(415) 555-0142", "reason": "Asked by email"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+14155550142"
    assert response.json()["method"] == "manual"
    assert response["Location"].endswith("/api/v1/opt-outs/+14155550142")
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550142")
    assert (optout.method, optout.reason, optout.created_by) == ("manual", "Asked by email", member)
    event = OptOutEvent.objects.get(workspace=workspace, phone="+14155550142")
    assert event.actor == member
    assert event.details["via"] == "api"
    assert event.details["token"] == "Shop CRM"
    assert event.details["token_prefix"] == token.prefix


@pytest.mark.parametrize("forged", ["reply", "link", "import"])
def test_method_cannot_be_forged(api, workspace, forged):
    response = api.post("/api/v1/opt-outs", {"phone": "+14155550142", "method": forged}, format="json")
    assert response.status_code == 201
    assert response.json()["method"] == "manual"
    assert OptOut.objects.get(workspace=workspace, phone="+14155550142").method == "manual"
    assert OptOutEvent.objects.get(workspace=workspace, phone="+14155550142").method == "manual"


def test_post_of_a_number_already_on_the_list_is_a_409(api, listed):
    response = api.post("/api/v1/opt-outs", {"phone": "415-555-0101"}, format="json")
    problem = assert_problem(response, 409, "already-opted-out")
    assert problem["errors"]["phone"] == ["+1 415-555-0101 is already opted out."]
    assert OptOut.objects.get(phone="+14155550101").method == "manual"


def test_post_with_an_invalid_number_is_a_400_on_phone(api):
    problem = assert_problem(api.post("/api/v1/opt-outs", {"phone": "12"}, format="json"), 400, "validation-error")
    assert problem["errors"] == {"phone": ["“12” is not a valid phone number."]}
    assert OptOut.objects.count() == 0


def test_an_api_opt_out_blocks_the_next_api_send(api, sms_outbox):
    api.post("/api/v1/opt-outs", {"phone": "+14155550142"}, format="json")
    sent = api.post("/api/v1/messages", {"to": "415 555 0142", "body": "Hi"}, format="json").json()
    assert (sent["status"], sent["failure_reason"]) == ("failed", "opted_out")
    assert sms_outbox == []


def test_delete_removes_the_number_and_records_the_token(api, workspace, member, listed):
    response = api.delete("/api/v1/opt-outs/%2B14155550102")
    assert response.status_code == 204
    assert not OptOut.objects.filter(workspace=workspace, phone="+14155550102").exists()
    event = OptOutEvent.objects.filter(workspace=workspace, phone="+14155550102").order_by("-id").first()
    assert (event.action, event.method, event.actor) == ("removed", "import", member)
    assert event.details["via"] == "api" and event.details["token"] == "Shop CRM"
    assert_problem(api.get("/api/v1/opt-outs/%2B14155550102"), 404, "not-found")


def test_delete_of_a_number_not_on_the_list_is_a_404(api):
    assert_problem(api.delete("/api/v1/opt-outs/%2B14155550199"), 404, "not-found")


def test_delete_removes_a_reply_opt_out_too(api, workspace):
    OptOut.objects.create(workspace=workspace, phone="+14155550177", method=Method.REPLY, reason="STOP")
    assert api.delete("/api/v1/opt-outs/%2B14155550177").status_code == 204
    assert not OptOut.objects.filter(phone="+14155550177").exists()


def test_another_workspaces_opt_outs_are_invisible(api, other_api, other_workspace, listed):
    optout_services.opt_out(workspace=other_workspace, phone="+447911123456", method=Method.MANUAL)
    assert [o["phone"] for o in other_api.get("/api/v1/opt-outs").json()["results"]] == ["+447911123456"]
    assert_problem(other_api.get("/api/v1/opt-outs/%2B14155550101"), 404, "not-found")
    assert_problem(other_api.delete("/api/v1/opt-outs/%2B14155550101"), 404, "not-found")
    assert OptOut.objects.filter(phone="+14155550101").exists()
    assert_problem(api.get("/api/v1/opt-outs/%2B447911123456"), 404, "not-found")
    assert "+447911123456" not in str(api.get("/api/v1/opt-out-events").json())


def test_another_workspaces_list_neither_conflicts_nor_blocks(api, other_workspace):
    optout_services.opt_out(workspace=other_workspace, phone="+14155550142", method=Method.MANUAL)
    assert api.post("/api/v1/opt-outs", {"phone": "+14155550142"}, format="json").status_code == 201
    optout_services.opt_out(workspace=other_workspace, phone="+14155550143", method=Method.MANUAL)
    sent = api.post("/api/v1/messages", {"to": "+14155550143", "body": "Hi"}, format="json").json()
    assert (sent["status"], sent["failure_reason"]) == ("queued", None)


def test_events_include_removals_oldest_first(api, workspace, member, listed):
    optout_services.remove_opt_out(workspace=workspace, optout=listed[0], actor=member)
    optout_services.opt_in(workspace=workspace, phone="+14155550102", method=Method.REPLY)
    events = api.get("/api/v1/opt-out-events").json()["results"]
    assert [(e["phone"], e["action"]) for e in events] == [
        ("+14155550101", "opted_out"),
        ("+14155550102", "opted_out"),
        ("+442079460002", "opted_out"),
        ("+14155550101", "removed"),
        ("+14155550102", "opted_in"),
    ]
    assert (events[3]["actor"], events[3]["actor_name"]) == ("alice", "Alice")
    assert (events[4]["actor"], events[4]["actor_name"]) == (None, None)


def test_events_since_returns_only_later_changes(api, workspace, listed):
    OptOutEvent.objects.filter(workspace=workspace).update(at=timezone.now() - timedelta(days=3))
    cutoff = timezone.now() - timedelta(minutes=1)
    optout_services.remove_opt_out(workspace=workspace, optout=listed[1])
    events = api.get("/api/v1/opt-out-events", {"since": cutoff.isoformat()}).json()["results"]
    assert [(e["phone"], e["action"]) for e in events] == [("+14155550102", "removed")]


def test_events_filter_by_action_and_method(api, workspace, member, listed):
    optout_services.remove_opt_out(workspace=workspace, optout=listed[0], actor=member)
    removed = api.get("/api/v1/opt-out-events", {"action": "removed"}).json()["results"]
    assert [(e["phone"], e["action"]) for e in removed] == [("+14155550101", "removed")]
    imported = api.get("/api/v1/opt-out-events", {"method": "import"}).json()["results"]
    assert [(e["phone"], e["action"]) for e in imported] == [("+14155550102", "opted_out")]


def test_events_since_must_be_a_time(api):
    problem = assert_problem(api.get("/api/v1/opt-out-events", {"since": "yesterday"}), 400, "validation-error")
    assert "since" in problem["errors"]
