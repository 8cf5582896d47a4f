from __future__ import annotations

from workspaces.models import Workspace

from .models import BulkSend, Message

# Plain words for each status, shown in the Messages help panel (SPEC §5).
STATUS_HELP = [
    ("queued", "Queued", "Accepted and waiting for a worker to hand it to the provider, usually seconds."),
    ("scheduled", "Scheduled", "Will be sent at the time you chose; checked against the opt-out list again then."),
    ("sending", "Sending", "Being handed to the provider right now."),
    ("sent", "Sent", "The provider accepted it for delivery."),
    ("delivered", "Delivered", "The carrier confirmed it reached the phone."),
    ("failed", "Failed", "It was not sent. The reason is shown beside it."),
    ("cancelled", "Cancelled", "Stopped before sending, e.g. because the number was opted out from its conversation."),
    ("received", "Received", "A text someone sent to one of your numbers."),
]
FAILURE_HELP = [
    ("opted_out", "Opted out", "this number is on your opt-out list, so emu.chat blocked the text."),
    ("invalid_number", "Invalid number", "the number can't receive texts or isn't a real number."),
    ("provider_error", "Provider error", "the SMS provider refused or could not be reached; its message is shown."),
    (
        "unconfirmed",
        "Unconfirmed",
        "the provider never answered, so the text may have been sent — check before resending. "
        "emu.chat never retries it; the provider's delivery receipt updates it when it arrives.",
    ),
]


def messages_for(workspace: Workspace, status: str = "", bulk_send: str = ""):
    # The page and the API show only the message's own columns: no joins.
    queryset = Message.objects.filter(workspace=workspace)
    if status in Message.Status.values:
        queryset = queryset.filter(status=status)
    if bulk_send.isdigit():
        queryset = queryset.filter(bulk_send_id=int(bulk_send))  # a recipient list of one of its bulk sends
    return queryset.order_by("-created_at", "-id")


def opted_out_contact_numbers(workspace: Workspace) -> set[str]:
    """Numbers of the workspace's contacts that are on the opt-out list, in one query."""
    from contacts.models import Contact
    from optouts.models import OptOut

    numbers = Contact.objects.filter(workspace=workspace).exclude(phone="").values("phone")
    return set(OptOut.objects.filter(workspace=workspace, phone__in=numbers).values_list("phone", flat=True))


def bulk_sends_for(workspace: Workspace):
    """The workspace's bulk sends, newest first (a non-member never gets here: workspace_view 404s)."""
    return BulkSend.objects.filter(workspace=workspace).select_related("requested_by").order_by("-created_at", "-id")
