"""Charts for the web page: inline SVG drawn from numbers, every label escaped. A report's
section takes them as ``Markup``; nothing is fetched and no script runs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup


def get_ticks(peak: float, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 to at least ``peak`` in steps of 1, 2 or 5 times a power
    of ten: never fewer than three, at most ``most``.

    >>> get_ticks(0), get_ticks(3), get_ticks(17), get_ticks(230)
    ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [0, 5, 10, 15, 20], [0, 50, 100, 150, 200, 250])
    """
    peak = max(math.ceil(peak), 4)
    power = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * power
            count = -(-peak // step) + 1
            if count <= most:
                return [step * i for i in range(count)]
        power *= 10


def line_chart(
    name: str,
    title: str,
    ticks: Sequence[str],
    series: Sequence[tuple[str, Sequence[int], str]],
    y_title: str = "",
) -> Markup:
    """Lines over the points (``ticks`` name them on the x axis: dates), one per (label,
    values, colour), with a legend; a y axis with whole-number ticks and grid lines
    (:func:`get_ticks`), titled ``y_title``; ``name`` is its CSS class beside ``chart``."""
    width, height, left, bottom, top = 640, 260, 56, 44, 28
    right = 44  # room for the last date, centred under its point
    levels = get_ticks(max([0, *(v for _, values, _ in series for v in values)]))
    peak = levels[-1]
    span = max(1, len(ticks) - 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + plot_w * (i / span if len(ticks) > 1 else 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [
        f'<svg class="chart {name}" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
    ]
    for level in levels:  # grid lines and the y axis's ticks
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y(level):.1f}" x2="{width - right}"'
            f' y2="{y(level):.1f}" stroke="{"#888" if level == 0 else "#e3e3e3"}"/>'
            f'<text class="y-tick" x="{left - 6}" y="{y(level) + 4:.1f}" text-anchor="end"'
            f' font-size="11">{level}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(0):.1f}" stroke="#888"/>')
    if y_title:
        parts.append(
            f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" text-anchor="middle"'
            f' transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_title)}</text>'
        )
    every = max(1, -(-len(ticks) // 8))  # at most eight dates under the axis
    for i, tick in enumerate(ticks):
        if i % every and i != len(ticks) - 1:
            continue
        parts.append(
            f'<line x1="{x(i):.1f}" y1="{y(0):.1f}" x2="{x(i):.1f}" y2="{y(0) + 4:.1f}"'
            f' stroke="#888"/><text class="x-tick" x="{x(i):.1f}" y="{height - bottom + 18}"'
            f' text-anchor="middle" font-size="11">{escape(tick)}</text>'
        )
    for n, (label, values, colour) in enumerate(series):
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(ticks[i])} {escape(label)}: {v}</title></circle>"
            )
        parts.append(
            f'<rect x="{left + 8 + n * 150}" y="{top - 22}" width="10" height="10"'
            f' fill="{colour}"/><text x="{left + 22 + n * 150}" y="{top - 13}"'
            f' font-size="11">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bar(name: str, title: str, parts: Sequence[tuple[str, int, str]]) -> Markup:
    """One bar split by (label, count, colour), with a legend of every part."""
    width, height = 640, 56
    whole = max(1, sum(count for _, count, _ in parts))
    svg = [
        f'<svg class="chart {name}" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    x = 0.0
    for n, (label, count, colour) in enumerate(parts):
        w = width * count / whole
        if count:
            svg.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="24" fill="{colour}">'
                f"<title>{escape(label)}: {count}</title></rect>"
            )
        svg.append(
            f'<rect x="{n * 128}" y="34" width="10" height="10" fill="{colour}"/>'
            f'<text x="{n * 128 + 14}" y="43" font-size="11">{escape(label)} {count}'
            "</text>"
        )
        x += w
    svg.append("</svg>")
    return Markup("".join(svg))


def cell_strip(name: str, title: str, cells: Sequence[tuple[str, str]]) -> Markup:
    """A small square per (tooltip, colour), forty to a row: gaps at a glance."""
    if not cells:
        return Markup("")
    per_row, size = 40, 16
    height = ((len(cells) - 1) // per_row + 1) * (size + 2)
    parts = [
        f'<svg class="chart {name}" viewBox="0 0 {per_row * (size + 2)} {height}" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (tooltip, colour) in enumerate(cells):
        parts.append(
            f'<rect x="{(i % per_row) * (size + 2)}" y="{(i // per_row) * (size + 2)}"'
            f' width="{size}" height="{size}" fill="{colour}">'
            f"<title>{escape(tooltip)}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
