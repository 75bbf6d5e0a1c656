"""Tiny inline-SVG charts for the HTML report (no scripts, print-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart", "stacked_bar"]

_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_CHAR_W = 6.2  # an 11 px system-ui character is at most this wide on average


def bar_chart(rows: Sequence[tuple[str, float, str, str]], *, width: int = 460, label_width: int = 190,
              bar_height: int = 14, title: str = "") -> str:
    """Horizontal bars: rows of (label, value, value text, colour); bars scale to the largest value."""
    gap = 5
    height = len(rows) * (bar_height + gap) + gap
    top = max((v for _, v, _, _ in rows), default=0) or 1
    # The label column fits the longest label (a label is never cut off at the left edge); the chart
    # widens instead, and scales down with the page.
    label_width = max(label_width, round(max((len(label) for label, *_ in rows), default=0) * _CHAR_W) + 12)
    width = max(width, label_width + 270)
    span = width - label_width - 60
    parts = [(f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">')]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value, shown, colour) in enumerate(rows):
        y = gap + i * (bar_height + gap)
        w = max(0.0, value / top * span)
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height - 3}" text-anchor="end" {_FONT}>{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}" rx="2"/>')
        parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height - 3}" {_FONT}>{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(parts_in: Sequence[tuple[str, float, str]], *, width: int = 460, height: int = 22,
                title: str = "") -> str:
    """One bar split into shares: (label, share 0..1, colour); labels written inside wide enough parts."""
    parts = [(f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">')]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    x = 0.0
    legend = []
    for label, share, colour in parts_in:
        w = max(0.0, share) * width
        text = f"{label} {round(share * 100)}%"
        if w <= 0:
            legend.append((text, colour))  # a stage not reached is still named, at 0%
            continue
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}">'
                     f'<title>{escape(text)}</title></rect>')
        if w > len(text) * 6.5:
            parts.append(f'<text x="{x + 4:.1f}" y="{height - 7}" {_FONT}>{escape(text)}</text>')
        else:
            legend.append((text, colour))  # too narrow to write in: named in the legend below
        x += w
    # A legend row (wrapping) for the parts too narrow to carry their own label.
    lx, ly = 0.0, height + 4
    for text, colour in legend:
        item = 14 + len(text) * _CHAR_W + 12
        if lx and lx + item > width:
            lx, ly = 0.0, ly + 16
        parts.append(f'<rect x="{lx:.1f}" y="{ly}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly + 9}" {_FONT}>{escape(text)}</text>')
        lx += item
    if legend:
        total = ly + 14
        parts[0] = parts[0].replace(f'height="{height}" viewBox="0 0 {width} {height}"',
                                    f'height="{total}" viewBox="0 0 {width} {total}"')
    parts.append("</svg>")
    return "".join(parts)
