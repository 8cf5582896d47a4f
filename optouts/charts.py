"""A server-rendered stacked bar chart of opt-outs per day (no chart library)."""

from __future__ import annotations

from .models import Method

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM = 720, 160, 28, 22
# Colour plus a fill pattern per method, so the chart reads without colour too.
STYLE = {
    Method.MANUAL: ("#2f5bea", ""),
    Method.REPLY: ("#b4441d", "url(#hatch-reply)"),
    Method.LINK: ("#7b3fc4", "url(#dots-link)"),
    Method.IMPORT: ("#17806d", "url(#hatch-import)"),
}


def daily_chart(days: list[dict]) -> dict:
    """Geometry for templates/optouts/_chart.html."""
    peak = max((sum(d["counts"].values()) for d in days), default=0) or 1
    slot = (WIDTH - PAD_LEFT) / max(len(days), 1)
    bar_width = max(slot - 3, 2)
    plot_height = HEIGHT - PAD_BOTTOM
    bars = []
    for index, day in enumerate(days):
        x = PAD_LEFT + index * slot
        y = plot_height
        segments = []
        for method in Method.values:
            n = day["counts"][method]
            if not n:
                continue
            h = n / peak * (plot_height - 6)
            y -= h
            colour, pattern = STYLE[method]
            segments.append(
                {"method": Method(method).label, "n": n, "x": x, "y": y, "h": h, "colour": colour, "pattern": pattern}
            )
        total = sum(day["counts"].values())
        bars.append(
            {
                "day": day["day"],
                "total": total,
                "x": x,
                "w": bar_width,
                "segments": segments,
                "label": index % 5 == 0 or index == len(days) - 1,
            }
        )
    return {
        "bars": bars,
        "peak": peak,
        "width": WIDTH,
        "height": HEIGHT,
        "plot_height": plot_height,
        "total": sum(b["total"] for b in bars),
        "legend": [(Method(m).label, c, p) for m, (c, p) in STYLE.items()],
        "pad_left": PAD_LEFT,
    }
