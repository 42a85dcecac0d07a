"""Small inline-SVG charts for the HTML report: grouped bars, lines (log or linear), heatmap.

No dependencies and no scripts: each function returns one ``<svg>`` element as text, sized
by ``viewBox`` so it scales with the page. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

SPEC, ACHIEVED, PRE, POST = "#9aa5b1", "#2f6fb0", "#9aa5b1", "#2e8b57"
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_M = {"left": 56, "right": 16, "top": 28, "bottom": 42}
CONTENT_WIDTH_PX = 1148
"""The report page's content width (report/html.py: body max-width 1180 px less 2 x 16 px
padding). A chart spanning the page uses it as its viewBox width, so it renders at scale 1
and its 11 px text matches the grid plots' (its old 620-wide viewBox stretched to 1148 px drew
its labels 1.85 times as large)."""


@dataclass(frozen=True, slots=True)
class Series:
    """One named series: values (bars) or (x, y) points (lines)."""

    name: str
    values: Sequence[float] = ()
    points: Sequence[tuple[float, float]] = ()
    color: str = ACHIEVED
    dashed: bool = False
    markers_only: bool = False
    labels: Sequence[str] = field(default_factory=tuple)
    """Text shown beside each marker (markers_only series)."""


def _num(v: float) -> str:
    return f"{v:.1f}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi].

    >>> nice_ticks(0, 1)
    [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    """
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    start = math.floor(lo / step) * step
    return [start + i * step for i in range(int(math.ceil((hi - start) / step)) + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi] (lo > 0).

    >>> log_ticks(3, 2000)
    [1.0, 10.0, 100.0, 1000.0, 10000.0]
    """
    return [10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def fmt_tick(v: float, percent: bool = False) -> str:
    """Tick label: percentages, or compact numbers (1k, 10k, 1M).

    >>> fmt_tick(0.25, True), fmt_tick(10000), fmt_tick(0.001)
    ('25%', '10k', '0.001')
    """
    if percent:
        return f"{v * 100:.0f}%"
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    head = (f'<svg viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" class="chart" {_FONT}>'
            f'<title>{escape(title)}</title>'
            f'<text x="{width / 2}" y="16" text-anchor="middle" font-weight="600">'
            f'{escape(title)}</text>')
    return head + "".join(body) + "</svg>"


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for s in series:
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        out.append(f'<rect x="{_num(x)}" y="{_num(y - 8)}" width="10" height="10" fill="{s.color}"'
                   f'{dash}/><text x="{_num(x + 14)}" y="{_num(y + 1)}">{escape(s.name)}</text>')
        x += 24 + 6.5 * len(s.name)
    return out


def _axis_y(ticks: list[float], to_y: Callable[[float], float], x0: float, x1: float,
            label: str, percent: bool) -> list[str]:
    out = []
    for t in ticks:
        y = to_y(t)
        out.append(f'<line x1="{_num(x0)}" x2="{_num(x1)}" y1="{_num(y)}" y2="{_num(y)}" '
                   f'stroke="#e3e7eb"/><text x="{_num(x0 - 4)}" y="{_num(y + 4)}" '
                   f'text-anchor="end">{escape(fmt_tick(t, percent))}</text>')
    if label:
        out.append(f'<text transform="translate(12 {_num((to_y(ticks[0]) + to_y(ticks[-1])) / 2)}) '
                   f'rotate(-90)" text-anchor="middle">{escape(label)}</text>')
    return out


def bars(categories: Sequence[str], series: Sequence[Series], *, title: str, y_label: str = "",
         percent: bool = True, width: int = 560, height: int = 260) -> str:
    """Grouped vertical bars, one group per category, one bar per series."""
    x0, x1 = _M["left"], width - _M["right"]
    y0, y1 = height - _M["bottom"], _M["top"] + 14
    top = max([v for s in series for v in s.values] + [1e-12])
    ticks = nice_ticks(0, top)

    def to_y(v: float) -> float:
        return y0 - (y0 - y1) * v / ticks[-1]

    body = _axis_y(ticks, to_y, x0, x1, y_label, percent)
    group = (x1 - x0) / max(len(categories), 1)
    bar = group * 0.8 / max(len(series), 1)
    for i, cat in enumerate(categories):
        gx = x0 + i * group + group * 0.1
        for j, s in enumerate(series):
            v = s.values[i] if i < len(s.values) else 0.0
            y = to_y(v)
            tip = f"{s.name} {cat}: {fmt_tick(v, percent) if percent else f'{v:,.4g}'}"
            body.append(f'<rect x="{_num(gx + j * bar)}" y="{_num(y)}" width="{_num(bar * 0.92)}" '
                        f'height="{_num(y0 - y)}" fill="{s.color}"><title>{escape(tip)}</title>'
                        "</rect>")
        body.append(f'<text x="{_num(x0 + (i + 0.5) * group)}" y="{_num(y0 + 14)}" '
                    f'text-anchor="middle">{escape(cat)}</text>')
    body += _legend(series, x0, height - 8)
    return _frame(width, height, title, body)


def lines(series: Sequence[Series], *, title: str, x_label: str, y_label: str,
          log_x: bool = False, log_y: bool = False, percent_y: bool = False,
          x_format: Callable[[float], str] | None = None,
          x_ticks: Sequence[float] | None = None, width: int = 560, height: int = 280) -> str:
    """Line (or marker) series on linear or logarithmic axes; non-positive values are dropped
    on a log axis. ``x_ticks`` replaces the automatic ticks (and sets the axis range)."""
    pts = [(x, y) for s in series for x, y in s.points
           if (x > 0 or not log_x) and (y > 0 or not log_y)]
    if not pts:
        return _frame(width, height, title, ['<text x="50%" y="50%">no data</text>'])
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    if x_ticks is None:
        x_ticks = log_ticks(min(xs), max(xs)) if log_x else nice_ticks(min(xs), max(xs))
    x_ticks = list(x_ticks)
    y_ticks = log_ticks(min(ys), max(ys)) if log_y else nice_ticks(min(0.0, min(ys)), max(ys))
    x0, x1 = _M["left"], width - _M["right"]
    y0, y1 = height - _M["bottom"], _M["top"] + 14

    def scale(v: float, ticks: list[float], log: bool, a: float, b: float) -> float:
        lo, hi = ticks[0], ticks[-1]
        if log:
            return a + (b - a) * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        return a + (b - a) * (v - lo) / ((hi - lo) or 1)

    def to_x(v: float) -> float:
        return scale(v, x_ticks, log_x, x0, x1)

    def to_y(v: float) -> float:
        return scale(v, y_ticks, log_y, y0, y1)

    body = _axis_y(y_ticks, to_y, x0, x1, y_label, percent_y)
    for t in x_ticks:
        x = to_x(t)
        body.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(y0)}" y2="{_num(y1)}" '
                    f'stroke="#eef1f4"/><text x="{_num(x)}" y="{_num(y0 + 14)}" '
                    f'text-anchor="middle">{escape(x_format(t) if x_format else fmt_tick(t))}</text>')
    body.append(f'<text x="{_num((x0 + x1) / 2)}" y="{_num(y0 + 28)}" text-anchor="middle">'
                f'{escape(x_label)}</text>')
    for s in series:
        ok = [(x, y) for x, y in s.points if (x > 0 or not log_x) and (y > 0 or not log_y)]
        if s.markers_only:
            for k, (x, y) in enumerate(ok):
                label = s.labels[k] if k < len(s.labels) else ""
                body.append(f'<circle cx="{_num(to_x(x))}" cy="{_num(to_y(y))}" r="4" '
                            f'fill="none" stroke="{s.color}" stroke-width="2"><title>'
                            f'{escape(f"{s.name} {label}: {x:,.4g}")}</title></circle>')
                if label:
                    body.append(f'<text x="{_num(to_x(x) + 6)}" y="{_num(to_y(y) - 6)}" '
                                f'fill="{s.color}">{escape(label)}</text>')
            continue
        path = " ".join(f"{_num(to_x(x))},{_num(to_y(y))}" for x, y in ok)
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        body.append(f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2"'
                    f'{dash}><title>{escape(s.name)}</title></polyline>')
    body += _legend(series, x0, height + 6)
    return _frame(width, height + 14, title, body)


def heatmap(grid: Sequence[Sequence[float]], rows: Sequence[str], cols: Sequence[str], *,
            title: str, width: int = 640, height: int = 230) -> str:
    """A rows × cols heatmap, white (0) to dark blue (maximum), with a tooltip per cell."""
    x0, x1 = 40, width - 10
    y0, y1 = 30, height - 24
    cw, ch = (x1 - x0) / max(len(cols), 1), (y1 - y0) / max(len(rows), 1)
    top = max([v for r in grid for v in r] + [1e-12])
    body = []
    for i, name in enumerate(rows):
        body.append(f'<text x="{x0 - 4}" y="{_num(y0 + (i + 0.65) * ch)}" text-anchor="end">'
                    f'{escape(name)}</text>')
        for j, v in enumerate(grid[i]):
            share = v / top
            r, g, b = (int(255 - share * (255 - c)) for c in (31, 78, 140))
            body.append(f'<rect x="{_num(x0 + j * cw)}" y="{_num(y0 + i * ch)}" '
                        f'width="{_num(cw - 1)}" height="{_num(ch - 1)}" fill="rgb({r},{g},{b})">'
                        f'<title>{escape(f"{name} {cols[j]}: {v:,.0f}")}</title></rect>')
    for j, name in enumerate(cols):
        if j % 3 == 0:
            body.append(f'<text x="{_num(x0 + (j + 0.5) * cw)}" y="{_num(y1 + 14)}" '
                        f'text-anchor="middle">{escape(name)}</text>')
    return _frame(width, height, title, body)


def hbars(labels: Sequence[str], series: Sequence[Series], *, title: str, x_label: str,
          width: int = CONTENT_WIDTH_PX, row: int = 22) -> str:
    """Horizontal grouped bars on a logarithmic axis (timings spanning decades)."""
    left, x1 = 130, width - 16
    y0 = _M["top"] + 10
    vals = [v for s in series for v in s.values if v > 0] or [1.0]
    ticks = log_ticks(min(vals), max(vals))
    span = math.log10(ticks[-1]) - math.log10(ticks[0])

    def to_x(v: float) -> float:
        return left + (x1 - left) * (math.log10(max(v, ticks[0])) - math.log10(ticks[0])) / span

    height = y0 + row * len(labels) + 52
    body = []
    for t in ticks:
        x = to_x(t)
        body.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{y0}" '
                    f'y2="{_num(y0 + row * len(labels))}" stroke="#e3e7eb"/>'
                    f'<text x="{_num(x)}" y="{_num(y0 + row * len(labels) + 14)}" '
                    f'text-anchor="middle">{escape(fmt_tick(t))}</text>')
    bar = (row - 6) / max(len(series), 1)
    for i, name in enumerate(labels):
        y = y0 + i * row
        body.append(f'<text x="{left - 6}" y="{_num(y + row / 2 + 3)}" text-anchor="end">'
                    f'{escape(name)}</text>')
        for j, s in enumerate(series):
            v = s.values[i]
            body.append(f'<rect x="{left}" y="{_num(y + 3 + j * bar)}" '
                        f'width="{_num(max(to_x(v) - left, 1))}" height="{_num(bar - 1)}" '
                        f'fill="{s.color}"><title>{escape(f"{s.name} {name}: {v:,.4g}")}</title>'
                        "</rect>")
    body.append(f'<text x="{_num((left + x1) / 2)}" y="{_num(y0 + row * len(labels) + 30)}" '
                f'text-anchor="middle">{escape(x_label)}</text>')
    body += _legend(series, left, height - 6)
    return _frame(width, height, title, body)
