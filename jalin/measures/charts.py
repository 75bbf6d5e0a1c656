"""Small inline-SVG charts of a case's measures over sessions (no JavaScript, CSP-safe)."""

from __future__ import annotations

from html import escape

# Narrow enough that 12-13 px text stays legible when a phone shrinks the chart to ~350 px.
WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 480, 230, 36, 16, 12, 46
BAND_GUTTER = 104  # band names sit right of the plot, never on top of a point
BAND_FILLS = ["#eef6ee", "#f7f4e6", "#fbefe2", "#f9e5e1", "#f3dcdc"]
SERIES_COLOURS = ["#1f6f5c", "#b5651d", "#3b5ba5", "#8e3b8e"]


def line_chart(title: str, points: list[dict], *, y_min: float, y_max: float, bands=(), series_keys=("total",),
               series_labels=None) -> str:
    """``points``: [{"label": "S3", "stage": "inti", "total": 12, ...}] oldest first."""
    if not points:
        return ""
    span = (y_max - y_min) or 1.0
    pad_r = PAD_R + (BAND_GUTTER if bands else 0)
    inner_w = WIDTH - PAD_L - pad_r
    inner_h = HEIGHT - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (inner_w * (i / max(1, len(points) - 1)) if len(points) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return PAD_T + inner_h * (1 - (v - y_min) / span)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    for index, band in enumerate(bands):
        top, bottom = y(min(band["max"] + 0.5, y_max)), y(max(band["min"] - 0.5, y_min))
        parts.append(f'<rect x="{PAD_L}" y="{top:.1f}" width="{inner_w}" height="{max(0.0, bottom - top):.1f}" '
                     f'fill="{BAND_FILLS[index % len(BAND_FILLS)]}"><title>{escape(band["label"])}</title></rect>')
        parts.append(f'<text x="{PAD_L + inner_w + 8}" y="{(top + bottom) / 2 + 4:.1f}" font-size="12" '
                     f'fill="#4a5763">{escape(band["label"])}</text>')
    for tick in (y_min, (y_min + y_max) / 2, y_max):
        parts.append(f'<text x="{PAD_L - 6}" y="{y(tick) + 4:.1f}" font-size="12" text-anchor="end" '
                     f'fill="#66727f">{tick:g}</text>')
    for i, point in enumerate(points):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 16}" font-size="13" text-anchor="middle" '
                     f'fill="#3e4c59">{escape(point["label"])}</text>')
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 32}" font-size="12" text-anchor="middle" '
                     f'fill="#66727f">{escape(point.get("stage", ""))}</text>')
    for s_index, key in enumerate(series_keys):
        colour = SERIES_COLOURS[s_index % len(SERIES_COLOURS)]
        coords = [(x(i), y(p[key])) for i, p in enumerate(points) if p.get(key) is not None]
        if len(coords) > 1:
            path = " ".join(f"{'M' if n == 0 else 'L'}{cx:.1f},{cy:.1f}" for n, (cx, cy) in enumerate(coords))
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (cx, cy), p in zip(coords, [p for p in points if p.get(key) is not None], strict=True):
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"><title>'
                         f'{escape(p["label"])}: {p[key]:g}</title></circle>')
    if series_labels:
        for s_index, label in enumerate(series_labels):
            colour = SERIES_COLOURS[s_index % len(SERIES_COLOURS)]
            parts.append(f'<rect x="{PAD_L + 4 + s_index * 120}" y="{PAD_T}" width="10" height="10" fill="{colour}"/>'
                         f'<text x="{PAD_L + 18 + s_index * 120}" y="{PAD_T + 10}" font-size="12">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
