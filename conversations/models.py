from __future__ import annotations

from django.db import models


class Conversation(models.Model):
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="conversations")
    phone = models.CharField(max_length=20, help_text="The other party, E.164.")
    sender = models.ForeignKey(
        "messaging.SenderNumber", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The contact it was started with or matched on arrival; display still matches by phone.
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "phone"], name="unique_conversation_per_number")]
        indexes = [models.Index(fields=["workspace", "-last_message_at"], name="conversation_recent")]

    def __str__(self) -> str:
        return self.phone
