"""What an inbound text does to the opt-out list (SPEC §4).

Registered as messaging's inbound handler (compliance/apps.py): messaging
stores the text and calls :func:`apply_keyword` inside the same transaction,
so the text and its opt-out commit together before the webhook answers.
"""

from __future__ import annotations

import logging

from emuchat import phones
from messaging.models import Message
from optouts import keywords
from optouts import services as optout_services
from optouts.models import Method

from . import double_opt_in, selectors, services

log = logging.getLogger(__name__)

# Twilio's OptOutType values (Advanced Opt-Out), trusted only because the request is signed.
_VERDICTS = {"STOP": "opt_out", "START": "opt_in"}


def apply_keyword(message: Message, *, opt_out_type: str = "") -> str | None:
    """Act on STOP / SUBSCRIBE, the carrier words, the workspace's keywords, HELP and the provider's verdict.

    Returns ``"opt_out"``, ``"opt_in"``, ``"help"``, ``"join"`` / ``"confirmed"`` (double opt-in) or None.
    """
    # One read of the settings serves the keywords and the confirmation (issue #15).
    found = selectors.settings_row(message.workspace)
    extra = selectors.keywords_of(found)
    result = _VERDICTS.get(opt_out_type) or keywords.match_keyword(
        message.body, extra_opt_out=extra.opt_out, extra_opt_in=extra.opt_in
    )
    if result is None and (opt_out_type == "HELP" or keywords.is_help_request(message.body)):
        result = "help"
    if result is not None and phones.parse(message.from_phone, "")[0] is None:
        log.warning("Keyword from %s (not a phone number) not applied", message.from_phone)
        return None
    if result != "opt_out" and (step := double_opt_in.handle(message, found)) is not None:
        return step  # Opt-out words always win; a join or its Y is neither opt-in nor review material.
    if result == "opt_out":
        optout = optout_services.opt_out(
            workspace=message.workspace,
            phone=message.from_phone,
            method=Method.REPLY,
            reason=message.body,
            source_message=message,
            event_details={"provider_verdict": opt_out_type} if opt_out_type in _VERDICTS else None,
        )
        services.send_confirmation(message=message, optout=optout, found=found)
    elif result == "opt_in":
        optout_services.opt_in(
            workspace=message.workspace,
            phone=message.from_phone,
            method=Method.REPLY,
            message_id=message.pk,
            message=message.body,
            **({"provider_verdict": opt_out_type} if opt_out_type in _VERDICTS else {}),
        )
        double_opt_in.record_reply_consent(message, provider_verdict=opt_out_type)
    elif result == "help":
        services.send_help_reply(message=message)
    else:
        services.flag_if_likely(message=message, extra_opt_out=extra.opt_out)
    return result
