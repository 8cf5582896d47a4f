from __future__ import annotations

import pytest
from django.urls import reverse

from compliance.segments import segments, segments_for_body
from contacts.models import Contact
from conversations.models import Conversation

LINK_LENGTH = len("https://emu.example.com/o/") + 8


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", "GSM-7", 0, 0),
        ("Hello", "GSM-7", 5, 1),
        ("x" * 160, "GSM-7", 160, 1),
        ("x" * 161, "GSM-7", 161, 2),
        ("x" * 306, "GSM-7", 306, 2),
        ("x" * 307, "GSM-7", 307, 3),
        ("Price: 5€", "GSM-7", 10, 1),  # € is an extension character: two septets
        ("[" * 80, "GSM-7", 160, 1),
        ("[" * 81, "GSM-7", 162, 2),
        ("x" * 152 + "€" + "x" * 10, "GSM-7", 164, 2),
        ("x" * 152 + "€" + "x" * 152, "GSM-7", 306, 3),  # the € can't be split, so it starts segment 2
        ("Ça va? ñ ü à é", "GSM-7", 14, 1),  # accents that GSM-7 has
        ("Café 😀", "UCS-2", 7, 1),  # this emoji is two UTF-16 units
        ("Café ☕", "UCS-2", 6, 1),  # this one is one
        ("ê" * 70, "UCS-2", 70, 1),
        ("ê" * 71, "UCS-2", 71, 2),
        ("ê" * 134, "UCS-2", 134, 2),
        ("ê" * 135, "UCS-2", 135, 3),
        ("Привет", "UCS-2", 6, 1),
    ],
)
def test_segments_are_counted_like_a_carrier_does(text, encoding, units, count):
    result = segments(text)
    assert (result.encoding, result.units, result.segments) == (encoding, units, count)


def test_the_link_placeholder_is_counted_at_the_length_of_a_real_link():
    result = segments_for_body("Stop: {opt_out_link}")
    assert result.units == len("Stop: ") + LINK_LENGTH
    assert result.encoding == "GSM-7"


def test_a_link_can_push_a_text_into_a_second_segment():
    body = "x" * (160 - LINK_LENGTH) + "{opt_out_link}"
    assert segments_for_body(body).segments == 1
    assert segments_for_body("x" + body).segments == 2


def test_the_count_reads_as_a_sentence():
    assert str(segments("x" * 161)) == "161 characters · 2 SMS segments (GSM-7)"
    assert str(segments("Hi")) == "2 characters · 1 SMS segment (GSM-7)"


def test_the_conversation_composer_offers_the_link_button_and_the_segment_count(member_client, workspace):
    conversation = Conversation.objects.create(workspace=workspace, phone="+14155550123")
    page = member_client.get(reverse("conversations:detail", kwargs={"slug": "acme", "pk": conversation.pk}))
    html = page.content.decode()
    assert "Insert opt-out link" in html
    assert "0 characters · 0 SMS segments (GSM-7)" in html
    assert "js/segments.js" in html


def test_a_refused_post_shows_the_count_of_what_was_written_without_javascript(member_client, workspace):
    url = reverse("conversations:new", kwargs={"slug": "acme"})
    page = member_client.post(url, {"to": "not a number", "body": "Hi 😀 {opt_out_link}"})
    html = page.content.decode()
    units = len("Hi 😀 ") + 1 + LINK_LENGTH  # the emoji takes two UTF-16 units
    assert f"{units} characters · 1 SMS segment (UCS-2)" in html


def test_bulk_send_page_shows_the_link_button_and_the_count(member_client, workspace):
    Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    html = member_client.get(reverse("messaging:bulk_send", kwargs={"slug": "acme"})).content.decode()
    assert "Insert opt-out link" in html
    assert "SMS segment" in html
    assert "{opt_out_link}" in html
