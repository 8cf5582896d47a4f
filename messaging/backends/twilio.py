from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from workspaces.models import Workspace

from . import BaseSmsBackend, OutgoingSms, ProviderError


def credentials_for(workspace: Workspace) -> tuple[str, str]:
    """A workspace's own Twilio account, or the one in settings."""
    if workspace.twilio_account_sid and workspace.twilio_auth_token:
        return workspace.twilio_account_sid, workspace.twilio_auth_token
    return settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN


class SmsBackend(BaseSmsBackend):
    def send(self, sms: OutgoingSms) -> str:
        workspace = Workspace.objects.get(pk=sms.workspace_id)
        account_sid, auth_token = credentials_for(workspace)
        if not (account_sid and auth_token):
            raise ProviderError("Twilio credentials are not configured for this workspace.")
        client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=settings.SMS_PROVIDER_TIMEOUT))
        try:
            result = client.messages.create(
                to=sms.to,
                from_=sms.from_phone,
                body=sms.body,
                status_callback=settings.SITE_URL + reverse("webhooks:twilio_status"),
            )
        except TwilioRestException as exc:
            raise ProviderError(exc.msg or str(exc), code=exc.code) from exc
        return result.sid
