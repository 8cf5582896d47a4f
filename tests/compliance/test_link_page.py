from __future__ import annotations

import pytest
from django.test import Client

from compliance import links
from optouts import services as optout_services
from optouts.models import OptOut, OptOutEvent

NUMBER = "+14155550123"


@pytest.fixture
def code(workspace):
    return links.code_for(workspace=workspace, phone=NUMBER)


def test_opening_the_link_shows_the_workspace_and_the_masked_number_without_login(client, code):
    response = client.get(f"/o/{code}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Bakery" in page
    assert "+1 ••• ••• 0123" in page
    assert "4155550123" not in page and "415-555-0123" not in page
    assert ">Stop texts</button>" in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"  # no-referrer would break the CSRF Origin check
    assert "no-store" in response["Cache-Control"]


def test_opening_the_link_never_opts_out(client, code):
    for _ in range(3):
        client.get(f"/o/{code}")
    client.head(f"/o/{code}")
    assert not OptOut.objects.exists()
    assert not OptOutEvent.objects.exists()


def test_pressing_stop_texts_opts_the_number_out_with_method_link(client, workspace, code):
    response = client.post(f"/o/{code}")
    assert response.status_code == 200
    assert "will no longer text" in response.content.decode()
    assert "SUBSCRIBE" in response.content.decode()
    optout = OptOut.objects.get(workspace=workspace, phone=NUMBER)
    assert (optout.method, optout.reason, optout.created_by) == ("link", "Opted out via link", None)
    event = OptOutEvent.objects.get()
    assert (event.action, event.method, event.actor) == ("opted_out", "link", None)
    assert optout_services.is_opted_out(workspace=workspace, phone=NUMBER)


def test_the_link_with_a_trailing_slash_works_too(client, workspace, code):
    client.post(f"/o/{code}/")
    assert OptOut.objects.get(workspace=workspace).method == "link"


def test_an_already_opted_out_number_is_told_so(client, workspace, member, code):
    optout_services.opt_out(workspace=workspace, phone=NUMBER, method="manual", actor=member, reason="asked")
    page = client.get(f"/o/{code}").content.decode()
    assert "already unsubscribed" in page
    assert ">Stop texts</button>" not in page
    after_post = client.post(f"/o/{code}").content.decode()
    assert "already unsubscribed" in after_post
    assert OptOut.objects.get().method == "manual"  # The first entry is kept as it was.
    assert OptOutEvent.objects.count() == 1  # Only the manual opt-out's: the link page wrote nothing.


def test_a_link_only_ever_opts_out_its_own_number_in_its_own_workspace(client, workspace, other_workspace):
    ours = links.code_for(workspace=workspace, phone=NUMBER)
    links.code_for(workspace=other_workspace, phone=NUMBER)
    links.code_for(workspace=workspace, phone="+14155550999")
    client.post(f"/o/{ours}")
    assert list(OptOut.objects.values_list("workspace__slug", "phone")) == [("acme", NUMBER)]


def _not_found(client, code: str) -> tuple[int, str]:
    response = client.get(f"/o/{code}")
    return response.status_code, response.content.decode()


def test_unknown_forged_and_malformed_codes_all_get_the_same_neutral_404(client, workspace, code):
    other_case = code.swapcase() if code.swapcase() != code else code[::-1]
    bad_codes = [
        "AAAAAAAA",  # well-formed, never issued
        code[:-1],  # truncated
        code + "x",  # extended
        other_case,  # codes are case-sensitive
        "x",  # too short to be a code
        "a" * 40,  # too long
        "%E2%80%A2%E2%80%A2",  # not URL-safe characters
        "..%2F..%2Fadmin",
    ]
    answers = {_not_found(client, bad) for bad in bad_codes}
    assert len(answers) == 1
    status, page = answers.pop()
    assert status == 404
    assert "Link not found" in page
    assert "Acme" not in page
    for bad in bad_codes[:4]:
        assert client.post(f"/o/{bad}").status_code == 404
    assert not OptOut.objects.exists()


def test_a_code_from_another_workspace_cannot_reach_ours(client, workspace, other_workspace):
    theirs = links.code_for(workspace=other_workspace, phone=NUMBER)
    client.post(f"/o/{theirs}")
    assert not OptOut.objects.filter(workspace=workspace).exists()
    assert OptOut.objects.get(workspace=other_workspace).method == "link"


def test_confirming_without_the_csrf_token_is_refused_and_changes_nothing(code):
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(f"/o/{code}").status_code == 200
    assert browser.post(f"/o/{code}").status_code == 403
    assert not OptOut.objects.exists()


def test_confirming_with_the_pages_csrf_token_works(code):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/o/{code}")
    token = page.context["csrf_token"]
    assert browser.post(f"/o/{code}", {"csrfmiddlewaretoken": str(token)}).status_code == 200
    assert OptOut.objects.get().method == "link"


def test_too_many_failed_guesses_from_one_address_get_429(settings, code):
    settings.OPT_OUT_LINK_RATE_LIMIT = (3, 600)
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [guesser.get(f"/o/{guess}").status_code for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD")]
    assert statuses == [404, 404, 404, 429]
    blocked = guesser.post("/o/EEEEEEEE")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Too many requests" in blocked.content.decode()
    assert not OptOut.objects.exists()


def test_a_valid_code_always_works_even_after_many_failed_guesses_from_the_same_address(settings, code):
    settings.OPT_OUT_LINK_RATE_LIMIT = (3, 600)
    shared_proxy = Client(REMOTE_ADDR="203.0.113.7")
    for guess in range(32):
        shared_proxy.get(f"/o/GUESS{guess:03d}")
    assert shared_proxy.get("/o/ZZZZZZZZ").status_code == 429
    page = shared_proxy.get(f"/o/{code}")
    assert page.status_code == 200
    assert "Acme Bakery" in page.content.decode()
    assert shared_proxy.post(f"/o/{code}").status_code == 200
    assert OptOut.objects.get().method == "link"


def test_requests_for_a_valid_code_are_never_counted(settings, code):
    settings.OPT_OUT_LINK_RATE_LIMIT = (2, 600)
    recipient = Client(REMOTE_ADDR="203.0.113.7")
    assert {recipient.get(f"/o/{code}").status_code for _ in range(10)} == {200}
    # The ten valid requests used up none of the address's two failed guesses.
    assert [recipient.get(f"/o/{guess}").status_code for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC")] == [
        404,
        404,
        429,
    ]


def test_failed_guesses_are_counted_per_forwarded_address_when_a_proxy_header_is_configured(settings, code):
    settings.OPT_OUT_LINK_RATE_LIMIT = (1, 600)
    settings.OPT_OUT_LINK_CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    assert proxy.get("/o/AAAAAAAA", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 404
    assert proxy.get("/o/BBBBBBBB", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert proxy.get("/o/CCCCCCCC", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 404
    assert proxy.get(f"/o/{code}", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 200
