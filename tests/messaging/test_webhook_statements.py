"""How many statements the webhooks send (issue #15): pinned, so a change that adds round trips shows.

Inside the test's transaction BEGIN and COMMIT appear as SAVEPOINT and RELEASE,
so the counts are the production ones, transaction control included.
"""

from __future__ import annotations

import pytest

from contacts.models import Contact
from conversations.models import Conversation
from messaging.models import Message
from optouts.models import OptOut, OptOutEvent
from tests.support.twilio import inbound

pytestmark = pytest.mark.usefixtures("postgres")

# The number looked up (once, for the signature and the text), BEGIN, the conversation upserted, the
# text inserted, the keyword settings, the number's lock, the outbound text the STOP answers
# (OptOut.caused_by, #16), the list checked, the entry and its event written, queued texts
# cancelled, COMMIT.
STOP_STATEMENTS = 12
# The number, BEGIN, the conversation upserted, the text inserted, the keyword settings, COMMIT.
INBOUND_STATEMENTS = 6


def test_a_signed_stop_from_a_new_number_takes_at_most_twelve_statements(
    client, workspace, django_assert_max_num_queries
):
    with django_assert_max_num_queries(STOP_STATEMENTS):
        response = inbound(client, body="STOP", sid="SM-count-stop")
    assert response.status_code == 200
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550123")
    assert optout.source_message.provider_sid == "SM-count-stop"
    assert OptOutEvent.objects.filter(phone="+14155550123", action="opted_out").count() == 1


def test_an_ordinary_text_in_an_existing_conversation_takes_at_most_six_statements(
    client, workspace, django_assert_max_num_queries
):
    contact = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    inbound(client, body="Hello", sid="SM-count-1")
    with django_assert_max_num_queries(INBOUND_STATEMENTS):
        response = inbound(client, body="See you at 5", sid="SM-count-2")
    assert response.status_code == 200
    conversation = Conversation.objects.get(workspace=workspace, phone="+14155550123")
    assert conversation.contact == contact
    assert list(conversation.messages.order_by("id").values_list("body", flat=True)) == ["Hello", "See you at 5"]
    assert conversation.last_message_at is not None
    assert not OptOut.objects.exists()


def test_a_repeated_message_sid_changes_nothing_and_costs_at_most_seven_statements(
    client, workspace, django_assert_max_num_queries
):
    inbound(client, body="STOP", sid="SM-count-again")
    # The insert's conflict undoes the transaction (ROLLBACK), then the stored text is read.
    with django_assert_max_num_queries(INBOUND_STATEMENTS + 1):
        assert inbound(client, body="STOP", sid="SM-count-again").status_code == 200
    assert Message.objects.filter(provider_sid="SM-count-again").count() == 1
    assert OptOutEvent.objects.count() == 1


def test_a_new_conversation_is_linked_to_the_numbers_contact_and_an_existing_link_is_kept(client, workspace):
    dana = Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    inbound(client, body="Hi", sid="SM-link-1")
    conversation = Conversation.objects.get(workspace=workspace, phone="+14155550123")
    assert conversation.contact == dana
    other = Contact.objects.create(workspace=workspace, name="Dana again", phone="+14155550124")
    Conversation.objects.filter(pk=conversation.pk).update(contact=other)
    inbound(client, body="Hi again", sid="SM-link-2")
    conversation.refresh_from_db()
    assert conversation.contact == other
