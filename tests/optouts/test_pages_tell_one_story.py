"""Issue 13: chart and cards say what they count, the chart follows the method filter,
filter context survives Edit/Remove/Cancel, History follows a number through edits,
every page names a member the same way, and the export page says Ready."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from messaging import services as messaging_services
from optouts import services
from optouts.models import ExportJob, Method, OptOut, OptOutEvent


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def url(name: str, **kwargs) -> str:
    return reverse(f"optouts:{name}", kwargs={"slug": "acme", **kwargs})


def add(workspace, phone, method=Method.MANUAL, actor=None, reason=""):
    return services.opt_out(workspace=workspace, phone=phone, method=method, actor=actor, reason=reason)


def reply(phone: str, sid: str, body: str = "STOP"):
    messaging_services.receive_message(to="+14155550100", from_=phone, body=body, provider_sid=sid)


def text(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def chart_html(response) -> str:
    page = response.content.decode()
    return page[page.index('<figure class="panel chart"') : page.index("</figure>")]


@pytest.fixture
def mixed(workspace, member):
    """Two manual, three replies, one of which opted back in: 4 on the list now, 5 opt-outs recorded."""
    add(workspace, "+14155550101", actor=member)
    add(workspace, "+14155550102", actor=member)
    reply("+14155550103", "SM3")
    reply("+14155550104", "SM4")
    reply("+14155550105", "SM5")
    services.opt_in(workspace=workspace, phone="+14155550105", method=Method.REPLY)


# --- 1. the chart and the cards ------------------------------------------------------------


def test_cards_count_the_list_now_and_the_chart_says_it_counts_opt_outs_as_they_happened(member_client, mixed):
    response = member_client.get(url("list"))
    page = text(response)
    assert "On the list now 4" in page
    assert re.search(r'data-total="reply">2<', response.content.decode())
    chart = chart_html(response)
    assert "New opt-outs per day, last 30 days" in chart
    assert "5 recorded" in chart
    assert "numbers that have since been removed or opted back in still count here" in chart


def test_the_chart_follows_the_method_filter(member_client, mixed):
    response = member_client.get(url("list"), {"method": "reply"})
    chart = chart_html(response)
    assert "New Reply opt-outs per day" in chart
    assert "3 recorded" in chart
    assert 'data-method="manual"' not in chart
    assert chart.count('data-method="reply"') == 2  # one bar in the wide drawing, one in the narrow
    manual = chart_html(member_client.get(url("list"), {"method": "manual"}))
    assert "2 recorded" in manual and 'data-method="reply"' not in manual


def test_an_unknown_method_shows_the_whole_chart(member_client, mixed):
    assert "5 recorded" in chart_html(member_client.get(url("list"), {"method": "bogus"}))


def test_a_search_says_it_narrows_the_table_not_the_chart(member_client, mixed):
    chart = chart_html(member_client.get(url("list"), {"q": "555 0101"}))
    assert "The search narrows the table, not the chart." in chart
    assert "5 recorded" in chart


def test_the_narrow_chart_keeps_its_axis_and_ends_with_todays_date_anchored_inside(member_client, mixed):
    chart = chart_html(member_client.get(url("list")))
    narrow = chart[chart.index('<svg viewBox="0 0 340 170" width="100%" role="img" class="chart-svg chart-narrow"') :]
    narrow = narrow[: narrow.index("</svg>")]
    today = timezone.localdate()
    assert re.search(rf'x="339.0" [^>]*text-anchor="end"[^>]*data-last-day>{today.day} {today:%b}<', narrow)
    assert re.search(r'<text x="30" [^>]*text-anchor="end"[^>]*>0<', narrow)  # the y-axis labels


# --- 3. filter context ---------------------------------------------------------------------


def test_total_cards_keep_the_search_text(member_client, mixed):
    page = member_client.get(url("list"), {"q": "415 555"}).content.decode()
    assert 'href="?q=415+555&amp;method=reply"' in page
    assert f'href="{url("list")}?q=415+555"' in page


def test_a_filtered_list_says_how_many_match(member_client, mixed):
    assert "2 numbers match with method Reply." in text(member_client.get(url("list"), {"method": "reply"}))
    assert "1 number matches “0101”." in text(member_client.get(url("list"), {"q": "0101"}))
    assert "0 numbers match “999”." in text(member_client.get(url("list"), {"q": "999"}))
    assert "numbers match" not in text(member_client.get(url("list")))


def test_row_actions_carry_the_list_state_and_edit_returns_there(member_client, workspace, mixed):
    listed = member_client.get(url("list"), {"q": "415", "method": "manual", "page": "1"}).content.decode()
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550101")
    back = f"{url('list')}?q=415&method=manual&page=1"
    edit_href = f"{url('edit', pk=optout.pk)}?next=%2Fw%2Facme%2Fopt-outs%2F%3Fq%3D415%26method%3Dmanual%26page%3D1"
    assert f'href="{edit_href}"' in listed
    form = member_client.get(edit_href).content.decode()
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in form
    assert f'href="{back.replace("&", "&amp;")}">Cancel' in form
    response = member_client.post(edit_href, {"phone": "+1 415 555 0111", "reason": "x", "next": back})
    assert response.status_code == 302 and response["Location"] == back


def test_remove_and_its_cancel_return_to_the_same_list(member_client, workspace, mixed):
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550102")
    back = f"{url('list')}?method=manual&page=2"
    confirm = member_client.get(url("remove", pk=optout.pk), {"next": back}).content.decode()
    assert f'href="{back.replace("&", "&amp;")}">Cancel' in confirm
    response = member_client.post(url("remove", pk=optout.pk), {"next": back})
    assert response["Location"] == back
    assert not OptOut.objects.filter(pk=optout.pk).exists()


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/w/acme/opt-outs/",
        "//evil.example/w/acme/opt-outs/",
        "/\\evil.example/w/acme/opt-outs/",
        "/w/acme/contacts/",
        "/w/globex/opt-outs/?q=1",
        "javascript:alert(1)",
        "/w/acme/opt-outs/../../admin/",
    ],
)
def test_a_next_that_is_not_this_list_is_ignored(member_client, workspace, mixed, hostile):
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550102")
    response = member_client.post(url("remove", pk=optout.pk), {"next": hostile})
    assert response["Location"] == url("list")


def test_only_the_lists_own_parameters_survive_the_return(member_client, workspace, mixed):
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550102")
    back = f"{url('list')}?method=manual&evil=%3Cscript%3E&q=55"
    response = member_client.post(url("remove", pk=optout.pk), {"next": back})
    assert response["Location"] == f"{url('list')}?q=55&method=manual"


def test_history_from_a_filtered_list_leads_back_to_it(member_client, workspace, mixed):
    back = f"{url('list')}?method=manual"
    page = member_client.get(url("history", phone="+14155550101"), {"next": back}).content.decode()
    assert f'href="{back}">Back to Opt-Outs' in page
    optout = OptOut.objects.get(workspace=workspace, phone="+14155550101")
    assert f"{url('edit', pk=optout.pk)}?next=%2Fw%2Facme%2Fopt-outs%2F%3Fmethod%3Dmanual" in page


# --- 6. history across edits ---------------------------------------------------------------


def test_history_of_the_new_number_shows_where_it_came_from_and_the_original_opt_out(member_client, workspace, member):
    optout = add(workspace, "+14155550101", actor=member, reason="Asked by phone")
    services.edit_opt_out(workspace=workspace, optout=optout, phone="+14155550111", reason="Typo", actor=member)
    services.edit_opt_out(workspace=workspace, optout=optout, phone="+14155550122", reason="Typo", actor=member)

    response = member_client.get(url("history", phone="+14155550122"))
    page = text(response)
    assert "This entry was edited from +1 415-555-0111 , before that +1 415-555-0101" in page
    html = response.content.decode()
    actions = re.findall(r'<tr data-event="(\w+)"', html)
    assert actions == ["edited", "edited", "opted_out"]  # each edit once, then the original opt-out
    assert "On +1 415-555-0101, before the edit" in page
    assert "Reason: Asked by phone" in page


def test_the_old_numbers_later_life_is_not_mixed_into_the_new_history(member_client, workspace, member):
    optout = add(workspace, "+14155550101", actor=member)
    services.edit_opt_out(workspace=workspace, optout=optout, phone="+14155550111", reason="", actor=member)
    add(workspace, "+14155550101", actor=member, reason="Opted out again later")
    html = member_client.get(url("history", phone="+14155550111")).content.decode()
    assert "Opted out again later" not in html
    assert re.findall(r'<tr data-event="(\w+)"', html) == ["edited", "opted_out"]


def test_a_number_never_edited_has_just_its_own_history(member_client, workspace, member):
    add(workspace, "+14155550101", actor=member)
    page = text(member_client.get(url("history", phone="+14155550101")))
    assert "edited from" not in page


# --- 5. one name -------------------------------------------------------------------------


def test_list_and_history_name_the_member_with_the_username_on_hover(member_client, workspace, member):
    add(workspace, "+14155550101", actor=member)
    hover = 'title="Username: alice">Alice</span>'
    assert hover in member_client.get(url("list")).content.decode()
    assert hover in member_client.get(url("history", phone="+14155550101")).content.decode()


def test_a_member_without_a_full_name_is_named_by_username(member_client, workspace, member):
    member.first_name = ""
    member.save()
    add(workspace, "+14155550101", actor=member)
    assert '<span class="person">alice</span>' in member_client.get(url("list")).content.decode()


def test_export_page_names_the_member_and_the_csv_keeps_the_username(
    member_client, workspace, member, django_capture_on_commit_callbacks
):
    add(workspace, "+14155550101", actor=member)
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(url("export"), {"notify": ""})
    job = ExportJob.objects.get(workspace=workspace)
    assert 'title="Username: alice">Alice</span>' in member_client.get(url("export")).content.decode()
    with job.file.open("rb") as handle:
        lines = handle.read().decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",added_by") and lines[1].endswith(",alice")


# --- 7. export says Ready --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_export_page_says_ready_once_the_file_is_ready(member_client, workspace, member):
    """Without a broker the file is written before the redirect: the page says Ready, nothing else."""
    add(workspace, "+14155550101", actor=member)
    response = member_client.post(url("export"), {"notify": "on"}, follow=True)
    page = text(response)
    assert "Your export is ready." in page
    assert "Ready. The file is ready to download" in page
    assert "being prepared" not in page
    assert "Download opt-outs-acme-" in page


def test_an_export_still_running_says_it_is_being_prepared(member_client, workspace, member):
    job = ExportJob.objects.create(workspace=workspace, requested_by=member, notify=True)
    page = text(member_client.get(url("export_job", pk=job.pk)))
    assert "Being prepared" in page and "We'll email you when it's ready." in page
    assert "Ready." not in page


def test_reply_entries_read_only_page_is_titled_opt_out(member_client, workspace):
    reply("+14155550103", "SM3")
    optout = OptOut.objects.get(phone="+14155550103")
    page = member_client.get(url("edit", pk=optout.pk)).content.decode()
    assert "<h1>Opt-out</h1>" in page and "Edit opt-out" not in page


def test_an_empty_reason_shows_a_dash(member_client, workspace, member):
    add(workspace, "+14155550101", actor=member)
    page = member_client.get(url("list")).content.decode()
    assert 'data-label="Reason"><span class="muted" title="No reason was given">—</span>' in page


def test_events_of_the_chart_are_counted_per_day_of_the_filtered_method(member_client, workspace, member):
    add(workspace, "+14155550101", actor=member)
    OptOutEvent.objects.update(at=timezone.now() - timedelta(days=3))
    cache.clear()
    chart = chart_html(member_client.get(url("list"), {"method": "manual"}))
    day = timezone.localdate() - timedelta(days=3)
    assert f"{day:%a} {day.day} {day:%b}: 1 opt-out (Manual 1)" in chart


def test_a_search_longer_than_a_page_counts_every_match(member_client, workspace, member):
    services.import_batch(workspace=workspace, phones=[f"+1415555{n:04d}" for n in range(60)], actor=member)
    add(workspace, "+442079460002", actor=member)
    assert "60 numbers match “415”." in text(member_client.get(url("list"), {"q": "415"}))
    assert "60 numbers match “415”." in text(member_client.get(url("list"), {"q": "415", "page": "2"}))


def test_a_count_past_the_cap_says_more_than(member_client, workspace, member, monkeypatch):
    from optouts import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 50)
    services.import_batch(workspace=workspace, phones=[f"+1415555{n:04d}" for n in range(60)], actor=member)
    assert "More than 50 numbers match “415”." in text(member_client.get(url("list"), {"q": "415"}))
