"""Tiny inline-SVG charts for the HTML report (no scripts, print-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart", "stacked_bar"]

_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def bar_chart(rows: Sequence[tuple[str, float, str, str]], *, width: int = 460, label_width: int = 190,
              bar_height: int = 14, title: str = "") -> str:
    """Horizontal bars: rows of (label, value, value text, colour); bars scale to the largest value."""
    gap = 5
    height = len(rows) * (bar_height + gap) + gap
    top = max((v for _, v, _, _ in rows), default=0) or 1
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
    for label, share, colour in parts_in:
        w = max(0.0, share) * width
        if w <= 0:
            continue
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}"/>')
        text = f"{label} {round(share * 100)}%"
        if w > len(text) * 6.5:
            parts.append(f'<text x="{x + 4:.1f}" y="{height - 7}" {_FONT}>{escape(text)}</text>')
        x += w
    parts.append("</svg>")
    return "".join(parts)
