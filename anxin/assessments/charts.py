"""Server-rendered SVG line charts (no script, no third-party code): results over time with the
instrument's bands shaded behind, and mood trends. Pure functions returning escaped markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 36, 16, 40
# Band shading by severity (0 best … 4 worst): calm to warm, readable in light and dark themes.
SEVERITY_FILLS = ("#d9f2e3", "#eef5d6", "#fdf0c8", "#fde0c2", "#f9cfcf")


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    value: float


@dataclass(frozen=True, slots=True)
class Shade:
    low: float
    high: float
    severity: int
    label: str


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    return PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - (value - low) / span)


def _x(index: int, count: int) -> float:
    inner = WIDTH - PAD_LEFT - PAD_RIGHT
    return PAD_LEFT + (inner / 2 if count == 1 else inner * index / (count - 1))


def line_chart(
    points: Sequence[Point],
    *,
    low: float,
    high: float,
    title: str,
    shades: Sequence[Shade] = (),
    empty_text: str = "",
) -> Markup:
    """An accessible SVG (role="img", a <title> and a <desc> listing every value)."""
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        "<desc>"
        + escape("; ".join(f"{point.label}: {point.value:g}" for point in points) or empty_text)
        + "</desc>",
    ]
    left, right = PAD_LEFT, WIDTH - PAD_RIGHT
    for shade in shades:
        top, bottom = _y(min(shade.high + 0.5, high), low, high), _y(max(shade.low - 0.5, low), low, high)
        fill = SEVERITY_FILLS[max(0, min(shade.severity, len(SEVERITY_FILLS) - 1))]
        parts.append(
            f'<rect class="chart-band" x="{left}" y="{top:.1f}" width="{right - left}" '
            f'height="{max(bottom - top, 0):.1f}" fill="{fill}"><title>{escape(shade.label)}</title></rect>'
        )
    for tick in (low, (low + high) / 2, high):
        y = _y(tick, low, high)
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999" '
            'stroke-opacity="0.4" stroke-width="1"/>'
            f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="currentColor">{tick:g}</text>'
        )
    if not points:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="14" '
            f'fill="currentColor">{escape(empty_text)}</text>'
        )
    coords = [(_x(i, len(points)), _y(point.value, low, high)) for i, point in enumerate(points)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(
            f'<polyline class="chart-line" points="{path}" fill="none" stroke="#2f6f9f" stroke-width="2.5"/>'
        )
    step = max(1, len(points) // 6)
    for index, ((x, y), point) in enumerate(zip(coords, points, strict=True)):
        parts.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2f6f9f">'
            f"<title>{escape(point.label)}: {point.value:g}</title></circle>"
        )
        if index % step == 0 or index == len(points) - 1:
            # The outermost labels hang inwards so they are never cut at the edges.
            anchor = "start" if index == 0 and len(points) > 1 else "middle"
            anchor = "end" if index == len(points) - 1 and len(points) > 1 else anchor
            parts.append(
                f'<text class="chart-axis" x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 18}" text-anchor="{anchor}" '
                f'font-size="11" fill="currentColor">{escape(point.label)}</text>'
            )
    parts.append("</svg>")
    # Every text above went through escape()/quoteattr(); numbers are formatted by us.
    return Markup("".join(parts))  # noqa: S704
