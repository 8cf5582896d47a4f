from django.contrib import admin

from .models import Conversation


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["phone", "workspace", "contact", "last_message_at"]
    list_filter = ["workspace"]
    search_fields = ["phone"]
    raw_id_fields = ["contact", "sender"]
