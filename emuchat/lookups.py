"""``field__any=[...]``: membership in a list as ONE array parameter on PostgreSQL.

``field__in`` sends one placeholder per value; for the guard's 100,000-number
checks that binding and planning cost more than the lookup itself. Other
databases fall back to ``IN``.
"""

from __future__ import annotations

from django.db.models import CharField, Lookup


@CharField.register_lookup
class Any(Lookup):
    """Pass a set (or any non-list iterable): Django resolves a list's values one by one first."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]
