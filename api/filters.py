from __future__ import annotations

import django_filters

from messaging.models import Message
from optouts.filters import OptOutFilter
from optouts.models import Method, OptOutEvent


class RejectBlankMixin:
    """``?status=`` with nothing after it is a mistake worth a 400, not "no filter"."""

    blank_allowed: tuple[str, ...] = ()

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.form.fields:
            if name not in self.blank_allowed and name in self.data and not self.data.get(name, "").strip():
                self.form.add_error(name, "Leave this parameter out or give it a value.")
                valid = False
        return valid


class ApiOptOutFilter(RejectBlankMixin, OptOutFilter):
    """The Opt-Outs page's filter (number search, method) plus ``updated_since`` for syncing."""

    blank_allowed = ("q",)
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Only entries added or edited at or after this time."
    )

    class Meta(OptOutFilter.Meta):
        fields = ["q", "method", "updated_since"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix, workspace=request.auth.workspace)


class MessageFilter(RejectBlankMixin, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Message.Status.choices)

    class Meta:
        model = Message
        fields = ["status"]


class OptOutEventFilter(RejectBlankMixin, django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="gte", label="Only events at or after this time (inclusive)."
    )
    action = django_filters.ChoiceFilter(choices=OptOutEvent.Action.choices)
    method = django_filters.ChoiceFilter(choices=Method.choices)

    class Meta:
        model = OptOutEvent
        fields = ["since", "action", "method"]
