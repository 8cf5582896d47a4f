"""Cursor pagination: stable under inserts, and no COUNT(*) over a million rows."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 100
    max_page_size = 500
    page_size_query_param = "limit"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # Strict, unlike DRF's default: a typo should not silently become 100.
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            # A mangled cursor is bad input (400), not a missing resource.
            raise ValidationError({self.cursor_query_param: ["Use the cursor from a next or previous link as is."]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = f"Results per page, 1–{self.max_page_size} (default {self.page_size})."
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = "Opaque position from a `next` or `previous` link."
        return parameters


class NewestFirst(Cursor):
    ordering = ("-created_at", "-id")


class OldestFirst(Cursor):
    """Events in the order they happened, for syncing."""

    ordering = ("at", "id")
