"""An invitation email goes through Redis and a real Celery worker, after the commit."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from tests.conftest import make_user
from tests.support import file_email_backend
from workspaces.models import Invitation, Membership

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch, tmp_path, request):
    monkeypatch.setenv("TEST_EMAIL_DIR", str(tmp_path / "mail"))
    return request.getfixturevalue("celery_worker")


def test_an_invitation_is_emailed_by_the_worker_and_its_link_joins(worker, workspace, member, client):
    client.force_login(member)
    response = client.post("/w/acme/settings/members/invite/", {"email": "dana@example.com", "role": "member"})
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while not file_email_backend.read() and time.monotonic() < deadline:
        time.sleep(0.2)
    [email] = file_email_backend.read()
    assert email["to"] == ["dana@example.com"]
    assert Invitation.objects.get().email_status == "sent"
    link = email["body"].split("https://emu.example.com", 1)[1].split()[0]
    invitee = Client()
    invitee.force_login(make_user("dana", "Dana"))
    assert invitee.get(link).status_code == 302
    assert Membership.objects.filter(workspace=workspace, user__username="dana").exists()
