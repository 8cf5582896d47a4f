"""Operators may look; every change to the list goes through the pages or services."""

from django.contrib import admin

from emuchat.admin import ReadOnlyAdmin

from .models import Consent, EvidenceDownload, ExportJob, OptOut, OptOutEvent


@admin.register(OptOut)
class OptOutAdmin(ReadOnlyAdmin):
    list_display = ["phone", "method", "reason", "created_at", "created_by", "workspace"]
    list_filter = ["method", "workspace"]
    search_fields = ["phone"]


@admin.register(OptOutEvent)
class OptOutEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "phone", "action", "method", "actor", "workspace"]
    list_filter = ["action", "method", "workspace"]
    search_fields = ["phone"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "status", "processed_rows", "expires_at", "workspace"]
    list_filter = ["status"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "phone", "method", "created_by", "workspace"]
    list_filter = ["method", "workspace"]
    search_fields = ["phone"]


@admin.register(EvidenceDownload)
class EvidenceDownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "phone", "downloaded_by", "workspace"]
    search_fields = ["phone"]
