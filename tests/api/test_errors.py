from __future__ import annotations

import pytest

from api import views
from messaging.models import Message

from .conftest import assert_problem


def test_a_validation_problem_has_every_rfc_9457_member(api):
    response = api.post("/api/v1/messages", {"to": "not a number", "body": ""}, format="json")
    body = assert_problem(response, 400, "validation-error")
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["type"] == "https://emu.example.com/api/v1/problems/validation-error"
    assert body["title"] == "Invalid request"
    assert body["errors"] == {
        "to": ["“not a number” is not a valid phone number."],
        "body": ["This field may not be blank."],
    }


def test_a_problem_type_url_describes_the_problem(api):
    response = api.get("/api/v1/problems/idempotency-key-reused")
    assert response.status_code == 200
    assert response.json()["status"] == 422
    assert "different request" in response.json()["description"]
    assert_problem(api.get("/api/v1/problems/no-such-thing"), 404, "not-found")


def test_an_unknown_api_url_is_a_problem_not_an_html_page(api):
    assert_problem(api.get("/api/v1/nothing-here"), 404, "not-found")
    assert_problem(api.get("/api/v1/messages/abc"), 404, "not-found")


def test_an_unsupported_method_is_a_405_with_allow(api):
    response = api.put("/api/v1/messages", {}, format="json")
    assert_problem(response, 405, "method-not-allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_form_encoded_body_is_a_415(api):
    response = api.post("/api/v1/messages", {"to": "+14155550123", "body": "Hi"})
    assert_problem(response, 415, "unsupported-media-type")
    assert Message.objects.count() == 0


def test_broken_json_is_a_400(api):
    response = api.post("/api/v1/messages", '{"to": ', content_type="application/json")
    assert_problem(response, 400, "malformed-request")


def test_asking_for_html_is_a_406_in_json(api):
    response = api.get("/api/v1/opt-outs", HTTP_ACCEPT="text/html")
    assert_problem(response, 406, "not-acceptable")


def test_the_rate_limit_is_per_token_and_answers_429_with_retry_after(settings, api, other_api):
    settings.API_RATE_LIMIT = (3, 60)
    assert [api.get("/api/v1/opt-outs").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/v1/opt-outs")
    body = assert_problem(response, 429, "rate-limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "seconds" in body["detail"] or "second" in body["detail"]
    assert api.post("/api/v1/messages", {"to": "+14155550123", "body": "Hi"}, format="json").status_code == 429
    assert Message.objects.count() == 0
    assert other_api.get("/api/v1/opt-outs").status_code == 200  # Another token has its own budget.


def test_an_unexpected_error_is_a_500_problem_and_is_logged(api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views.messaging_selectors, "messages_for", broken)
    response = api.get("/api/v1/messages")
    body = assert_problem(response, 500, "server-error")
    assert "database on fire" not in body["detail"]
    assert "database on fire" in caplog.text


@pytest.mark.parametrize("path", ["/api/v1/messages", "/api/v1/opt-outs", "/api/v1/opt-out-events"])
def test_every_list_refuses_anonymous_callers_with_a_problem(db, client, path):
    assert_problem(client.get(path), 401, "not-authenticated")


def test_an_unknown_query_parameter_is_refused_rather_than_ignored(api, workspace):
    problem = assert_problem(
        api.get("/api/v1/opt-outs", {"updated_snce": "2026-01-01T00:00:00Z"}), 400, "validation-error"
    )
    assert "updated_since" in problem["errors"]["updated_snce"][0]
    assert "updated_snce" in api.get("/api/v1/messages/1", {"updated_snce": "x"}).json()["errors"]


def test_an_empty_filter_is_refused(api):
    problem = assert_problem(api.get("/api/v1/messages", {"status": ""}), 400, "validation-error")
    assert "status" in problem["errors"]
