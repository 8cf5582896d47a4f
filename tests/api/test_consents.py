"""POST /api/v1/consents (SPEC §13, issue 16 item 1): a consent with the token as its source."""

from __future__ import annotations

from optouts.models import Consent
from optouts.services import opt_out
from tests.api.conftest import assert_problem

NUMBER = "+14155550123"


def test_a_consent_through_the_api_names_the_token_as_its_source(api, token, workspace, member):
    response = api.post("/api/v1/consents", {"phone": "(415) 555-0123", "text": "Yes to offers"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["phone"], body["method"], body["text"], body["created_by"]) == (
        NUMBER,
        "api",
        "Yes to offers",
        "alice",
    )
    consent = Consent.objects.get(workspace=workspace)
    assert consent.source == {"token_id": token.pk, "token": "Shop CRM", "token_prefix": token.prefix}
    assert consent.created_by == member


def test_a_web_form_consent_keeps_the_visitors_address_and_browser(api, token, workspace):
    response = api.post(
        "/api/v1/consents",
        {
            "phone": NUMBER,
            "text": "Tick to get texts",
            "method": "form",
            "ip_address": "203.0.113.9",
            "user_agent": "Mozilla/5.0",
            "page_url": "https://shop.example.com/signup",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    consent = Consent.objects.get()
    assert consent.method == "form"
    assert consent.source["ip_address"] == "203.0.113.9"
    assert consent.source["user_agent"] == "Mozilla/5.0"
    assert consent.source["page_url"] == "https://shop.example.com/signup"
    assert consent.source["token_id"] == token.pk


def test_the_api_can_not_claim_a_reply_or_a_members_consent(api, workspace):
    for method in ("reply", "manual", "import"):
        response = api.post("/api/v1/consents", {"phone": NUMBER, "text": "x", "method": method}, format="json")
        assert_problem(response, 400, "validation-error")
    assert not Consent.objects.exists()


def test_a_consent_needs_a_valid_number_and_its_wording(api, workspace):
    body = assert_problem(
        api.post("/api/v1/consents", {"phone": "555-CALL-NOW", "text": "x"}, format="json"), 400, "validation-error"
    )
    assert "phone" in body["errors"]
    body = assert_problem(api.post("/api/v1/consents", {"phone": NUMBER}, format="json"), 400, "validation-error")
    assert "text" in body["errors"]
    assert not Consent.objects.exists()


def test_consent_does_not_lift_an_opt_out(api, workspace):
    opt_out(workspace=workspace, phone=NUMBER, method="manual")
    assert api.post("/api/v1/consents", {"phone": NUMBER, "text": "Yes"}, format="json").status_code == 201
    assert workspace.optouts.filter(phone=NUMBER).exists()


def test_a_token_records_only_in_its_own_workspace(other_api, workspace, other_workspace):
    assert other_api.post("/api/v1/consents", {"phone": NUMBER, "text": "Yes"}, format="json").status_code == 201
    assert Consent.objects.get().workspace == other_workspace


def test_no_token_no_consent(client, workspace):
    response = client.post("/api/v1/consents", {"phone": NUMBER, "text": "Yes"}, content_type="application/json")
    assert response.status_code == 401
    assert not Consent.objects.exists()


def test_the_schema_documents_the_consent_endpoint(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/consents"]["post"]
    assert operation["operationId"] == "record_consent"
    request = schema["components"]["schemas"]["ConsentCreateRequest"]
    assert set(request["properties"]) == {"phone", "text", "method", "ip_address", "user_agent", "page_url"}
    assert set(operation["responses"]) >= {"201", "400", "401", "415", "429"}
