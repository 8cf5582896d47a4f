from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from imports.models import JobStatus


def default_rate_per_second() -> int:
    return settings.SMS_DEFAULT_RATE_PER_SECOND


class SenderNumber(models.Model):
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="sender_numbers")
    phone = models.CharField(max_length=20, unique=True, help_text="E.164; inbound texts to it belong here.")
    label = models.CharField(max_length=80, blank=True)
    # Set when adding the number pointed its webhooks at us through the Twilio API.
    provider_sid = models.CharField(max_length=64, blank=True)
    webhooks_set_at = models.DateTimeField(null=True, blank=True)
    rate_per_second = models.PositiveIntegerField(
        default=default_rate_per_second,
        validators=[MaxValueValidator(10_000)],
        help_text="Texts per second the carrier accepts from this number, held across all workers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.phone


class BulkSend(models.Model):
    """One bulk send (SPEC §13): its texts point here, and a background job creates them (issue 12).

    The request stores only the chosen group (``audience`` and ``criteria``);
    the job resolves it, then creates the texts in batches, each through the
    guard's set-based check. The job fields follow ``imports.jobs`` (claim,
    heartbeat, fencing by ``attempts``), so a crashed job is taken over and
    never texts a number twice: a batch skips numbers already in this send.
    """

    Status = JobStatus

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="bulk_sends")
    body = models.TextField()
    audience = models.CharField(max_length=10)
    # The group's definition: {"search": …} / {"numbers": …} / {"upload": …} / {"contacts": [ids]}.
    criteria = models.JSONField(default=dict, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    sender = models.ForeignKey(SenderNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Entries in the group: rows, lines, contacts.")
    processed = models.PositiveIntegerField(default=0, help_text="Entries turned into texts so far.")
    invalid = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="bulk_send_recent")]

    def __str__(self) -> str:
        return f"Bulk send #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.PENDING, JobStatus.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(99, self.processed * 100 // self.total)


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        RECEIVED = "received", "Received"

    class FailureReason(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out"
        INVALID_NUMBER = "invalid_number", "Invalid number"
        PROVIDER_ERROR = "provider_error", "Provider error"
        UNCONFIRMED = "unconfirmed", "Unconfirmed"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="messages")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    from_phone = models.CharField(max_length=20)
    to_phone = models.CharField(max_length=20)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices)
    failure_reason = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)
    error_message = models.TextField(blank=True, help_text="What the provider said, for provider errors.")
    provider_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    bulk_send = models.ForeignKey(
        BulkSend, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages", db_index=False
    )
    # Bulk and scheduled texts wait out the recipient's quiet hours; conversation replies never do.
    observes_quiet_hours = models.BooleanField(default=False)
    hold_note = models.CharField(max_length=200, blank=True, help_text="Why the text is waiting (quiet hours).")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Provider calls refused so far (retried only when the refusal proves it was not sent)."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="message_recent"),
            models.Index(fields=["workspace", "status", "-created_at"], name="message_status"),
            models.Index(fields=["workspace", "to_phone", "status"], name="message_pending_to"),
            models.Index(fields=["status", "scheduled_for"], name="message_due"),
            models.Index(fields=["bulk_send", "status"], name="message_bulk_send"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.to_phone} ({self.status})"

    @property
    def is_outbound(self) -> bool:
        return self.direction == self.Direction.OUTBOUND


class UnroutedMessage(models.Model):
    """A signed inbound text to a number that is no workspace's sender (SPEC §11).

    Kept so an operator can find it (a STOP to a pool number nobody registered
    is still a STOP); adding the number to a workspace later does not replay it.
    """

    to_phone = models.CharField(max_length=20)
    from_phone = models.CharField(max_length=20)
    body = models.TextField(blank=True)
    provider_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["to_phone", "-received_at"], name="unrouted_by_number")]

    def __str__(self) -> str:
        return f"{self.from_phone} → {self.to_phone} ({self.received_at:%Y-%m-%d %H:%M})"
