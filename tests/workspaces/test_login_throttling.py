"""Log-in throttling with django-axes (issue 12, item 6): locked per username *and* address."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD

ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.2"


@pytest.fixture(autouse=True)
def _axes_limit(settings):
    settings.AXES_FAILURE_LIMIT = 10


def _log_in(client: Client, password: str, username: str = "alice"):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_twenty_wrong_passwords_then_the_right_one_is_refused_from_that_address(member):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    statuses = [_log_in(attacker, f"wrong-{attempt}").status_code for attempt in range(20)]
    assert statuses[:9] == [200] * 9  # The form again, with its error.
    assert set(statuses[10:]) == {429}
    refused = _log_in(attacker, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed log-ins" in refused.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_the_same_user_still_logs_in_from_another_address(member):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for attempt in range(20):
        _log_in(attacker, f"wrong-{attempt}")
    alice = Client(REMOTE_ADDR=ELSEWHERE)
    response = _log_in(alice, PASSWORD)
    assert response.status_code == 302
    assert alice.session["_auth_user_id"] == str(member.pk)


def test_other_users_at_the_attackers_address_are_not_locked_out(member, teammate):
    office = Client(REMOTE_ADDR=ATTACKER)
    for attempt in range(20):
        _log_in(office, f"wrong-{attempt}")
    assert _log_in(Client(REMOTE_ADDR=ATTACKER), PASSWORD, username="bob").status_code == 302


def test_a_few_typos_do_not_lock_anyone_out(member):
    alice = Client(REMOTE_ADDR=ELSEWHERE)
    for attempt in range(3):
        assert _log_in(alice, f"typo-{attempt}").status_code == 200
    assert _log_in(alice, PASSWORD).status_code == 302


def test_behind_a_proxy_the_lockout_uses_the_forwarded_address(settings, member):
    settings.OPT_OUT_LINK_CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for attempt in range(12):
        proxy.post("/accounts/login/", {"username": "alice", "password": f"x{attempt}"}, HTTP_X_FORWARDED_FOR=ATTACKER)
    locked = proxy.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert locked.status_code == 429
    through_same_proxy = proxy.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=ELSEWHERE
    )
    assert through_same_proxy.status_code == 302
