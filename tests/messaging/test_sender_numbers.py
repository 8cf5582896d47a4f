"""Settings → Sender numbers: E.164, one workspace per number, webhooks wired through the Twilio API."""

from __future__ import annotations

import html

import pytest

from messaging.models import SenderNumber
from tests.support.fake_twilio_numbers import FakeTwilioNumbers, running

SID = "AC" + "7" * 32
URL = "/w/acme/settings/numbers/"
SMS_URL = "https://emu.example.com/webhooks/twilio/sms/"
STATUS_URL = "https://emu.example.com/webhooks/twilio/status/"


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def twilio(settings):
    fake = FakeTwilioNumbers(account_sid=SID, auth_token="numbers-token")
    with running(fake):
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SID, "numbers-token"
        yield fake


def test_without_credentials_a_number_in_any_writing_is_stored_e164_with_console_steps(
    member_client, workspace, settings
):
    settings.TWILIO_ACCOUNT_SID = ""
    response = member_client.post(URL, {"phone": "(415) 555-0177", "label": "Support"})
    page = response.content.decode()
    assert response.status_code == 200
    number = SenderNumber.objects.get(phone="+14155550177")
    assert (number.workspace, number.label, number.webhooks_set_at) == (workspace, "Support", None)
    assert "+1 415-555-0177 added. Set its webhooks in the Twilio console" in page
    assert "A message comes in" in page
    assert SMS_URL in page and STATUS_URL in page


def test_a_number_of_another_workspace_is_refused_with_a_clear_message(member_client, workspace, other_workspace):
    SenderNumber.objects.create(workspace=other_workspace, phone="+442079460002")
    response = member_client.post(URL, {"phone": "0044 20 7946 0002"})
    assert response.status_code == 400
    assert "+44 20 7946 0002 is a sender number of another workspace." in _text(response)
    assert SenderNumber.objects.get(phone="+442079460002").workspace == other_workspace


def test_our_own_number_again_and_nonsense_are_refused(member_client, workspace):
    again = _text(member_client.post(URL, {"phone": "+1 415 555 0100"}))
    assert "already one of this workspace's sender numbers" in again
    nonsense = member_client.post(URL, {"phone": "call me"}).content.decode()
    assert "“call me” is not a valid phone number." in nonsense
    assert workspace.sender_numbers.count() == 1


def test_with_credentials_adding_checks_the_account_and_points_the_webhooks_here(member_client, workspace, twilio):
    sid = twilio.add_number("+14155550177", sms_url="https://old.example.com/sms")
    response = member_client.post(URL, {"phone": "415-555-0177", "label": "Support"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "its Twilio webhooks now point at emu.chat" in page
    assert f"Incoming texts: https://old.example.com/sms → {SMS_URL}" in page
    assert f"Status callback: (not set) → {STATUS_URL}" in page
    wired = twilio.numbers[sid]
    assert (wired["sms_url"], wired["sms_method"], wired["status_callback"]) == (SMS_URL, "POST", STATUS_URL)
    lookup = twilio.requests[0]
    assert lookup["path"] == f"/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers.json"
    assert lookup["query"]["PhoneNumber"] == "+14155550177"
    number = SenderNumber.objects.get(phone="+14155550177")
    assert number.provider_sid == sid and number.webhooks_set_at is not None


def test_a_number_already_pointing_here_is_not_changed(member_client, workspace, twilio):
    twilio.add_number("+14155550177", sms_url=SMS_URL, status_callback=STATUS_URL)
    page = member_client.post(URL, {"phone": "+14155550177"}).content.decode()
    assert "already pointed at emu.chat" in page
    assert twilio.updates() == []


def test_a_number_missing_from_the_twilio_account_is_refused(member_client, workspace, twilio):
    twilio.add_number("+14155550999")
    page = member_client.post(URL, {"phone": "+14155550177"}).content.decode()
    assert f"+1 415-555-0177 is not a number in the Twilio account {SID}" in page
    assert not SenderNumber.objects.filter(phone="+14155550177").exists()


def test_wrong_credentials_are_named(member_client, workspace, twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "wrong"
    twilio.add_number("+14155550177")
    page = member_client.post(URL, {"phone": "+14155550177"}).content.decode()
    assert f"Twilio refused the credentials for account {SID}" in page
    assert not SenderNumber.objects.filter(phone="+14155550177").exists()


def test_a_workspace_with_its_own_account_is_checked_against_it(member_client, workspace, twilio, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    workspace.twilio_account_sid, workspace.twilio_auth_token = SID, "numbers-token"
    workspace.save()
    twilio.add_number("+14155550177")
    member_client.post(URL, {"phone": "+14155550177"})
    assert SenderNumber.objects.get(phone="+14155550177").webhooks_set_at is not None


def test_twilio_down_means_the_number_is_not_added(member_client, workspace, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_API_BASE_URL = SID, "http://127.0.0.1:9"
    page = member_client.post(URL, {"phone": "+14155550177"}).content.decode()
    assert "Twilio could not be reached, so the number was not added" in page
    assert not SenderNumber.objects.filter(phone="+14155550177").exists()


def test_removing_a_number_after_confirming(member_client, workspace):
    number = SenderNumber.objects.create(workspace=workspace, phone="+14155550177", label="Support")
    confirm = member_client.get(f"{URL}{number.pk}/remove/").content.decode()
    assert "Remove +1 415-555-0177 (Support) from Acme Bakery?" in confirm
    response = member_client.post(f"{URL}{number.pk}/remove/", follow=True)
    assert "+1 415-555-0177 removed." in response.content.decode()
    assert not SenderNumber.objects.filter(phone="+14155550177").exists()


def test_a_number_of_another_workspace_cannot_be_removed_from_ours(member_client, workspace, other_workspace):
    theirs = other_workspace.sender_numbers.get()
    assert member_client.post(f"{URL}{theirs.pk}/remove/").status_code == 404
    assert SenderNumber.objects.filter(pk=theirs.pk).exists()


def test_an_existing_number_is_pointed_here_once_credentials_exist(member_client, workspace, twilio):
    existing = workspace.sender_numbers.get()
    assert "Not checked" in member_client.get(URL).content.decode()
    sid = twilio.add_number(existing.phone)
    response = member_client.post(f"{URL}{existing.pk}/connect/", follow=True)
    assert f"+1 415-555-0100: Incoming texts: (not set) → {SMS_URL}" in _text(response)
    assert twilio.numbers[sid]["sms_url"] == SMS_URL
    existing.refresh_from_db()
    assert existing.provider_sid == sid and existing.webhooks_set_at is not None
    assert "Set by emu.chat" in _text(response)


def test_connecting_without_credentials_says_what_to_do(member_client, workspace, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    existing = workspace.sender_numbers.get()
    response = member_client.post(f"{URL}{existing.pk}/connect/", follow=True)
    assert "no Twilio credentials" in _text(response)


def _actions(page: str, number: SenderNumber) -> str:
    row = page[page.index(f'data-number="{number.phone}"') :]
    return row[: row.index("</tr>")]


def test_each_number_offers_remove_behind_its_confirmation_and_wiring_only_with_credentials(
    member_client, workspace, settings
):
    number = workspace.sender_numbers.get()
    settings.TWILIO_ACCOUNT_SID = ""
    without = _actions(member_client.get(URL).content.decode(), number)
    assert f'href="/w/acme/settings/numbers/{number.pk}/remove/">Remove</a>' in without
    assert 'aria-label="Actions for +1 415-555-0100"' in without
    assert "Point Twilio webhooks here" not in without
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SID, "numbers-token"
    with_credentials = _actions(member_client.get(URL).content.decode(), number)
    assert f'action="/w/acme/settings/numbers/{number.pk}/connect/"' in with_credentials
    assert "Point Twilio webhooks here</button>" in with_credentials
