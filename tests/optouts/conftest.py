"""Opt-out entries the service tests edit, remove and refuse (test_services.py, test_edit_and_remove.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from messaging.models import Message
from optouts import services
from optouts.models import Method, OptOut
from workspaces.models import Workspace


@pytest.fixture
def entry(workspace, member) -> OptOut:
    """Alice's manual opt-out of +1 415-555-0123."""
    return services.opt_out(
        workspace=workspace, phone="+14155550123", method=Method.MANUAL, reason="Asked at the till", actor=member
    )


@pytest.fixture
def text(workspace) -> Callable[..., Message]:
    """``text(direction, body)``: a text between +1 415-555-0123 and a workspace's number (``ours``)."""

    def make(direction: str, body: str, *, to_workspace: Workspace = workspace, ours: str = "+14155550100") -> Message:
        inbound = direction == "inbound"
        return Message.objects.create(
            workspace=to_workspace,
            direction=direction,
            from_phone="+14155550123" if inbound else ours,
            to_phone=ours if inbound else "+14155550123",
            body=body,
            status="received" if inbound else "sent",
        )

    return make


@pytest.fixture
def reply_entry(workspace, text) -> OptOut:
    """The opt-out +1 415-555-0123 made by texting STOP to the workspace's number."""
    return services.opt_out(
        workspace=workspace, phone="+14155550123", method="reply", reason="STOP", source_message=text("inbound", "STOP")
    )
