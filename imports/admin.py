"""Operators may look at imports; they are started and run from the pages or the command."""

from django.contrib import admin

from emuchat.admin import ReadOnlyAdmin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "status", "original_name", "added", "invalid", "workspace"]
    list_filter = ["status", "kind"]
