"""The pre-send guard: may this text go now? (SPEC §5). The whole rule is in this file.

The invariant
    No provider call for a number starts after an opt-out of that number has
    committed, and no text is handed to the provider twice.

It is kept at three moments:

1. **Creating a text** (``send_message``: ``is_blocked``; ``send_bulk``:
   ``blocked_among``, one set-based query for the whole list). A text to a
   number on the list is stored as failed / opted_out and never queued.
2. **Right before the provider call**, in the worker (``cleared_to_send``).
   Inside one transaction the worker takes the *shared* per-number advisory
   lock for every number of the batch (sorted, so lockers never deadlock),
   re-reads the list for all of them in one query per workspace, and starts
   the provider calls while it still holds the locks; the transaction commits
   only after every call has returned or timed out. Every writer of the list
   (``optouts.services``: opt-out, opt-in, edit, remove, import) takes the
   *exclusive* lock on the same key first (``optouts.locks``). Whichever comes
   second waits: either the worker sees the committed opt-out, or the writer
   waits until the call has started (and returned), so that call started
   before the opt-out existed. Shared locks let many texts, and many workers,
   send to one number at once; only writers serialise. Calls are bounded by
   ``SMS_PROVIDER_TIMEOUT``, which bounds how long a writer can wait.
3. **At most once.** A text is claimed ``queued → sending`` with a
   compare-and-swap before its lock is taken, and the claim commits before
   the call. A text found in ``sending`` later may have reached the provider:
   it becomes failed / ``unconfirmed``, never re-sent (``delivery.recover``).
   Only refusals that prove the provider did not take the text put it back
   to ``queued`` for a retry.

On SQLite (one developer's machine) there are no advisory locks; SQLite
serialises writers on the whole database instead.

Exemptions
    One kind of text may pass an opt-out: the single opt-out confirmation
    (and, the same way, a HELP answer). ``compliance`` owns those rows
    (``ConfirmationReply``) and sits above messaging in the layers, so it
    registers its exemption in ``hooks`` when it starts (``AppConfig.ready``):

    - ``reserve(exemption_id, workspace, phone, message_id) -> bool`` at
      creation: ties the unspent exemption to the one text being created;
    - ``consume(message_id) -> bool`` in the worker, under the same lock as
      the check: spends it, once, while its window is still open;
    - ``held_message_ids(workspace)``: texts holding a pass, which an opt-out
      does not cancel.

    Both are compare-and-swap updates, so an exemption lets exactly one text
    through, once, never late. With nothing registered, nothing is exempt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from optouts import services as optout_services
from optouts.locks import lock_pairs
from workspaces.models import Workspace

from . import hooks
from .models import Message

# --- 1. at creation ------------------------------------------------------------------


def is_blocked(*, workspace: Workspace, phone: str) -> bool:
    """Creation-time check for one text."""
    return optout_services.is_opted_out(workspace=workspace, phone=phone)


def blocked_among(*, workspace: Workspace, phones: Iterable[str]) -> set[str]:
    """Creation-time check for a bulk send: the numbers on the list, in set-based queries."""
    return optout_services.opted_out_among(workspace=workspace, phones=phones)


def reserve_exemption(*, exemption_id: int, workspace: Workspace, phone: str, message_id: int) -> bool:
    """Give a blocked text its exemption, if the owner of ``exemption_id`` agrees."""
    return hooks.guard_exemption.reserve(
        exemption_id=exemption_id, workspace=workspace, phone=phone, message_id=message_id
    )


# --- 2. right before the provider call ------------------------------------------------


def cleared_to_send(messages: list[Message]) -> tuple[list[Message], list[Message]]:
    """Lock every number of ``messages`` (shared) and split them into (may go now, blocked).

    Call inside ``transaction.atomic`` and make the provider calls for the
    first list *before* that transaction ends: the locks are what keep an
    opt-out from committing between this check and the call.
    """
    lock_pairs([(m.workspace_id, m.to_phone) for m in messages], shared=True)
    by_workspace: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_workspace[message.workspace_id].append(message)
    allowed: list[Message] = []
    blocked: list[Message] = []
    for group in by_workspace.values():
        on_list = blocked_among(workspace=group[0].workspace, phones=[m.to_phone for m in group])
        for message in group:
            if message.to_phone in on_list and not _consume_exemption(message):
                blocked.append(message)
            else:
                allowed.append(message)
    return allowed, blocked


def _consume_exemption(message: Message) -> bool:
    return hooks.guard_exemption.consume(message_id=message.pk)
