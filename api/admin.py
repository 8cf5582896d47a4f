"""Operators may look at tokens (never their secrets, which are not stored); members revoke them."""

from django.contrib import admin

from emuchat.admin import ReadOnlyAdmin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "workspace", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "prefix"]
    exclude = ["key_hash"]
