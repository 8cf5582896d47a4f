"""``POST /api/v1/messages`` statement count (issue #15), pinned with its outcome."""

from __future__ import annotations

import pytest

from messaging.models import Message

pytestmark = pytest.mark.usefixtures("postgres")

# The token (with its workspace), its last-used time (at most once a minute), the default number,
# BEGIN, the conversation upserted, the opt-out check, the text inserted, COMMIT.
SEND_STATEMENTS = 8


def test_sending_through_the_api_takes_at_most_eight_statements(api, workspace, django_assert_max_num_queries):
    with django_assert_max_num_queries(SEND_STATEMENTS):
        response = api.post("/api/v1/messages", {"to": "(415) 555-0123", "body": "Your order is ready"}, format="json")
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.to_phone, message.body, message.status) == ("+14155550123", "Your order is ready", "queued")
