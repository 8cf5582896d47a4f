from __future__ import annotations

import django_filters

from emuchat import phones

from .models import Method, OptOut


class OptOutFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search_number", label="Search by number")
    method = django_filters.ChoiceFilter(choices=Method.choices, empty_label="All methods")

    class Meta:
        model = OptOut
        fields = ["q", "method"]

    # "import" is a Python keyword, so this filter is added to the declared ones below.

    def __init__(self, *args, workspace, **kwargs):
        self.workspace = workspace
        super().__init__(*args, **kwargs)

    def search_number(self, queryset, name, value):
        # Any writing of a number: keep its digits, match within the stored E.164.
        digits = phones.search_digits(value, self.workspace.default_region)
        return queryset.filter(phone__contains=digits) if digits else queryset.none()


# ?import=<id>: exactly the rows that import added (the summary of a finished import links here).
OptOutFilter.base_filters["import"] = django_filters.NumberFilter(field_name="import_job", label="Added by import")
