"""schemathesis against the published schema, in-process over WSGI, authenticated with a real token.

Each operation is one test with a bounded, derandomized run (fuzzing capped at
25 examples), and every response must be documented: status code, content
type, body schema and headers. No 5xx.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.models import ApiToken
from api.services import hash_token
from messaging import services as messaging_services
from optouts import services as optout_services
from optouts.models import Method

# Loaded when the module is collected: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
# Some cases are built while collecting, before any test database exists, so
# the secret is fixed here and each test stores a real token row with its hash.
SECRET = "emu_schemathesis-" + "0" * 32


@schema.auth()
class RealToken:
    """schemathesis leaves it off by itself when it tests a missing Authorization."""

    def get(self, case, context):
        return SECRET

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(autouse=True)
def _in_process(settings, workspace, member):
    settings.ALLOWED_HOSTS = ["*"]
    ApiToken.objects.create(
        workspace=workspace, name="schemathesis", prefix=SECRET[:12], key_hash=hash_token(SECRET), created_by=member
    )
    # Data for the read endpoints to return, so response bodies are really validated.
    optout_services.opt_out(workspace=workspace, phone="+14155550101", method=Method.MANUAL, reason="asked")
    messaging_services.send_message(workspace=workspace, to="+14155550123", body="Hello")
    # Like Django's test client: keep the test transaction's connection across in-process requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_api_keeps_to_its_schema(case):
    # Whether a string is a real phone number can't be said in JSON Schema, so a
    # schema-valid "to" may rightly get 400: the positive-acceptance check doesn't apply.
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    if not case.operation.schema.is_security_param_negated(case):
        assert response.status_code != 401, "the real token was not sent"
