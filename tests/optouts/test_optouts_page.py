"""The Opt-Outs page (SPEC §7, issue 4): list, search, filter, add, edit, remove, history, totals, chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from messaging import services as messaging_services
from messaging.models import Message
from optouts import services
from optouts.models import Method, OptOut, OptOutEvent


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Totals and chart are cached per workspace; each test starts cold.
    cache.clear()
    yield
    cache.clear()


def url(name: str, **kwargs) -> str:
    return reverse(f"optouts:{name}", kwargs={"slug": "acme", **kwargs})


def add(workspace, phone, method=Method.MANUAL, actor=None, reason=""):
    return services.opt_out(workspace=workspace, phone=phone, method=method, actor=actor, reason=reason)


def reply(workspace, phone, body="STOP please", sid="SM1"):
    """A real keyword reply through the inbound path."""
    messaging_services.receive_message(to="+14155550100", from_=phone, body=body, provider_sid=sid)
    return OptOut.objects.get(workspace=workspace, phone=phone)


def rows(response) -> list[str]:
    return re.findall(r'<tr data-phone="([^"]+)"', response.content.decode())


def row_html(response, phone: str) -> str:
    html = response.content.decode()
    start = html.index(f'<tr data-phone="{phone}"')
    return html[start : html.index("</tr>", start)]


# --- the table ------------------------------------------------------------------------


def test_list_shows_number_contact_method_reason_when_and_who(member_client, workspace, member):
    add(workspace, "+14155550123", actor=member, reason="Asked on the phone")
    Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    response = member_client.get(url("list"))
    assert response.status_code == 200
    row = row_html(response, "+14155550123")
    assert "+1 415-555-0123" in row
    assert ">Dana</a>" in row
    assert "Manual" in row
    assert "Asked on the phone" in row
    assert "just now" in row
    assert "Alice" in row


def test_contact_column_says_and_n_more_when_several_contacts_share_the_number(member_client, workspace, member):
    add(workspace, "+14155550123", actor=member)
    for name in ("Dana", "Eve", "Finn"):
        Contact.objects.create(workspace=workspace, name=name, phone="+14155550123")
    row = row_html(member_client.get(url("list")), "+14155550123")
    assert ">Dana</a>" in row
    assert "and 2 more" in row
    assert "Eve" not in row


def test_number_without_a_contact_shows_a_dash_and_still_blocks(member_client, workspace, member):
    add(workspace, "+447911123456", actor=member)
    row = row_html(member_client.get(url("list")), "+447911123456")
    assert "+44 7911 123456" in row
    assert '<span class="muted" title="No contact has this number; it is blocked all the same">—</span>' in row
    message = messaging_services.send_message(workspace=workspace, to="+447911123456", body="Hi")
    assert (message.status, message.failure_reason) == ("failed", "opted_out")


def test_when_is_relative_with_the_exact_time_on_hover(member_client, workspace, member):
    optout = add(workspace, "+14155550123", actor=member)
    three_days_ago = timezone.now() - timedelta(days=3, hours=2)
    OptOut.objects.filter(pk=optout.pk).update(created_at=three_days_ago)
    row = row_html(member_client.get(url("list")), "+14155550123")
    assert "3 days ago" in row
    exact = timezone.localtime(three_days_ago)
    assert f'title="{exact:%a} {exact.day} {exact:%b %Y, %H:%M:%S}' in row


def test_added_by_is_a_dash_for_reply_and_link_entries(member_client, workspace, member):
    reply(workspace, "+14155550123")
    add(workspace, "+14155550124", method=Method.LINK)
    add(workspace, "+14155550125", method=Method.IMPORT, actor=member)
    response = member_client.get(url("list"))
    for phone in ("+14155550123", "+14155550124"):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row_html(response, phone), re.S)
        assert re.sub(r"<[^>]+>", "", cells[5]) == "—", phone
    assert "Alice" in row_html(response, "+14155550125")
    assert "Reply" in row_html(response, "+14155550123")
    assert "STOP please" in row_html(response, "+14155550123")


def test_newest_first(member_client, workspace, member):
    for i, phone in enumerate(["+14155550101", "+14155550102", "+14155550103"]):
        optout = add(workspace, phone, actor=member)
        OptOut.objects.filter(pk=optout.pk).update(created_at=timezone.now() - timedelta(hours=10 - i))
    assert rows(member_client.get(url("list"))) == ["+14155550103", "+14155550102", "+14155550101"]


# --- search, filter, pagination --------------------------------------------------------


@pytest.fixture
def mixed_list(workspace, member):
    add(workspace, "+14155550123", actor=member)
    add(workspace, "+14155559876", actor=member)
    add(workspace, "+12125550123", actor=member)
    add(workspace, "+447911123456", actor=member)
    add(workspace, "+4915112345678", method=Method.LINK)
    reply(workspace, "+14155550199")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("415 555", {"+14155550123", "+14155559876", "+14155550199"}),
        ("(415) 555-0123", {"+14155550123"}),
        ("+1 415 555 0123", {"+14155550123"}),
        ("+14155550123", {"+14155550123"}),
        ("0044 7911", {"+447911123456"}),
        ("0123", {"+14155550123", "+12125550123"}),
    ],
)
def test_search_finds_a_number_in_any_writing(member_client, mixed_list, query, expected):
    assert set(rows(member_client.get(url("list"), {"q": query}))) == expected


def test_search_in_a_uk_workspace_reads_the_national_trunk_prefix(client, other_workspace, outsider):
    add(other_workspace, "+447911123456", actor=outsider)
    client.force_login(outsider)
    response = client.get(reverse("optouts:list", kwargs={"slug": "globex"}), {"q": "07911 12"})
    assert rows(response) == ["+447911123456"]


def test_search_without_digits_matches_nothing_and_says_so(member_client, mixed_list):
    response = member_client.get(url("list"), {"q": "dana"})
    assert rows(response) == []
    assert "No opt-outs match" in response.content.decode()


def test_method_filter_shows_only_that_method(member_client, mixed_list):
    assert rows(member_client.get(url("list"), {"method": "link"})) == ["+4915112345678"]
    assert rows(member_client.get(url("list"), {"method": "reply"})) == ["+14155550199"]


def test_search_and_method_filter_combine(member_client, mixed_list):
    response = member_client.get(url("list"), {"q": "415 555", "method": "reply"})
    assert rows(response) == ["+14155550199"]
    assert 'value="415 555"' in response.content.decode()
    assert '<option value="reply" selected>' in response.content.decode()


def test_search_and_filter_survive_pagination(member_client, workspace, member):
    for n in range(60):
        add(workspace, f"+1415555{n:04d}", actor=member)
    for n in range(5):
        add(workspace, f"+1212555{n:04d}", actor=member)
    add(workspace, "+14155559999", method=Method.LINK)
    first = member_client.get(url("list"), {"q": "415 555", "method": "manual"})
    assert len(rows(first)) == 50
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    assert "q=415+555" in next_link and "method=manual" in next_link and "page=2" in next_link
    second = member_client.get(url("list") + "?" + next_link)
    assert len(rows(second)) == 10
    shown = set(rows(first)) | set(rows(second))
    assert shown == {f"+1415555{n:04d}" for n in range(60)}
    assert 'rel="next"' not in second.content.decode()
    assert 'rel="prev"' in second.content.decode()


# --- add --------------------------------------------------------------------------------


def test_add_opt_out_stores_a_manual_entry_and_confirms(member_client, workspace, member):
    response = member_client.post(url("add"), {"phone": "(415) 555-0123", "reason": "Called us"}, follow=True)
    optout = OptOut.objects.get(workspace=workspace)
    assert (optout.phone, optout.method, optout.reason, optout.created_by) == (
        "+14155550123",
        "manual",
        "Called us",
        member,
    )
    assert "+1 415-555-0123 is opted out" in response.content.decode()
    assert rows(response) == ["+14155550123"]


def test_add_invalid_number_shows_a_field_error_and_stores_nothing(member_client, workspace):
    response = member_client.post(url("add"), {"phone": "555-CALL-NOW", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["“555-CALL-NOW” is not a valid phone number."]
    assert "is not a valid phone number" in response.content.decode()
    assert not OptOut.objects.exists()


def test_add_a_number_already_opted_out_shows_a_field_error(member_client, workspace, member):
    add(workspace, "+14155550123", method=Method.LINK)
    response = member_client.post(url("add"), {"phone": "415-555-0123"})
    assert response.context["form"].errors["phone"] == ["+1 415-555-0123 is already opted out."]
    assert OptOut.objects.get().method == "link"


# --- edit -------------------------------------------------------------------------------


def test_edit_changes_number_and_reason_and_history_shows_both_numbers(member_client, workspace, member):
    optout = add(workspace, "+14155550123", actor=member, reason="typo")
    response = member_client.post(url("edit", pk=optout.pk), {"phone": "+1 415 555 0124", "reason": "Right one"})
    assert response.status_code == 302
    optout.refresh_from_db()
    assert (optout.phone, optout.reason) == ("+14155550124", "Right one")
    history = member_client.get(url("history", phone="+14155550124")).content.decode()
    assert "+1 415-555-0123 → +1 415-555-0124" in history
    assert "“typo” → “Right one”" in history


def test_edit_to_a_number_already_on_the_list_is_refused(member_client, workspace, member):
    optout = add(workspace, "+14155550123", actor=member)
    add(workspace, "+14155550124", actor=member)
    response = member_client.post(url("edit", pk=optout.pk), {"phone": "415 555 0124", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["+1 415-555-0124 is already opted out."]
    optout.refresh_from_db()
    assert optout.phone == "+14155550123"


def test_reply_entry_is_read_only_with_an_explanation(member_client, workspace):
    optout = reply(workspace, "+14155550123", body="STOP texting me")
    page = member_client.get(url("edit", pk=optout.pk)).content.decode()
    assert "came from the recipient's own reply" in page
    assert "STOP texting me" in page
    assert 'name="phone"' not in page
    member_client.post(url("edit", pk=optout.pk), {"phone": "+14155550124", "reason": "changed"})
    optout.refresh_from_db()
    assert (optout.phone, optout.reason) == ("+14155550123", "STOP texting me")


# --- remove -----------------------------------------------------------------------------


def test_remove_asks_for_confirmation_naming_the_number(member_client, workspace, member):
    optout = add(workspace, "+14155550123", actor=member)
    page = member_client.get(url("remove", pk=optout.pk)).content.decode()
    assert "Remove +1 415-555-0123 from the opt-out list?" in page
    assert OptOut.objects.filter(pk=optout.pk).exists()


def test_removed_number_can_be_texted_straight_away(member_client, workspace, member):
    optout = add(workspace, "+14155550123", actor=member)
    response = member_client.post(url("remove", pk=optout.pk), follow=True)
    assert "+1 415-555-0123 was removed from the opt-out list" in response.content.decode()
    assert not OptOut.objects.exists()
    message = messaging_services.send_message(workspace=workspace, to="+14155550123", body="Welcome back")
    assert (message.status, message.failure_reason) == ("queued", "")


# --- history ----------------------------------------------------------------------------


def test_history_lists_every_event_with_who_how_and_the_inbound_message_even_after_removal(
    member_client, workspace, member
):
    optout = reply(workspace, "+14155550123", body="STOP now please")
    services.remove_opt_out(workspace=workspace, optout=optout, actor=member)
    add(workspace, "+14155550123", actor=member, reason="Asked again by email")
    page = member_client.get(url("history", phone="+14155550123")).content.decode()
    assert "Their message: “STOP now please”" in page
    assert "Removed" in page
    assert "Reason: Asked again by email" in page
    assert page.count("alice") == 2  # who removed it and who added it again
    assert OptOutEvent.objects.filter(phone="+14155550123").count() == 3


def test_history_of_a_removed_number_says_it_can_be_texted(member_client, workspace, member):
    optout = add(workspace, "+14155550123", actor=member)
    services.remove_opt_out(workspace=workspace, optout=optout, actor=member)
    page = member_client.get(url("history", phone="+14155550123")).content.decode()
    assert "Not on the opt-out list now" in page
    assert "Removed" in page


# --- totals, chart, empty state ---------------------------------------------------------


def test_totals_by_method_are_shown_and_follow_changes(member_client, workspace, member):
    add(workspace, "+14155550101", actor=member)
    add(workspace, "+14155550102", actor=member)
    add(workspace, "+14155550103", method=Method.LINK)
    reply(workspace, "+14155550104")
    page = member_client.get(url("list")).content.decode()
    assert re.search(r'data-total="all">4<', page)
    assert re.search(r'data-total="manual">2<', page)
    assert re.search(r'data-total="link">1<', page)
    assert re.search(r'data-total="reply">1<', page)
    assert re.search(r'data-total="import">0<', page)
    add(workspace, "+14155550105", method=Method.IMPORT, actor=member)
    page = member_client.get(url("list")).content.decode()
    assert re.search(r'data-total="all">5<', page)
    assert re.search(r'data-total="import">1<', page)


def test_chart_stacks_thirty_days_by_method_with_patterns_and_a_table(member_client, workspace, member):
    add(workspace, "+14155550101", actor=member)
    reply(workspace, "+14155550102", sid="SM2")
    reply(workspace, "+14155550103", sid="SM3")
    # A wave of STOPs five days ago, from the history.
    OptOutEvent.objects.filter(method=Method.REPLY).update(at=timezone.now() - timedelta(days=5))
    page = member_client.get(url("list")).content.decode()
    svg = page[page.index("<svg viewBox") : page.index("</svg>", page.index("<svg viewBox"))]
    assert svg.count('data-method="reply"') == 1
    assert svg.count('data-method="manual"') == 1
    assert 'fill="url(#oo-hatch-reply)"' in svg  # a pattern, not colour alone
    assert svg.count("<title>") == 30
    five_days_ago = timezone.localdate() - timedelta(days=5)
    assert f"{five_days_ago:%a} {five_days_ago.day} {five_days_ago:%b}: 2 opt-outs (Reply 2)" in svg
    assert "3 recorded" in page
    table = page[page.index("Show the numbers as a table") :]
    assert re.search(rf"<td>{five_days_ago:%a} {five_days_ago.day} {five_days_ago:%b}</td>(<td>\d+</td>){{4}}", table)


def test_chart_ignores_repeat_stops_from_numbers_already_opted_out(member_client, workspace):
    reply(workspace, "+14155550102", sid="SM2")
    reply(workspace, "+14155550102", sid="SM3")
    assert "1 recorded" in member_client.get(url("list")).content.decode()


def test_chart_follows_a_new_opt_out_on_the_next_view(member_client, workspace, member):
    add(workspace, "+14155550101", actor=member)
    assert "1 recorded" in member_client.get(url("list")).content.decode()
    reply(workspace, "+14155550102")  # the chart is cached now; the list's version moves
    page = member_client.get(url("list")).content.decode()
    assert "2 recorded" in page
    today = timezone.localdate()
    assert f"{today:%a} {today.day} {today:%b}: 2 opt-outs (Manual 1, Reply 1)" in page


def test_empty_list_explains_opt_outs_and_the_ways_to_add_one(member_client, workspace):
    page = member_client.get(url("list")).content.decode()
    assert "No one has opted out yet" in page
    assert "STOP or UNSUBSCRIBE" in page
    assert "Actions menu" in page
    assert "Add Opt-Out" in page
    assert "CSV or XLSX" in page


# --- no N+1 -----------------------------------------------------------------------------


def _fill(workspace, count: int) -> None:
    users = [
        get_user_model().objects.create_user(username=f"adder{count}-{i}", password="x")  # noqa: S106
        for i in range(3)
    ]
    for n in range(count):
        phone = f"+1415555{n:04d}"
        add(workspace, phone, actor=users[n % 3], method=Method.MANUAL if n % 2 else Method.IMPORT)
        Contact.objects.create(workspace=workspace, name=f"Person {n}", phone=phone)
        if n % 5 == 0:
            Contact.objects.create(workspace=workspace, name=f"Sibling {n}", phone=phone)


def _queries_for_list(client) -> tuple[int, int]:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("list"))
    assert response.status_code == 200
    return len(captured.captured_queries), len(rows(response))


def test_list_page_query_count_does_not_grow_with_rows_shown(member_client, workspace, member):
    _fill(workspace, 5)
    few, shown_few = _queries_for_list(member_client)
    OptOut.objects.all().delete()
    Contact.objects.all().delete()
    _fill(workspace, 50)
    many, shown_many = _queries_for_list(member_client)
    assert (shown_few, shown_many) == (5, 50)
    assert few == many


def test_deep_page_reads_the_right_rows(member_client, workspace, member):
    for n in range(120):
        optout = add(workspace, f"+1415555{n:04d}", actor=member)
        OptOut.objects.filter(pk=optout.pk).update(created_at=timezone.now() - timedelta(minutes=n))
    third = rows(member_client.get(url("list"), {"page": "3"}))
    assert third == [f"+1415555{n:04d}" for n in range(100, 120)]


def test_outsider_cannot_see_or_change_the_list(outsider_client, workspace, member):
    optout = add(workspace, "+14155550123", actor=member)
    assert outsider_client.get(url("list")).status_code == 404
    assert outsider_client.post(url("remove", pk=optout.pk)).status_code == 404
    assert OptOut.objects.filter(pk=optout.pk).exists()
    assert not Message.objects.exists()
