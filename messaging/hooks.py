"""Extension points that apps above messaging fill in when Django starts.

messaging never imports compliance (the layers in STYLE.md): compliance
registers what messaging needs from it in ``ComplianceConfig.ready()``:

- the **inbound handler**, which acts on the keywords of every inbound text
  (``compliance.inbound.apply_keyword``), inside ``receive_message``'s
  transaction;
- the **body personaliser**, which expands ``{opt_out_link}`` per recipient;
- the **guard exemption**, the one-time pass for the opt-out confirmation and
  the HELP reply (``send_message(guard_exemption=...)``).

Only one of each; registering again replaces it (tests may swap one in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from workspaces.models import Workspace

    from .models import Message


class InboundHandler(Protocol):
    def __call__(self, message: Message, *, opt_out_type: str = "") -> object: ...


class BodyPersonaliser(Protocol):
    def preview(self, body: str) -> str:
        """``body`` as long as it will be once personalised, to check its length before any write."""

    def personalise(self, *, workspace: Workspace, body: str, phones: list[str]) -> dict[str, str] | None:
        """Each number's own body, or None when ``body`` has nothing to personalise."""


class GuardExemption(Protocol):
    def reserve(self, *, exemption_id: int, workspace: Workspace, phone: str, message_id: int) -> bool: ...

    def consume(self, *, message_id: int) -> bool: ...

    def held_message_ids(self, *, workspace: Workspace) -> Iterable[int]:
        """Messages holding a pass right now (a queryset of ids is fine): an opt-out does not cancel them."""


class _PlainBodies:
    def preview(self, body: str) -> str:
        return body

    def personalise(self, *, workspace: Workspace, body: str, phones: list[str]) -> dict[str, str] | None:
        return None


class _NoExemptions:
    def reserve(self, *, exemption_id: int, workspace: Workspace, phone: str, message_id: int) -> bool:
        return False

    def consume(self, *, message_id: int) -> bool:
        return False

    def held_message_ids(self, *, workspace: Workspace) -> Iterable[int]:
        return ()


_inbound_handler: InboundHandler | None = None
body_personaliser: BodyPersonaliser = _PlainBodies()
guard_exemption: GuardExemption = _NoExemptions()


def register_inbound_handler(handler: InboundHandler) -> None:
    global _inbound_handler
    _inbound_handler = handler


def register_body_personaliser(personaliser: BodyPersonaliser) -> None:
    global body_personaliser
    body_personaliser = personaliser


def register_guard_exemption(exemption: GuardExemption) -> None:
    global guard_exemption
    guard_exemption = exemption


def inbound_handler() -> Callable[..., object]:
    # No handler would mean STOP replies stored and never acted on: fail loudly instead.
    if _inbound_handler is None:
        raise ImproperlyConfigured("No inbound keyword handler is registered: is 'compliance' in INSTALLED_APPS?")
    return _inbound_handler
