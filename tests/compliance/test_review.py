from __future__ import annotations

import pytest
from django.urls import reverse

from compliance import services as compliance_services
from compliance.likely import RULES, likely_opt_out
from compliance.models import LikelyOptOut
from optouts import services as optout_services
from optouts.models import OptOut, OptOutEvent
from tests.support.twilio import inbound

NUMBER = "+14155550123"

LOOKS_LIKE_STOP = [
    "please stop texting me",
    "Please stop",
    "Can you stop",
    "PLEASE STOP!!",
    "remove me from your list",
    "Please remove my number",
    "don't text me",
    "Don’t text me again",  # curly apostrophe, as phones type it
    "Do not message me",
    "wrong number, stop",
    "Wrong number",
    "Who is this? Stop",
    "Hi, STOP!!",
    "Please unsubscribe me",
    "How do I unsubscribe?",
    "I want to opt out",
    "opt me out",
    "Take me off this list",
    "stop sending me these messages",
    "No more texts please",
    "leave me alone",
    "I said stop",
]
NOT_A_STOP = [
    "can't stop smiling",
    "stop by tomorrow?",
    "I'll stop at the store",
    "Don't stop",
    "Don't stop believing",
    "I couldn't stop laughing",
    "Can you stop by at 5?",
    "Please stop by the office",
    "Just stop at the gate",
    "The bus stop is on Main St",
    "See you at the stop",
    "Non-stop fun",
    "Text me when you're here",
    "Remember me?",
    "Take me to the store",
    "Can you drop me off at 5",
    "Remove me as admin of the group? lol",
    "Please remove the cake from the order",
    "No more cake for me",
    "Yes please",
    "Thanks, see you soon",
    "",
]


@pytest.mark.parametrize("text", LOOKS_LIKE_STOP)
def test_texts_that_read_like_a_request_to_stop_are_flagged(text):
    assert likely_opt_out(text) is not None


@pytest.mark.parametrize("text", NOT_A_STOP)
def test_ordinary_texts_about_stopping_something_else_are_not_flagged(text):
    assert likely_opt_out(text) is None


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_each_rules_own_example_is_flagged_by_that_rule(rule):
    assert likely_opt_out(rule.example) is not None


def _review_url():
    return reverse("compliance:review", kwargs={"slug": "acme"})


def _press(member_client, flag: LikelyOptOut, button: str) -> str:
    """Press *Opt out* or *Dismiss* on a flag; the page shown after the redirect."""
    url = reverse(f"compliance:review_{button}", kwargs={"slug": "acme", "pk": flag.pk})
    return member_client.post(url, follow=True).content.decode()


def test_an_inbound_likely_opt_out_is_queued_for_review_and_not_opted_out(client, workspace):
    inbound(client, body="please stop texting me")
    assert not OptOut.objects.exists()
    flag = LikelyOptOut.objects.get()
    assert (flag.phone, flag.status, flag.rule, flag.message.body) == (
        NUMBER,
        "pending",
        "stop_texting",
        "please stop texting me",
    )


def test_a_keyword_reply_is_opted_out_and_never_queued(client, workspace):
    inbound(client, body="Stop. Thank you")
    assert OptOut.objects.get().method == "reply"
    assert not LikelyOptOut.objects.exists()


def test_an_ordinary_reply_is_not_queued(client, workspace):
    inbound(client, body="I'll stop at the store")
    assert not LikelyOptOut.objects.exists()


def test_a_number_already_opted_out_is_not_queued(client, workspace):
    optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual")
    inbound(client, body="remove me from your list")
    assert not LikelyOptOut.objects.exists()


def test_the_review_page_lists_the_message_and_the_number(member_client, client, workspace):
    inbound(client, body="wrong number, stop", sid="SM1")
    inbound(client, body="see you at 5", from_="+14155550124", sid="SM2")
    html = member_client.get(_review_url()).content.decode()
    assert "wrong number, stop" in html
    assert "+1 415-555-0123" in html
    assert "says wrong number" in html
    assert "see you at 5" not in html


def test_the_opt_outs_page_links_to_review_with_the_count(member_client, client, workspace):
    inbound(client, body="don't text me")
    html = member_client.get(reverse("optouts:list", kwargs={"slug": "acme"})).content.decode()
    assert _review_url() in html
    assert "1 to review" in html


def test_one_click_opt_out_records_a_manual_opt_out_with_the_message_as_reason(
    member_client, client, workspace, member
):
    inbound(client, body="remove me from your list")
    flag = LikelyOptOut.objects.get()
    assert "+1 415-555-0123 is opted out." in _press(member_client, flag, "opt_out")
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert (optout.method, optout.reason, optout.created_by) == ("manual", "remove me from your list", member)
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == ("opted_out", member)
    assert flag.decided_at is not None
    assert OptOutEvent.objects.get().actor == member
    html = member_client.get(_review_url()).content.decode()
    assert "Recent decisions" in html and "alice" in html


def test_dismiss_records_the_decision_and_opts_no_one_out(member_client, client, workspace, member):
    inbound(client, body="Wrong number")
    flag = LikelyOptOut.objects.get()
    assert "Dismissed" in _press(member_client, flag, "dismiss")
    assert not OptOut.objects.exists()
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == ("dismissed", member)
    assert "Nothing to review" in member_client.get(_review_url()).content.decode()


def test_a_second_decision_on_the_same_message_is_refused(member_client, client, workspace, member, teammate):
    inbound(client, body="leave me alone")
    flag = LikelyOptOut.objects.get()
    compliance_services.decide(workspace=workspace, flag=flag, decision="dismissed", actor=teammate)
    assert "Already decided by bob: dismissed." in _press(member_client, flag, "opt_out")
    assert not OptOut.objects.exists()
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == ("dismissed", teammate)


def test_the_decision_buttons_only_answer_post(member_client, client, workspace):
    inbound(client, body="leave me alone")
    flag = LikelyOptOut.objects.get()
    url = reverse("compliance:review_opt_out", kwargs={"slug": "acme", "pk": flag.pk})
    assert member_client.get(url).status_code == 405
    assert not OptOut.objects.exists()


def test_outsiders_get_404_on_the_review_page_and_its_actions(outsider_client, client, workspace):
    inbound(client, body="leave me alone")
    flag = LikelyOptOut.objects.get()
    assert outsider_client.get(_review_url()).status_code == 404
    for name in ("compliance:review_opt_out", "compliance:review_dismiss"):
        assert outsider_client.post(reverse(name, kwargs={"slug": "acme", "pk": flag.pk})).status_code == 404
    flag.refresh_from_db()
    assert flag.status == "pending"
    assert not OptOut.objects.exists()


def test_a_member_of_another_workspace_cannot_decide_our_flags_from_their_own(outsider_client, client, workspace):
    inbound(client, body="leave me alone")
    flag = LikelyOptOut.objects.get()
    url = reverse("compliance:review_opt_out", kwargs={"slug": "globex", "pk": flag.pk})
    assert outsider_client.post(url).status_code == 404
    assert not OptOut.objects.exists()
