from django.contrib import admin

from emuchat.admin import ReadOnlyAdmin

from .models import Message, SenderNumber, UnroutedMessage


@admin.register(SenderNumber)
class SenderNumberAdmin(admin.ModelAdmin):
    list_display = ["phone", "label", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["phone"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """Read-only for operators: messages change only through messaging.services."""

    list_display = ["created_at", "direction", "from_phone", "to_phone", "status", "failure_reason", "workspace"]
    list_filter = ["status", "direction", "failure_reason", "workspace"]
    search_fields = ["to_phone", "from_phone", "provider_sid"]
    raw_id_fields = ["conversation", "created_by"]


@admin.register(UnroutedMessage)
class UnroutedMessageAdmin(ReadOnlyAdmin):
    """Signed inbound texts to numbers no workspace has: find a lost STOP here."""

    list_display = ["received_at", "to_phone", "from_phone", "body", "provider_sid"]
    search_fields = ["to_phone", "from_phone", "body", "provider_sid"]
    date_hierarchy = "received_at"
