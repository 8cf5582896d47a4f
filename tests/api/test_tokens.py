from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken

from .conftest import assert_problem

TOKENS_URL = "/w/acme/settings/api-tokens/"


def test_settings_page_links_to_api_tokens(member_client, workspace):
    page = member_client.get("/w/acme/settings/").content.decode()
    assert f'href="{TOKENS_URL}"' in page
    assert "API tokens" in page


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_hash(member_client, member, workspace):
    response = member_client.post(TOKENS_URL, {"name": "Shop CRM"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    token = ApiToken.objects.get(workspace=workspace)
    secret = page.split('id="api-token" class="mono" value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("emu_") and len(secret) > 40
    assert "shown only once" in page
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    assert (token.name, token.created_by) == ("Shop CRM", member)
    listing = member_client.get(TOKENS_URL).content.decode()
    assert "Shop CRM" in listing and f"{token.prefix}…" in listing
    assert secret not in listing


def test_the_new_token_works_at_once(member_client):
    page = member_client.post(TOKENS_URL, {"name": "Shop CRM"}).content.decode()
    secret = page.split('id="api-token" class="mono" value="', 1)[1].split('"', 1)[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/opt-outs").status_code == 200


def test_a_token_needs_a_name(member_client, workspace):
    response = member_client.post(TOKENS_URL, {"name": "  "})
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_last_used_time_is_shown_and_written_at_most_once_a_minute(api, token, member_client):
    assert "Never" in member_client.get(TOKENS_URL).content.decode()
    api.get("/api/v1/opt-outs")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None and timezone.now() - first_use < timedelta(seconds=5)
    api.get("/api/v1/opt-outs")
    token.refresh_from_db()
    assert token.last_used_at == first_use  # Within the minute: no second write.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    api.get("/api/v1/opt-outs")
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(seconds=5)
    assert "Never" not in member_client.get(TOKENS_URL).content.decode()


def test_a_used_token_costs_no_write_within_the_minute(api, token, django_assert_num_queries):
    api.get("/api/v1/opt-outs")
    # The token lookup, and the page of opt-outs: no UPDATE of last_used_at.
    with django_assert_num_queries(2):
        assert api.get("/api/v1/opt-outs").status_code == 200


def test_revoking_asks_for_confirmation_first(member_client, token):
    page = member_client.get(f"{TOKENS_URL}{token.pk}/revoke/").content.decode()
    assert "Revoke “Shop CRM”" in page
    assert "Revoke token" in page
    token.refresh_from_db()
    assert token.is_active


def test_a_revoked_token_gets_401(member_client, member, api, token):
    assert api.get("/api/v1/opt-outs").status_code == 200
    response = member_client.post(f"{TOKENS_URL}{token.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == member and token.revoked_at is not None
    problem = assert_problem(api.get("/api/v1/opt-outs"), 401, "invalid-token")
    assert "revoked" in problem["detail"]
    assert "Revoked" in member_client.get(TOKENS_URL).content.decode()


def test_revoking_twice_keeps_the_first_revocation(workspace, member, teammate, token):
    services.revoke_token(workspace=workspace, token=token, actor=member)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    services.revoke_token(workspace=workspace, token=token, actor=teammate)
    token.refresh_from_db()
    assert (token.revoked_at, token.revoked_by) == (first, member)


def test_an_outsider_cannot_see_or_revoke_our_tokens(outsider_client, token):
    assert outsider_client.get(TOKENS_URL).status_code == 404
    assert outsider_client.post(f"{TOKENS_URL}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_a_token_of_another_workspace_cannot_be_revoked_from_ours(member_client, other_workspace, outsider):
    theirs, _ = services.create_token(workspace=other_workspace, name="Globex CRM", actor=outsider)
    assert member_client.post(f"{TOKENS_URL}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_no_token_is_a_401_asking_for_bearer(db):
    response = APIClient().get("/api/v1/opt-outs")
    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer emu_" + "x" * 43)
    assert_problem(client.get("/api/v1/opt-outs"), 401, "invalid-token")


def test_a_malformed_authorization_header_is_a_401(token_secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_secret[1]} extra")
    assert_problem(client.get("/api/v1/opt-outs"), 401, "invalid-token")


def test_a_signed_in_member_without_a_token_gets_401(member_client):
    assert_problem(member_client.get("/api/v1/opt-outs"), 401, "not-authenticated")
