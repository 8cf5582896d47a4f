"""Bad bytes are input, not crashes (issue 12, item 5): the cases that were 500s, pinned down.

The broad sweep over every page and the API is tests/integration/test_bad_input_fuzz.py.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api import services as api_services
from contacts.models import Contact
from emuchat.text import clean_text, is_clean
from optouts.models import OptOut


def test_nul_in_the_contacts_search_is_ignored_not_a_500(member_client, workspace):
    Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    response = member_client.get(reverse("contacts:list", kwargs={"slug": "acme"}), QUERY_STRING="q=Da%00na")
    assert response.status_code == 200
    assert "Dana" in response.content.decode()


def test_nul_in_the_conversations_search_is_ignored_not_a_500(member_client, workspace):
    response = member_client.get(reverse("conversations:list", kwargs={"slug": "acme"}), QUERY_STRING="q=%00")
    assert response.status_code == 200


def test_a_nul_in_the_address_is_a_400(member_client, workspace):
    response = member_client.get("/w/acme/opt-outs/history/%2B1415%00/")
    assert response.status_code == 400


def test_a_nul_in_a_posted_form_field_is_a_form_error(member_client, workspace):
    response = member_client.post(
        reverse("contacts:create", kwargs={"slug": "acme"}), {"name": "Da\x00na", "phone": "+14155550123", "email": ""}
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Contact.objects.exists()


def _api(workspace, member) -> APIClient:
    _, secret = api_services.create_token(workspace=workspace, name="CRM", actor=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_api_refuses_nul_and_lone_surrogates_in_json_with_a_400_problem(workspace, member):
    api = _api(workspace, member)
    for hostile in ("STOP\x00", "\ud800"):
        body = json.dumps({"phone": "+14155550123", "reason": hostile})
        response = api.post("/api/v1/opt-outs", body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert "NUL character or a lone UTF-16 surrogate" in response.json()["detail"]
    assert not OptOut.objects.exists()


def test_the_api_ignores_nul_in_query_parameters(workspace, member):
    response = _api(workspace, member).get("/api/v1/opt-outs", QUERY_STRING="q=%00415")
    assert response.status_code == 200


def test_clean_text_drops_control_characters_and_replaces_lone_surrogates():
    assert clean_text("a\x00b\ud800c") == "ab\ufffdc"
    assert clean_text("STOP\x07\x1b\x7f\x85 now\r\nplease\t!") == "STOP now\r\nplease\t!"
    assert clean_text("مرحبا \u202e<b>") == "مرحبا \u202e<b>"
    assert clean_text(None) == ""


@pytest.mark.parametrize(
    ("text", "clean"), [("a\x00b", False), ("\ud800", False), ("STOP\x07\x9f", True), ("fine\tand\r\n", True)]
)
def test_is_clean_refuses_only_what_postgresql_and_utf_8_cannot_hold(text, clean):
    assert is_clean(text) is clean


def test_a_100_kb_contacts_search_is_answered_not_a_500(member_client, workspace):
    Contact.objects.create(workspace=workspace, name="Dana", phone="+14155550123")
    response = member_client.get(reverse("contacts:list", kwargs={"slug": "acme"}), {"q": "Dana" + "x" * 100_000})
    assert response.status_code == 200
    assert "No contacts match" in response.content.decode()
