"""Opt-out links, keyword settings, the confirmation-reply exemption and the review queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models

DEFAULT_CONFIRMATION = "You have been unsubscribed from {workspace}. Reply SUBSCRIBE to receive messages again."
MAX_CONFIRMATION_LENGTH = 320
# Carriers require a HELP answer to name the sender and say how to opt out.
DEFAULT_HELP_REPLY = "{workspace}: reply to this number to reach us. Reply STOP to opt out."
DEFAULT_JOIN_KEYWORD = "JOIN"


class OptOutLink(models.Model):
    """The one random code that opts ``phone`` out of ``workspace`` (SPEC §10)."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="optout_links")
    phone = models.CharField(max_length=20, help_text="E.164.")
    code = models.CharField(max_length=24, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "phone"], name="unique_optout_link_per_number")]

    def __str__(self) -> str:
        return f"{self.phone} ({self.code})"


class ComplianceSettings(models.Model):
    """A workspace's keyword packs, its own keywords and the confirmation reply. No row = defaults."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="compliance_settings"
    )
    packs = models.JSONField(default=list, blank=True, help_text="Enabled pack ids (compliance/keywords/packs.py).")
    custom_opt_out = models.JSONField(default=list, blank=True)
    custom_opt_in = models.JSONField(default=list, blank=True)
    confirmation_enabled = models.BooleanField(default=False)
    confirmation_template = models.TextField(default=DEFAULT_CONFIRMATION)
    help_reply = models.TextField(default=DEFAULT_HELP_REPLY, help_text="The answer to HELP and INFO.")
    # Double opt-in (SPEC §13): the join keyword gets "Reply Y to confirm"; Y within 24 hours is consent.
    double_opt_in_enabled = models.BooleanField(default=False)
    join_keyword = models.CharField(max_length=30, default=DEFAULT_JOIN_KEYWORD)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "compliance settings"

    def __str__(self) -> str:
        return f"Compliance settings of {self.workspace_id}"


class ConfirmationReply(models.Model):
    """A one-time pass through the pre-send guard for one automatic reply.

    Kind ``confirmation``: the single opt-out confirmation, created with the
    reply opt-out it answers (one per OptOutEvent). Kind ``help``: the answer
    to HELP / INFO, which carriers require even to an opted-out number; its
    rows are also the record that keeps it to one per number per 24 hours.
    Reserved by exactly one outbound message when that message is created,
    and used by the worker right before the provider call. Every step is a
    compare-and-swap on ``status`` and checks ``expires_at``, so it can be
    spent once and never late.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Opt-out confirmation"
        HELP = "help", "HELP reply"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for its message"
        RESERVED = "reserved", "Reserved by its message"
        USED = "used", "Sent past the guard"
        FAILED = "failed", "Could not be sent"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CONFIRMATION)
    optout_event = models.OneToOneField(
        "optouts.OptOutEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    inbound_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.OneToOneField(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="guard_exemption"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "phone", "kind", "-created_at"], name="auto_reply_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.phone} ({self.status})"


class LikelyOptOut(models.Model):
    """An inbound text that matched no keyword but reads like a request to stop: a member decides."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        OPTED_OUT = "opted_out", "Opted out"
        DISMISSED = "dismissed", "Dismissed"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="likely_optouts")
    message = models.OneToOneField("messaging.Message", on_delete=models.CASCADE, related_name="likely_optout")
    phone = models.CharField(max_length=20)
    rule = models.CharField(max_length=40, help_text="Which detector rule flagged it (compliance/likely.py).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status", "-created_at"], name="likely_optout_queue")]

    def __str__(self) -> str:
        return f"{self.phone}: {self.rule} ({self.status})"


class JoinRequest(models.Model):
    """A text of the join keyword, answered with "Reply Y to confirm": consent once Y comes back in time.

    Unconfirmed, it is no consent at all; it only lets the next Y within the
    window be read as the answer rather than as an ordinary text.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for Y"
        CONFIRMED = "confirmed", "Confirmed"

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    join_message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")
    prompt_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompt_text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirm_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent = models.OneToOneField(
        "optouts.Consent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "phone", "status", "-expires_at"], name="join_request_open")]

    def __str__(self) -> str:
        return f"Join of {self.phone} ({self.status})"
