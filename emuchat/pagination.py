"""Pagination without COUNT(*): a million-row list must not count itself on every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict


@dataclass
class Page:
    object_list: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def paginator(self) -> Page:
        return self  # Templates ask page_obj.paginator.num_pages; we don't know it.

    num_pages = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def paginate(queryset, params: QueryDict, *, per_page: int = 50) -> Page:
    """The requested page of ``queryset``: one query for per_page + 1 rows."""
    try:
        number = max(1, int(params.get("page", 1)))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(object_list=rows[:per_page], number=number, has_next=len(rows) > per_page)


def query_without_page(params: QueryDict) -> str:
    copy = params.copy()
    copy.pop("page", None)
    return copy.urlencode()
