"""A server-rendered stacked bar chart of opt-outs per day (no chart library).

The SVG is built here rather than in a template: 30 bars of up to four
segments are a few thousand template nodes, which cost ~20 ms per page view;
this costs about one. Each method has a fill pattern as well as a colour, the
legend repeats the patterns, every bar has a text tooltip and the same numbers
are available as a table, so the chart reads without colour.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from workspaces.models import Workspace

from . import selectors
from .models import Method

WIDTH, HEIGHT, PAD_LEFT, PAD_TOP, PAD_BOTTOM = 720, 170, 34, 8, 22
NARROW_WIDTH = 340
STYLE = {  # method: (colour, fill)
    Method.MANUAL: ("#2f5bea", "#2f5bea"),
    Method.REPLY: ("#b4441d", "url(#oo-hatch-reply)"),
    Method.LINK: ("#7b3fc4", "url(#oo-dots-link)"),
    Method.IMPORT: ("#17806d", "url(#oo-lines-import)"),
}
PATTERNS = (
    '<pattern id="oo-hatch-reply" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#b4441d"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/>'
    "</pattern>"
    '<pattern id="oo-dots-link" width="5" height="5" patternUnits="userSpaceOnUse">'
    '<rect width="5" height="5" fill="#7b3fc4"/><circle cx="2.5" cy="2.5" r="1.2" fill="#fff"/></pattern>'
    '<pattern id="oo-lines-import" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#17806d"/><line x1="0" y1="3" x2="6" y2="3" stroke="#fff" stroke-width="1.6"/>'
    "</pattern>"
)


PATTERNS_SVG = f'<svg class="chart-patterns" width="0" height="0" aria-hidden="true"><defs>{PATTERNS}</defs></svg>'


def _tooltip(day, total: int, counts: dict[str, int]) -> str:
    parts = [f"{Method(m).label} {n}" for m, n in counts.items() if n]
    when = f"{day:%a} {day.day} {day:%b}"
    return f"{when}: {total} opt-out{'s' if total != 1 else ''}" + (f" ({', '.join(parts)})" if parts else "")


def _svg(
    days: list[dict], peak: int, *, width: int = WIDTH, label_every: int = 5, css: str = "chart-wide"
) -> SafeString:
    """The bars in a ``width``-wide view box; a narrow one keeps its y-axis and last date on a phone."""
    plot_bottom = HEIGHT - PAD_BOTTOM
    plot_height = plot_bottom - PAD_TOP
    slot = (width - PAD_LEFT) / max(len(days), 1)
    bar_width = max(slot - 3 if slot > 12 else slot - 2, 2)
    out = [
        f'<svg viewBox="0 0 {width} {HEIGHT}" width="100%" role="img" class="chart-svg {css}" '
        'aria-label="Opt-outs per day over the last 30 days, stacked by method. The table below has the numbers.">',
        # Gridlines at the peak and half of it, labelled, so heights can be read off.
        f'<line x1="{PAD_LEFT}" y1="{plot_bottom}" x2="{width}" y2="{plot_bottom}" stroke="#9aa4b2"/>',
    ]
    for value in sorted({peak, peak // 2} - {0}):
        y = plot_bottom - value / peak * plot_height
        out.append(
            f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#e2e6eb" stroke-dasharray="3 3"/>'
            f'<text x="{PAD_LEFT - 4}" y="{y + 3.5:.1f}" text-anchor="end" font-size="10" fill="#5f6b7a">{value}</text>'
        )
    out.append(
        f'<text x="{PAD_LEFT - 4}" y="{plot_bottom + 3.5}" text-anchor="end" font-size="10" fill="#5f6b7a">0</text>'
    )
    last = len(days) - 1
    for index, day in enumerate(days):
        x = PAD_LEFT + index * slot + 1
        total = sum(day["counts"].values())
        out.append(f"<g><title>{escape(_tooltip(day['day'], total, day['counts']))}</title>")
        out.append(
            f'<rect x="{x:.1f}" y="{PAD_TOP}" width="{bar_width:.1f}" height="{plot_height}" fill="transparent"/>'
        )
        y = float(plot_bottom)
        for method, n in day["counts"].items():
            if not n:
                continue
            h = n / peak * plot_height
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{h:.1f}" '
                f'fill="{STYLE[method][1]}" stroke="#fff" stroke-width=".6" data-method="{method}"/>'
            )
        label = f"{day['day'].day} {day['day']:%b}"
        if index == last:
            # Anchored at its end, so the newest date is never cut off at the edge.
            out.append(
                f'<text x="{x + bar_width:.1f}" y="{HEIGHT - 6}" text-anchor="end" font-size="10" '
                f'fill="#5f6b7a" data-last-day>{label}</text>'
            )
        elif index % label_every == 0 and last - index >= label_every / 2:
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}" font-size="10" fill="#5f6b7a">{label}</text>')
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated value is a number, a date or escaped


def _legend() -> SafeString:
    return format_html_join(
        "",
        '<span class="chart-key"><svg width="16" height="11" aria-hidden="true"><rect width="16" height="11" '
        'fill="{}" stroke="{}"/></svg> {}</span>',
        ((fill, colour, Method(m).label) for m, (colour, fill) in STYLE.items()),
    )


def _table(days: list[dict]) -> SafeString:
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><strong>{}</strong></td></tr>",
        (
            (
                f"{d['day']:%a} {d['day'].day} {d['day']:%b}",
                *(d["counts"][m] for m in Method.values),
                sum(d["counts"].values()),
            )
            for d in reversed(days)
            if any(d["counts"].values())
        ),
    )
    head = format_html_join("", "<th>{}</th>", ((label,) for label in Method.labels))
    if not rows:
        return format_html('<p class="muted small">No opt-outs in the last {} days.</p>', len(days))
    return format_html(
        '<table class="data compact"><thead><tr><th>Day</th>{}<th>All</th></tr></thead><tbody>{}</tbody></table>',
        head,
        rows,
    )


def daily_chart(days: list[dict]) -> dict:
    """Everything templates/optouts/_chart.html shows."""
    totals = [sum(d["counts"].values()) for d in days]
    peak = max(totals, default=0)
    return {
        "svg": _svg(days, peak or 1),
        # A phone gets its own narrower drawing rather than a scrolled one: axis and last date stay in view.
        "svg_narrow": _svg(days, peak or 1, width=NARROW_WIDTH, label_every=10, css="chart-narrow"),
        "legend": _legend(),
        # Outside both drawings, which CSS hides in turn: a pattern in a hidden <svg> paints nothing.
        "patterns": mark_safe(PATTERNS_SVG),  # noqa: S308 - a constant
        "table": _table(days),
        "peak": peak,
        "total": sum(totals),
        "days": len(days),
    }


def only_method(days: list[dict], method: str | None) -> list[dict]:
    """The same days with every other method's counts zeroed: the chart of one method."""
    if not method:
        return days
    return [{"day": d["day"], "counts": {m: (n if m == method else 0) for m, n in d["counts"].items()}} for d in days]


def chart_for(workspace: Workspace, *, version: str, method: str | None = None) -> dict:
    """The chart of the last 30 days, built once per change to the list (see selectors.list_version).

    ``method`` narrows it to one method, as the list's method filter does.
    """
    method = method if method in Method.values else None
    key = f"optouts:chart:{workspace.pk}:{timezone.localdate()}:{version}:{method or 'all'}"
    return cache.get_or_set(
        key, lambda: {**daily_chart(only_method(selectors.daily_optouts(workspace), method)), "method": method}, 600
    )
