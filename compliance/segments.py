"""How many SMS segments a text costs, so members see the price of what they write.

GSM-7 fits 160 characters in one segment or 153 per segment of a longer
text; the extension characters (€ [ ] { } ~ ^ | \\ and form feed) take two
each. One character outside GSM-7 makes the whole text UCS-2: 70, or 67 per
segment, with characters beyond the Basic Multilingual Plane (most emoji)
taking two. Segments are packed greedily without splitting a two-unit
character, as carriers do. static/js/segments.js mirrors this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from .links import PLACEHOLDER, sample_url

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7, UCS2 = "GSM-7", "UCS-2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SegmentCount:
    encoding: str
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    def __str__(self) -> str:
        plural = "" if self.segments == 1 else "s"
        return f"{self.units} characters · {self.segments} SMS segment{plural} ({self.encoding})"


def _pack(units: list[int], single: int, multi: int) -> int:
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in units:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments


def segments(text: str) -> SegmentCount:
    """Segments ``text`` costs as sent (expand ``{opt_out_link}`` first, or use :func:`segments_for_body`)."""
    text = text or ""
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        encoding = GSM7
        units = [2 if char in GSM_EXTENSION else 1 for char in text]
    else:
        encoding = UCS2
        units = [2 if ord(char) > 0xFFFF else 1 for char in text]
    single, multi = LIMITS[encoding]
    return SegmentCount(encoding=encoding, units=sum(units), segments=_pack(units, single, multi))


def segments_for_body(body: str) -> SegmentCount:
    """Like :func:`segments`, counting each ``{opt_out_link}`` at the length of a real link."""
    return segments((body or "").strip().replace(PLACEHOLDER, sample_url()))
