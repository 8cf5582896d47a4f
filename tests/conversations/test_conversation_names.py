"""Issue 13 item 8: the Conversations list names the contact whose number it is, and its search finds names."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact
from conversations.models import Conversation
from messaging import services as messaging_services

LIST = "/w/acme/conversations/"  # a literal: reverse() at import time would populate the URL resolver early


def rows(page: str) -> dict[str, str]:
    """Each row's first cell as text, by the conversation's number (E.164)."""
    found = {}
    for match in re.finditer(r'<tr data-conversation="(\d+)">\s*<td[^>]*>(.*?)</td>', page, re.S):
        phone = Conversation.objects.get(pk=match.group(1)).phone
        found[phone] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()
    return found


def inbound(number: str, body: str = "Hi") -> Conversation:
    messaging_services.receive_message(to="+14155550100", from_=number, body=body, provider_sid=f"SM{number}")
    return Conversation.objects.get(phone=number)


def test_a_conversation_started_by_a_reply_shows_the_name_of_the_contact_with_that_number(member_client, workspace):
    conversation = inbound("+14155550123")
    Contact.objects.create(workspace=workspace, name="Dana Reyes", phone="+14155550123")  # added after the text
    assert conversation.contact is None
    assert rows(member_client.get(LIST).content.decode())["+14155550123"] == "Dana Reyes +1 415-555-0123"


def test_a_number_no_contact_has_shows_the_number_alone(member_client, workspace):
    inbound("+14155550124")
    assert rows(member_client.get(LIST).content.decode())["+14155550124"] == "+1 415-555-0124"


def test_several_contacts_on_one_number_name_the_one_it_was_started_with_and_count_the_rest(member_client, workspace):
    zed = Contact.objects.create(workspace=workspace, name="Zed Adams", phone="+14155550125")
    Contact.objects.create(workspace=workspace, name="Amy Adams", phone="+14155550125")
    messaging_services.send_message(workspace=workspace, to="+14155550125", body="Hello")
    Conversation.objects.filter(phone="+14155550125").update(contact=zed)
    assert rows(member_client.get(LIST).content.decode())["+14155550125"] == "Zed Adams and 1 more +1 415-555-0125"
    Conversation.objects.update(contact=None)
    assert rows(member_client.get(LIST).content.decode())["+14155550125"] == "Amy Adams and 1 more +1 415-555-0125"


def test_a_contact_of_another_workspace_with_the_same_number_is_not_shown(member_client, workspace, other_workspace):
    inbound("+14155550126")
    Contact.objects.create(workspace=other_workspace, name="Their Contact", phone="+14155550126")
    assert rows(member_client.get(LIST).content.decode())["+14155550126"] == "+1 415-555-0126"


def test_search_finds_a_conversation_by_the_name_of_a_contact_matched_by_number(member_client, workspace):
    inbound("+14155550127")
    inbound("+14155550128")
    Contact.objects.create(workspace=workspace, name="Dana Reyes", phone="+14155550127")
    found = rows(member_client.get(LIST, {"q": "reyes"}).content.decode())
    assert list(found) == ["+14155550127"]
    assert list(rows(member_client.get(LIST, {"q": "555 0128"}).content.decode())) == ["+14155550128"]
    assert rows(member_client.get(LIST, {"q": "nobody"}).content.decode()) == {}


def test_names_cost_no_query_per_row(member_client, workspace):
    def shown(count: int) -> int:
        Conversation.objects.all().delete()
        Contact.objects.all().delete()
        for n in range(count):
            phone = f"+1415555{n:04d}"
            inbound(phone)
            Contact.objects.create(workspace=workspace, name=f"Person {n}", phone=phone)
        with CaptureQueriesContext(connection) as captured:
            page = member_client.get(LIST).content.decode()
        assert page.count("Person ") == count
        return len(captured.captured_queries)

    assert shown(3) == shown(30)


def test_a_search_longer_than_any_name_finds_nothing_and_does_not_fail(member_client, workspace):
    inbound("+14155550129")
    Contact.objects.create(workspace=workspace, name="A" * 200, phone="+14155550129")
    assert list(rows(member_client.get(LIST, {"q": "A" * 200}).content.decode())) == ["+14155550129"]
    response = member_client.get(LIST, {"q": "A" * 60_000})
    assert response.status_code == 200 and rows(response.content.decode()) == {}
