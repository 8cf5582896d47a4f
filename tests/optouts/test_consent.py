"""Consent records (SPEC §13, issue 16 item 1): who agreed, to what, with what proof; never changed."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from messaging import services as messaging_services
from messaging.models import Message
from optouts import services
from optouts.models import Consent, OptOut
from tests.support.twilio import inbound

NUMBER = "+14155550123"


def _history(client, phone=NUMBER) -> str:
    return client.get(reverse("optouts:history", kwargs={"slug": "acme", "phone": phone})).content.decode()


def test_record_consent_keeps_the_number_in_e164_with_its_proof(workspace, member):
    consent = services.record_consent(
        workspace=workspace,
        phone="(415) 555-0123",
        method="form",
        text="Yes, text me offers",
        source={"ip": "203.0.113.9", "user_agent": "Firefox"},
        actor=None,
    )
    consent.refresh_from_db()
    assert (consent.phone, consent.method, consent.text) == (NUMBER, "form", "Yes, text me offers")
    assert consent.source == {"ip": "203.0.113.9", "user_agent": "Firefox"}
    assert consent.created_at is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "fax"}, "not a consent method"),
        ({"text": "   "}, "Say what the person agreed to"),
        ({"method": "manual", "actor": None}, "needs the member"),
        ({"phone": "not a number"}, "not a number"),
    ],
)
def test_record_consent_refuses_what_proves_nothing(workspace, kwargs, message):
    values = {"workspace": workspace, "phone": NUMBER, "method": "api", "text": "Agreed", "actor": None} | kwargs
    with pytest.raises(ValidationError) as error:
        services.record_consent(**values)
    assert message.lower() in " ".join(error.value.messages).lower()
    assert not Consent.objects.exists()


def test_a_consent_can_not_be_changed_or_deleted_through_the_orm(workspace, member):
    consent = services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="Asked", actor=member)
    consent.text = "Something else"
    with pytest.raises(TypeError):
        consent.save()
    with pytest.raises(TypeError):
        consent.delete()
    with pytest.raises(TypeError):
        Consent.objects.filter(pk=consent.pk).update(text="x")
    with pytest.raises(TypeError):
        Consent.objects.filter(pk=consent.pk).delete()
    assert Consent.objects.get(pk=consent.pk).text == "Asked"


@pytest.mark.django_db(transaction=True)
def test_postgresql_itself_refuses_to_update_a_consent_row(workspace, member):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    consent = services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="Asked", actor=member)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE optouts_consent SET text = 'forged' WHERE id = %s", [consent.pk])
    assert Consent.objects.get(pk=consent.pk).text == "Asked"


def test_deleting_the_workspace_still_takes_its_consents_with_it(workspace, member):
    services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="Asked", actor=member)
    workspace.delete()
    assert not Consent.objects.exists()


def test_the_admin_can_look_at_consents_but_not_add_change_or_delete(rf, workspace, member):
    model_admin = admin_site._registry[Consent]
    request = rf.get("/")
    request.user = member
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_subscribe_reply_records_consent_with_the_message_as_source(client, workspace):
    services.opt_out(workspace=workspace, phone=NUMBER, method="manual", reason="asked")
    assert inbound(client, body="SUBSCRIBE please").status_code == 200
    message = Message.objects.get(direction="inbound")
    consent = Consent.objects.get(workspace=workspace, phone=NUMBER)
    assert (consent.method, consent.text, consent.created_by) == ("reply", "SUBSCRIBE please", None)
    assert consent.source == {"message_id": message.pk}
    assert not OptOut.objects.filter(phone=NUMBER).exists()


def test_twilio_start_verdict_records_consent_naming_the_verdict(client, workspace):
    assert inbound(client, body="Start", extra={"OptOutType": "START"}).status_code == 200
    consent = Consent.objects.get(workspace=workspace, phone=NUMBER)
    assert consent.source["provider_verdict"] == "START"
    assert consent.text == "Start"


@pytest.mark.parametrize("body", ["SUBSCRIBE? no, STOP", "STOP", "hello"])
def test_no_consent_from_a_reply_that_is_not_an_opt_in(client, workspace, body):
    inbound(client, body=body)
    assert not Consent.objects.exists()


def test_a_member_records_consent_by_hand_with_who_and_why(member_client, workspace, member):
    url = reverse("optouts:consent_add", kwargs={"slug": "acme", "phone": NUMBER})
    assert "Record consent" in member_client.get(url).content.decode()
    response = member_client.post(url, {"text": "Signed the paper form at the counter"})
    assert response.status_code == 302
    consent = Consent.objects.get(workspace=workspace)
    assert (consent.phone, consent.method, consent.created_by) == (NUMBER, "manual", member)
    assert consent.text == "Signed the paper form at the counter"
    page = member_client.get(response.url).content.decode()
    assert "Consent of +1 415-555-0123 recorded." in page
    assert "Signed the paper form at the counter" in page


def test_recording_consent_by_hand_needs_a_why(member_client, workspace):
    url = reverse("optouts:consent_add", kwargs={"slug": "acme", "phone": NUMBER})
    response = member_client.post(url, {"text": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Consent.objects.exists()


def test_the_consent_page_says_consent_does_not_lift_an_opt_out(member_client, workspace):
    services.opt_out(workspace=workspace, phone=NUMBER, method="manual")
    url = reverse("optouts:consent_add", kwargs={"slug": "acme", "phone": NUMBER})
    member_client.post(url, {"text": "They said yes on the phone"})
    assert services.is_opted_out(workspace=workspace, phone=NUMBER)
    assert "does not take it off" in member_client.get(url).content.decode()


def test_outsider_gets_404_recording_consent(outsider_client, workspace):
    url = reverse("optouts:consent_add", kwargs={"slug": "acme", "phone": NUMBER})
    assert outsider_client.post(url, {"text": "forged"}).status_code == 404
    assert not Consent.objects.exists()


def test_history_shows_consent_beside_opt_out_events_in_time_order(member_client, workspace, member):
    services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="First yes", actor=member)
    services.opt_out(workspace=workspace, phone=NUMBER, method="manual", reason="Asked to stop", actor=member)
    services.opt_in(workspace=workspace, phone=NUMBER, actor=member)
    services.record_consent(workspace=workspace, phone=NUMBER, method="api", text="Second yes", source={"token_id": 7})
    page = _history(member_client)
    order = [page.index(marker) for marker in ("Second yes", 'data-event="opted_in"', "Asked to stop", "First yes")]
    assert order == sorted(order), "newest first, consent and opt-out events interleaved by time"
    assert "API token #7" in page
    assert page.count("Consent recorded") == 2


def test_history_of_a_number_with_only_consent_is_not_empty(member_client, workspace, member):
    services.record_consent(workspace=workspace, phone=NUMBER, method="manual", text="Walk-in", actor=member)
    page = _history(member_client)
    assert "No history for this number" not in page
    assert "Walk-in" in page


def test_a_sent_text_does_not_count_as_consent(workspace):
    messaging_services.send_message(workspace=workspace, to=NUMBER, body="Hello")
    assert not Consent.objects.exists()
