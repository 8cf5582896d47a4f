"""Operators may look; links, exemptions and decisions change only through compliance.services."""

from django.contrib import admin

from emuchat.admin import ReadOnlyAdmin

from .models import ComplianceSettings, ConfirmationReply, LikelyOptOut, OptOutLink


@admin.register(OptOutLink)
class OptOutLinkAdmin(ReadOnlyAdmin):
    list_display = ["phone", "code", "created_at", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["phone", "code"]


@admin.register(ComplianceSettings)
class ComplianceSettingsAdmin(ReadOnlyAdmin):
    list_display = ["workspace", "packs", "confirmation_enabled", "updated_at", "updated_by"]


@admin.register(ConfirmationReply)
class ConfirmationReplyAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "phone", "status", "expires_at", "used_at", "workspace"]
    list_filter = ["kind", "status", "workspace"]
    raw_id_fields = ["optout_event", "inbound_message", "message"]


@admin.register(LikelyOptOut)
class LikelyOptOutAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "phone", "rule", "status", "decided_by", "decided_at", "workspace"]
    list_filter = ["status", "rule", "workspace"]
    raw_id_fields = ["message"]
