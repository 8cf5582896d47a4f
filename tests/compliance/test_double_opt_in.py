"""Double opt-in (SPEC §13, issue 16 item 2): JOIN gets "Reply Y to confirm"; Y within 24 hours is consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance import double_opt_in
from compliance import services as compliance_services
from compliance.models import ComplianceSettings, JoinRequest, LikelyOptOut
from compliance.segments import segments
from messaging.models import Message
from optouts import services as optout_services
from optouts.models import Consent
from tests.support.twilio import inbound

NUMBER = "+14155550123"
PROMPT = "Acme Bakery: reply Y to confirm you want texts from us. Msg & data rates may apply. Reply STOP to opt out."


@pytest.fixture
def enabled(workspace):
    return ComplianceSettings.objects.create(workspace=workspace, double_opt_in_enabled=True)


@pytest.fixture
def texts(client, django_capture_on_commit_callbacks):
    """Send inbound texts as Twilio does; what they trigger is delivered to the outbox."""
    sent = iter(range(1000))

    def send(*bodies):
        for body in bodies:
            with django_capture_on_commit_callbacks(execute=True):
                assert inbound(client, body=body, sid=f"SM{next(sent)}").status_code == 200

    return send


def test_join_gets_the_prompt_and_y_records_consent_with_both_messages(texts, workspace, enabled, sms_outbox):
    texts("JOIN")
    assert [(m.to, m.body) for m in sms_outbox] == [(NUMBER, PROMPT)]
    assert not Consent.objects.exists(), "an unconfirmed join records nothing"
    texts("Y")
    join, confirm = Message.objects.filter(direction="inbound").order_by("id")
    prompt = Message.objects.get(direction="outbound")
    consent = Consent.objects.get(workspace=workspace, phone=NUMBER)
    assert (consent.method, consent.text) == ("reply", PROMPT)
    assert consent.source == {
        "double_opt_in": True,
        "join_message_id": join.pk,
        "join_text": "JOIN",
        "prompt_message_id": prompt.pk,
        "confirm_message_id": confirm.pk,
        "confirm_text": "Y",
    }
    assert JoinRequest.objects.get().status == "confirmed"


@pytest.mark.parametrize("body", ["join", "Join!", " JOIN\n"])
def test_the_join_keyword_is_read_like_every_keyword(texts, workspace, enabled, sms_outbox, body):
    texts(body)
    assert len(sms_outbox) == 1 and JoinRequest.objects.count() == 1


def test_y_after_24_hours_is_an_ordinary_text(texts, workspace, enabled, sms_outbox):
    texts("JOIN")
    JoinRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    texts("Y")
    assert not Consent.objects.exists()
    assert JoinRequest.objects.get().status == "pending"


def test_y_just_inside_24_hours_still_confirms(texts, workspace, enabled):
    texts("JOIN")
    join = JoinRequest.objects.get()
    assert join.expires_at - join.join_message.created_at == timedelta(hours=24)
    JoinRequest.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    texts("yes")
    assert Consent.objects.count() == 1


def test_y_with_no_pending_join_is_an_ordinary_text(texts, workspace, enabled, sms_outbox):
    texts("Y")
    assert not Consent.objects.exists()
    assert not sms_outbox
    assert Message.objects.get().body == "Y"


def test_a_second_y_records_no_second_consent(texts, workspace, enabled):
    texts("JOIN", "Y", "Y")
    assert Consent.objects.count() == 1


def test_double_opt_in_is_off_by_default(texts, workspace, sms_outbox):
    assert not ComplianceSettings(workspace=workspace).double_opt_in_enabled
    texts("JOIN", "Y")
    assert not sms_outbox
    assert not Consent.objects.exists() and not JoinRequest.objects.exists()


def test_a_y_with_an_opt_out_word_does_not_confirm(texts, workspace, enabled, sms_outbox):
    texts("JOIN", "Y STOP")
    assert not Consent.objects.exists()
    assert JoinRequest.objects.get().status == "pending"


def test_stop_after_the_join_wins_over_a_later_y(texts, workspace, enabled):
    texts("JOIN", "STOP", "Y")
    assert optout_services.is_opted_out(workspace=workspace, phone=NUMBER)
    assert not Consent.objects.exists()
    assert JoinRequest.objects.get().status == "pending"


def test_stop_as_the_answer_to_the_prompt_opts_out(texts, workspace, enabled):
    texts("JOIN", "STOP")
    assert optout_services.is_opted_out(workspace=workspace, phone=NUMBER)
    assert not Consent.objects.exists()


def test_an_opted_out_number_texting_join_gets_no_prompt(texts, workspace, enabled, sms_outbox):
    optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual")
    texts("JOIN", "Y")
    assert not sms_outbox
    assert not JoinRequest.objects.exists() and not Consent.objects.exists()
    assert optout_services.is_opted_out(workspace=workspace, phone=NUMBER)


def test_a_repeated_join_within_ten_minutes_sends_one_prompt(texts, workspace, enabled, sms_outbox):
    texts("JOIN", "JOIN")
    assert len(sms_outbox) == 1


def test_a_join_and_its_y_are_not_review_material(texts, workspace, enabled):
    texts("JOIN", "Y")
    assert not LikelyOptOut.objects.exists()


def test_a_workspaces_own_join_keyword(texts, workspace, enabled, sms_outbox):
    compliance_services.update_settings(
        workspace=workspace,
        packs=[],
        custom_opt_out=[],
        custom_opt_in=[],
        confirmation_enabled=False,
        confirmation_template="",
        double_opt_in_enabled=True,
        join_keyword="bread club",
    )
    texts("JOIN")
    assert not sms_outbox
    texts("Bread Club")
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(
    ("word", "error"),
    [("STOP", "already a keyword"), ("SUBSCRIBE", "already a keyword"), ("Y", "answers"), ("stop now", "keyword")],
)
def test_the_join_keyword_can_not_be_a_word_that_means_something_else(workspace, word, error):
    with pytest.raises(Exception) as raised:
        compliance_services.update_settings(
            workspace=workspace,
            packs=[],
            custom_opt_out=[],
            custom_opt_in=[],
            confirmation_enabled=False,
            confirmation_template="",
            double_opt_in_enabled=True,
            join_keyword=word,
        )
    assert error in str(raised.value)


def test_settings_show_the_wording_and_its_segment_count(member_client, workspace):
    url = reverse("compliance:settings", kwargs={"slug": "acme"})
    page = member_client.get(url).content.decode()
    assert PROMPT.replace("&", "&amp;") in page
    assert str(segments(PROMPT)) in page
    assert segments(PROMPT).segments == 1
    response = member_client.post(
        url,
        {
            "confirmation_template": "",
            "help_reply": "Acme: Reply STOP to opt out.",
            "double_opt_in_enabled": "on",
            "join_keyword": "club",
        },
    )
    assert response.status_code == 302
    saved = ComplianceSettings.objects.get(workspace=workspace)
    assert (saved.double_opt_in_enabled, saved.join_keyword) == (True, "CLUB")


def test_prompt_text_names_the_workspace(workspace):
    assert double_opt_in.prompt_text(workspace) == PROMPT
