"""Double opt-in (SPEC §13): the join keyword gets "Reply Y to confirm"; Y within 24 hours is consent.

Called from compliance/inbound.py for every inbound text that is not an
opt-out (opt-out words always win), inside the inbound transaction. Off by
default (``ComplianceSettings.double_opt_in_enabled``). An unconfirmed join
records nothing; a Y with no open join is an ordinary text.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from emuchat import phones
from messaging import services as messaging_services
from messaging.models import Message, SenderNumber
from optouts import services as optout_services
from optouts.keywords import whole_message
from optouts.locks import lock_numbers
from optouts.models import Consent
from workspaces.models import Workspace

from .models import ComplianceSettings, JoinRequest

log = logging.getLogger(__name__)

CONFIRM_WINDOW = timedelta(hours=24)
CONFIRM_WORDS = frozenset({"y", "yes"})
# Two bots answering each other must not ping-pong prompts: one prompt per number per ten minutes.
PROMPT_EVERY = timedelta(minutes=10)
PROMPT = "{workspace}: reply Y to confirm you want texts from us. Msg & data rates may apply. Reply STOP to opt out."
MAX_KEYWORD_LENGTH = 30


def prompt_text(workspace: Workspace) -> str:
    """The wording a join gets, and the wording the person agrees to by answering Y."""
    return PROMPT.replace("{workspace}", workspace.name)


def handle(message: Message, found: ComplianceSettings | None) -> str | None:
    """``"join"`` when the text was the join keyword, ``"confirmed"`` when it confirmed one, else None.

    ``found`` is the workspace's settings row the inbound path already read (None: never saved).
    """
    if found is None or not found.double_opt_in_enabled:
        return None
    phrase = whole_message(message.body)
    if not phrase or len(phrase) > MAX_KEYWORD_LENGTH:
        return None
    join_keyword = found.join_keyword
    phone = phones.parse(message.from_phone, "")[0]
    if phone is None:
        return None
    if phrase == whole_message(join_keyword):
        return "join" if _join(message, phone) else None
    if phrase in CONFIRM_WORDS:
        return "confirmed" if _confirm(message, phone) else None
    return None


def _join(message: Message, phone: str) -> bool:
    workspace = message.workspace
    now = timezone.now()
    lock_numbers(workspace.id, [phone])
    if optout_services.is_opted_out(workspace=workspace, phone=phone):
        # The guard blocks every text to it, the prompt too: SUBSCRIBE / START opts back in.
        log.info("Join keyword from opted-out %s: no prompt", phone)
        return False
    recent = JoinRequest.objects.filter(workspace=workspace, phone=phone, created_at__gt=now - PROMPT_EVERY)
    if recent.exists():
        return True
    text = prompt_text(workspace)
    sender = SenderNumber.objects.filter(workspace=workspace, phone=message.to_phone).first()
    try:
        prompt = messaging_services.send_message(workspace=workspace, to=phone, body=text, sender=sender)
    except ValidationError as error:
        log.warning("Double opt-in prompt to %s not sent: %s", phone, error)
        return False
    if prompt.status == Message.Status.FAILED:
        return False
    JoinRequest.objects.create(
        workspace=workspace,
        phone=phone,
        join_message=message,
        prompt_message=prompt,
        prompt_text=text,
        expires_at=message.created_at + CONFIRM_WINDOW,
    )
    return True


def _confirm(message: Message, phone: str) -> bool:
    workspace = message.workspace
    lock_numbers(workspace.id, [phone])
    join = (
        JoinRequest.objects.filter(
            workspace=workspace,
            phone=phone,
            status=JoinRequest.Status.PENDING,
            expires_at__gt=timezone.now(),
            created_at__lte=message.created_at,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if join is None:
        return False
    if optout_services.is_opted_out(workspace=workspace, phone=phone):
        # No prompt goes to an opted-out number, so this one opted out after its prompt: STOP wins.
        return False
    # A compare-and-swap: a Y delivered twice confirms once.
    if not JoinRequest.objects.filter(pk=join.pk, status=JoinRequest.Status.PENDING).update(
        status=JoinRequest.Status.CONFIRMED, confirm_message=message
    ):
        return False
    consent = optout_services.record_consent(
        workspace=workspace,
        phone=phone,
        method=Consent.Method.REPLY,
        text=join.prompt_text,
        source={
            "double_opt_in": True,
            "join_message_id": join.join_message_id,
            "join_text": join.join_message.body,
            "prompt_message_id": join.prompt_message_id,
            "confirm_message_id": message.pk,
            "confirm_text": message.body,
        },
    )
    JoinRequest.objects.filter(pk=join.pk).update(consent=consent)
    return True


def record_reply_consent(message: Message, *, provider_verdict: str = "") -> Consent:
    """A SUBSCRIBE / START reply is consent in the person's own words (SPEC §13); the message is the source."""
    source = {"message_id": message.pk}
    if provider_verdict:
        source["provider_verdict"] = provider_verdict
    return optout_services.record_consent(
        workspace=message.workspace,
        phone=message.from_phone,
        method=Consent.Method.REPLY,
        text=message.body or provider_verdict,
        source=source,
    )
