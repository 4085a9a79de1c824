"""Charts as inline SVG strings: no script, no library, no network, so a report opens anywhere as it was written.

Every data mark is an element of class `mark` with a `<title>` (the browser shows it on hover), so a test can
count what was drawn.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
OTHER = "#bab0ac"
FONT = 12


def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width: CJK characters are square, Latin ones about 0.6 of the font size."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def clip(text: str, width: float, size: float = FONT) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def ticks(top: float, count: int = 4) -> list[float]:
    """Round axis values from 0 to at least `top`, whole numbers for counts."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1.0, next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(label)}" '
        f'font-size="{FONT}">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "label", extra: str = "") -> str:
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (
        f'<rect class="mark" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" height="{max(h, 0.5):.1f}" '
        f'fill="{fill}"><title>{escape(tip)}</title></rect>'
    )


def hbar(items: Sequence[tuple[str, float]], label: str, color: str = PALETTE[0]) -> str:
    """Horizontal bars, one per (name, value), in the order given."""
    label_w = min(max(text_width(name) for name, _ in items), 240) + 10
    bar_w, row, top = 420.0, 24, 8
    scale = max(value for _, value in items) or 1
    body = []
    for i, (name, value) in enumerate(items):
        y = top + i * row
        w = bar_w * value / scale
        body.append(_text(label_w - 8, y + 15, clip(name, label_w - 10), anchor="end"))
        body.append(_rect(label_w, y + 3, w, row - 6, color, f"{name}: {_num(value)}"))
        body.append(_text(label_w + w + 4, y + 15, _num(value), cls="value"))
    return _svg(label_w + bar_w + 60, top * 2 + row * len(items), label, body)


def columns(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    label: str,
    highlight: str | None = None,
    every: int = 1,
) -> str:
    """Stacked columns: one column per category, one colour per series; a legend when there are several series.

    `highlight` dims every column but that one; `every` labels one category in so many.
    """
    names = list(series)
    colors = {name: (OTHER if name == "other" else PALETTE[i % len(PALETTE)]) for i, name in enumerate(names)}
    totals = [sum(series[n][i] for n in names) for i in range(len(categories))]
    axis = ticks(max(totals, default=0))
    left, right, top, plot_h = 40.0, 10.0, 10.0, 180.0
    width = 720.0
    step = (width - left - right) / max(len(categories), 1)
    body = []
    for value in axis:
        y = top + plot_h - plot_h * value / axis[-1]
        body.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(_text(left - 6, y + 4, _num(value), anchor="end", cls="axis"))
    for i, category in enumerate(categories):
        x = left + i * step
        base = top + plot_h
        dim = highlight is not None and category != highlight
        for name in names:
            value = series[name][i]
            if value <= 0:
                continue
            h = plot_h * value / axis[-1]
            base -= h
            mark = _rect(x + step * 0.12, base, step * 0.76, h, colors[name], f"{category} · {name}: {_num(value)}")
            body.append(mark.replace('class="mark"', 'class="mark" opacity="0.45"') if dim else mark)
        if i % every == 0 or category == highlight:
            weight = ' font-weight="bold"' if category == highlight else ""
            body.append(_text(x + step / 2, top + plot_h + 16, category, anchor="middle", cls="axis", extra=weight))
    height = top + plot_h + 28
    if len(names) > 1:
        x, y = left, height + 4
        for name in names:
            shown = clip(name, 160)
            item_w = 18 + text_width(shown) + 16
            if x + item_w > width:
                x, y = left, y + 18
            body.append(f'<rect class="swatch" x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colors[name]}"/>')
            body.append(_text(x + 16, y + 10, shown))
            x += item_w
        height = y + 22
    return _svg(width, height, label, body)


def _blend(share: float) -> str:
    low, high = (238, 243, 248), (31, 95, 168)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float]], label: str) -> str:
    """A grid of shares (0..1): one row per `rows`, one column per `cols`, darker is higher."""
    label_w = min(max(text_width(r) for r in rows), 220) + 10
    cell_w, cell_h = 52.0, 24.0
    head = max(text_width(c) for c in cols) * 0.75 + 14
    body = []
    for j, col in enumerate(cols):
        x = label_w + j * cell_w + cell_w / 2
        body.append(_text(x, head - 6, col, cls="axis", extra=f' transform="rotate(-40 {x:.1f} {head - 6:.1f})"'))
    for i, row in enumerate(rows):
        y = head + i * cell_h
        body.append(_text(label_w - 8, y + 16, clip(row, label_w - 10), anchor="end"))
        for j, col in enumerate(cols):
            share = values[i][j]
            x = label_w + j * cell_w
            body.append(_rect(x + 1, y + 1, cell_w - 2, cell_h - 2, _blend(share), f"{row} · {col}: {share:.0%}"))
            ink = "#ffffff" if share > 0.55 else "#333333"
            body.append(
                _text(x + cell_w / 2, y + 16, f"{share:.0%}", anchor="middle", cls="cell", extra=f' fill="{ink}"')
            )
    return _svg(label_w + cell_w * len(cols) + 10, head + cell_h * len(rows) + 6, label, body)
