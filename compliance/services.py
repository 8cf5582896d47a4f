"""Writes for links, keyword settings, confirmation replies and the review queue."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from emuchat import phones
from messaging import services as messaging_services
from messaging.models import Message, SenderNumber
from optouts import services as optout_services
from optouts.keywords import contains_word
from optouts.locks import lock_numbers
from optouts.models import Method, OptOut, OptOutEvent
from workspaces.models import Workspace

from . import keywords
from .likely import likely_opt_out
from .models import (
    DEFAULT_CONFIRMATION,
    DEFAULT_HELP_REPLY,
    DEFAULT_JOIN_KEYWORD,
    MAX_CONFIRMATION_LENGTH,
    ComplianceSettings,
    ConfirmationReply,
    LikelyOptOut,
    OptOutLink,
)

log = logging.getLogger(__name__)

# The FCC lets a sender confirm an opt-out with one text within five minutes.
CONFIRMATION_WINDOW = timedelta(minutes=5)
# Carriers expect an answer to HELP; more than one a day to the same number is noise (or abuse).
HELP_REPLY_EVERY = timedelta(hours=24)
LINK_REASON = "Opted out via link"


# --- opt-out links ----------------------------------------------------------------


def opt_out_by_link(*, link: OptOutLink) -> bool:
    """Opt the link's number out with method Link. True if it was already on the list: then nothing is written."""
    try:
        optout_services.opt_out(
            workspace=link.workspace, phone=link.phone, method=Method.LINK, reason=LINK_REASON, reject_existing=True
        )
    except optout_services.AlreadyOptedOut:
        # Checked under the number's lock, so two presses at once still give one entry and one event.
        return True
    return False


# --- keyword settings and confirmation ------------------------------------------


def _clean_words(raw: Iterable[str], field: str) -> list[str]:
    cleaned: list[str] = []
    for item in raw:
        if not item.strip():
            continue
        try:
            cleaned.append(keywords.clean_word(item))
        except ValueError as error:
            raise ValidationError({field: str(error)}) from None
    return list(dict.fromkeys(cleaned))


def _check_conflicts(*, packs: list[str], custom_opt_out: list[str], custom_opt_in: list[str]) -> None:
    pack_words = keywords.keywords_from(packs=packs, custom_opt_out=(), custom_opt_in=())
    default_opt_out, default_opt_in = keywords.default_words("opt_out"), keywords.default_words("opt_in")
    opt_in_words = default_opt_in + pack_words.opt_in
    opt_out_words = default_opt_out + pack_words.opt_out
    for word in custom_opt_out:
        if word in default_opt_out:
            raise ValidationError({"custom_opt_out": f"{word} is a default opt-out keyword: it is always on."})
        clash = keywords.conflict(word, opt_in_words + tuple(custom_opt_in))
        if clash:
            raise ValidationError(
                {"custom_opt_out": f"“{word}” can't be an opt-out keyword: {clash} is an opt-in word."}
            )
    for word in custom_opt_in:
        if word in default_opt_in:
            raise ValidationError({"custom_opt_in": f"{word} is a default opt-in keyword: it is always on."})
        clash = keywords.conflict(word, opt_out_words)
        if clash:
            raise ValidationError(
                {"custom_opt_in": f"“{word}” can't be an opt-in keyword: {clash} is an opt-out word."}
            )


def update_settings(
    *,
    workspace: Workspace,
    packs: Iterable[str],
    custom_opt_out: Iterable[str],
    custom_opt_in: Iterable[str],
    confirmation_enabled: bool,
    confirmation_template: str,
    help_reply: str | None = None,
    double_opt_in_enabled: bool | None = None,
    join_keyword: str | None = None,
    actor=None,
) -> ComplianceSettings:
    """Save the workspace's keyword packs, own keywords and confirmation reply.

    A keyword that is also a word of the other kind (or starts with one) is
    refused, so no text can both opt out and opt in.
    """
    packs = list(dict.fromkeys(packs))
    unknown = [pack for pack in packs if pack not in keywords.PACKS_BY_ID]
    if unknown:
        raise ValidationError({"packs": f"Unknown keyword pack: {', '.join(unknown)}."})
    opt_out_words = _clean_words(custom_opt_out, "custom_opt_out")
    opt_in_words = _clean_words(custom_opt_in, "custom_opt_in")
    _check_conflicts(packs=packs, custom_opt_out=opt_out_words, custom_opt_in=opt_in_words)
    template = (confirmation_template or "").strip() or DEFAULT_CONFIRMATION
    if len(template) > MAX_CONFIRMATION_LENGTH:
        raise ValidationError(
            {"confirmation_template": f"Keep the confirmation under {MAX_CONFIRMATION_LENGTH} characters."}
        )
    help_text = _clean_help_reply(help_reply)
    join_word = _clean_join_keyword(join_keyword, opt_out_words=opt_out_words, opt_in_words=opt_in_words, packs=packs)
    with transaction.atomic():
        found, _ = ComplianceSettings.objects.select_for_update().get_or_create(workspace=workspace)
        found.packs, found.custom_opt_out, found.custom_opt_in = packs, opt_out_words, opt_in_words
        found.confirmation_enabled, found.confirmation_template = confirmation_enabled, template
        if help_text is not None:
            found.help_reply = help_text
        if double_opt_in_enabled is not None:
            found.double_opt_in_enabled = double_opt_in_enabled
        if join_word is not None:
            found.join_keyword = join_word
        found.updated_by = actor
        found.save()
    return found


def _clean_help_reply(help_reply: str | None) -> str | None:
    if help_reply is None:
        return None  # Not on the form that called us: keep what is saved.
    text = help_reply.strip() or DEFAULT_HELP_REPLY
    if len(text) > MAX_CONFIRMATION_LENGTH:
        raise ValidationError({"help_reply": f"Keep the HELP reply under {MAX_CONFIRMATION_LENGTH} characters."})
    if not contains_word(text, ["STOP"]):
        raise ValidationError({"help_reply": "Say how to opt out in the HELP reply, e.g. “Reply STOP to opt out”."})
    return text


# Words the join keyword can't be: the answer to its own prompt, and the words that already mean something.
_NOT_JOIN_WORDS = ("Y", "YES", "HELP", "INFO")


def _clean_join_keyword(
    join_keyword: str | None, *, opt_out_words: list[str], opt_in_words: list[str], packs: list[str]
) -> str | None:
    if join_keyword is None:
        return None  # Not on the form that called us: keep what is saved.
    if not join_keyword.strip():
        return DEFAULT_JOIN_KEYWORD
    try:
        word = keywords.clean_word(join_keyword)
    except ValueError as error:
        raise ValidationError({"join_keyword": str(error)}) from None
    pack_words = keywords.keywords_from(packs=packs, custom_opt_out=(), custom_opt_in=())
    taken = (
        keywords.default_words("opt_out") + pack_words.opt_out + tuple(opt_out_words) + keywords.default_words("opt_in")
    )
    clash = keywords.conflict(word, taken)
    if clash:
        raise ValidationError({"join_keyword": f"“{word}” can't be the join keyword: {clash} is already a keyword."})
    if word in _NOT_JOIN_WORDS:
        raise ValidationError({"join_keyword": f"“{word}” can't be the join keyword: it answers or asks for help."})
    if word in opt_in_words:
        raise ValidationError(
            {"join_keyword": f"“{word}” is one of your opt-in keywords; with double opt-in it must be its own word."}
        )
    return word


def confirmation_text(workspace: Workspace, template: str) -> str:
    # Plain replace, not str.format: the template is member-written.
    return template.replace("{workspace}", workspace.name)


def send_confirmation(*, message: Message, optout: OptOut, found: ComplianceSettings | None) -> Message | None:
    """After a reply opt-out: the one confirmation text, if the workspace turned it on.

    Only a *new* opt-out by this very message gets one, so a second STOP gets
    none. Called inside the inbound transaction, which holds the number's
    lock, so the exemption and the guard check at creation see the same list.
    ``found`` is the workspace's settings row as the caller read it (None: never saved).
    """
    if optout.source_message_id != message.pk:
        return None  # Already opted out before this message.
    workspace = message.workspace
    if found is None or not found.confirmation_enabled:
        return None
    event = (
        OptOutEvent.objects.filter(
            workspace=workspace,
            phone=optout.phone,
            action=OptOutEvent.Action.OPTED_OUT,
            details__message_id=message.pk,
        )
        .order_by("-id")
        .first()
    )
    if event is None:
        return None
    exemption = ConfirmationReply.objects.create(
        workspace=workspace,
        phone=optout.phone,
        kind=ConfirmationReply.Kind.CONFIRMATION,
        optout_event=event,
        inbound_message=message,
        expires_at=event.at + CONFIRMATION_WINDOW,
    )
    sender = SenderNumber.objects.filter(workspace=workspace, phone=message.to_phone).first()
    try:
        with transaction.atomic():
            return messaging_services.send_message(
                workspace=workspace,
                to=optout.phone,
                body=confirmation_text(workspace, found.confirmation_template),
                sender=sender,
                guard_exemption=exemption.pk,
            )
    except ValidationError as error:
        # Never let the confirmation undo the opt-out it confirms.
        log.warning("Opt-out confirmation to %s not sent: %s", optout.phone, error)
        ConfirmationReply.objects.filter(pk=exemption.pk).update(status=ConfirmationReply.Status.FAILED)
        return None


def send_help_reply(*, message: Message) -> Message | None:
    """Answer HELP / INFO with the workspace's help text: once per number per 24 hours, even if opted out.

    Carriers require the answer even to an opted-out number, so it carries a
    one-time guard exemption like the opt-out confirmation. The number's lock
    makes two HELPs arriving at once get one answer.
    """
    workspace = message.workspace
    phone = message.from_phone
    now = timezone.now()
    lock_numbers(workspace.id, [phone])
    recent = ConfirmationReply.objects.filter(
        workspace=workspace, phone=phone, kind=ConfirmationReply.Kind.HELP, created_at__gt=now - HELP_REPLY_EVERY
    )
    if recent.exists():
        return None
    found = ComplianceSettings.objects.filter(workspace=workspace).first()
    template = found.help_reply if found is not None and found.help_reply else DEFAULT_HELP_REPLY
    exemption = ConfirmationReply.objects.create(
        workspace=workspace,
        phone=phone,
        kind=ConfirmationReply.Kind.HELP,
        inbound_message=message,
        expires_at=now + CONFIRMATION_WINDOW,
    )
    sender = SenderNumber.objects.filter(workspace=workspace, phone=message.to_phone).first()
    try:
        with transaction.atomic():
            reply = messaging_services.send_message(
                workspace=workspace,
                to=phone,
                body=confirmation_text(workspace, template),
                sender=sender,
                guard_exemption=exemption.pk,
            )
            # Not opted out now, so send_message did not need the pass: bind it anyway, so a STOP
            # arriving before delivery neither cancels this reply nor blocks it (SPEC §6).
            ConfirmationReply.objects.filter(
                pk=exemption.pk, status=ConfirmationReply.Status.PENDING, message__isnull=True
            ).update(status=ConfirmationReply.Status.RESERVED, message_id=reply.pk)
            return reply
    except ValidationError as error:
        log.warning("HELP reply to %s not sent: %s", phone, error)
        ConfirmationReply.objects.filter(pk=exemption.pk).update(status=ConfirmationReply.Status.FAILED)
        return None


# --- likely opt-outs ---------------------------------------------------------------


def flag_if_likely(*, message: Message, extra_opt_out: Iterable[str] = ()) -> LikelyOptOut | None:
    """Put an inbound text that reads like "stop texting me" in the review queue. Never opts out."""
    rule = likely_opt_out(message.body, extra_opt_out=extra_opt_out)
    if rule is None:
        return None
    phone, _ = phones.parse(message.from_phone, "")
    if phone is None or optout_services.is_opted_out(workspace=message.workspace, phone=phone):
        return None
    flag, _ = LikelyOptOut.objects.get_or_create(
        message=message, defaults={"workspace": message.workspace, "phone": phone, "rule": rule.name}
    )
    return flag


def decide(*, workspace: Workspace, flag: LikelyOptOut, decision: str, actor) -> LikelyOptOut:
    """A member's one-click answer to a flag: opt the number out (Manual, the text as reason) or dismiss.

    The decision is claimed with a compare-and-swap, so two members clicking
    at once record one decision and at most one opt-out.
    """
    if flag.workspace_id != workspace.id:
        raise ValidationError("This message belongs to another workspace.")
    if decision not in (LikelyOptOut.Status.OPTED_OUT, LikelyOptOut.Status.DISMISSED):
        raise ValidationError("Choose Opt out or Dismiss.")
    now = timezone.now()
    with transaction.atomic():
        claimed = LikelyOptOut.objects.filter(pk=flag.pk, status=LikelyOptOut.Status.PENDING).update(
            status=decision, decided_by=actor, decided_at=now
        )
        if not claimed:
            flag.refresh_from_db()
            who = flag.decided_by.get_username() if flag.decided_by else "someone"
            raise ValidationError(f"Already decided by {who}: {flag.get_status_display().lower()}.")
        if decision == LikelyOptOut.Status.OPTED_OUT:
            optout_services.opt_out(
                workspace=workspace,
                phone=flag.phone,
                method=Method.MANUAL,
                reason=flag.message.body,
                actor=actor,
            )
    flag.refresh_from_db()
    return flag
