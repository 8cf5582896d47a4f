from __future__ import annotations

import yaml
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient


def test_the_schema_is_openapi_3_with_every_operation(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert operations == {
        ("/api/v1/messages", "get"),
        ("/api/v1/messages", "post"),
        ("/api/v1/messages/{id}", "get"),
        ("/api/v1/opt-outs", "get"),
        ("/api/v1/opt-outs", "post"),
        ("/api/v1/opt-outs/{phone}", "get"),
        ("/api/v1/opt-outs/{phone}", "delete"),
        ("/api/v1/opt-out-events", "get"),
        ("/api/v1/consents", "post"),
    }
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }


def test_the_schema_documents_problems_and_cursor_pagination(db):
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    send = schema["paths"]["/api/v1/messages"]["post"]
    assert set(send["responses"]) >= {"201", "400", "401", "422", "429"}
    assert list(send["responses"]["422"]["content"]) == ["application/problem+json"]
    assert [p["name"] for p in send["parameters"]] == ["Idempotency-Key"]
    listing = schema["paths"]["/api/v1/opt-outs"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"cursor", "limit", "method", "q", "updated_since"}
    add = schema["components"]["schemas"]["OptOutCreateRequest"]
    assert "method" not in add["properties"]


def test_the_docs_page_uses_vendored_assets_only(db):
    page = APIClient().get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
