"""Every plot's text renders at the same size: font-size x (rendered width / viewBox width).

The rendered width follows the page's own CSS (read from the rendered HTML, not restated):
the content width is body max-width less its padding; a plot inside ``div.grid`` gets one
of two columns (1148 px content → two 566 px columns at the 1280 px window the browser test
uses), any other plot the whole content width.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from synthgen.report.html import render_html

FIXTURE = Path(__file__).parent / "fixtures" / "report.json"
TOLERANCE = 0.20


def _css_px(html: str, pattern: str) -> float:
    m = re.search(pattern, html)
    assert m, f"the report's CSS no longer has {pattern!r}"
    return float(m.group(1))


def rendered_text_px(html: str) -> dict[str, float]:
    """Rendered font size (px) of each plot, by its aria-label."""
    content = (_css_px(html, r"body\{[^}]*max-width:(\d+)px")
               - 2 * _css_px(html, r"body\{[^}]*padding:0 (\d+)px"))
    min_col = _css_px(html, r"\.grid\{[^}]*minmax\((\d+)px")
    gap = _css_px(html, r"\.grid\{[^}]*gap:(\d+)px")
    columns = max(1, int((content + gap) // (min_col + gap)))
    column = (content - gap * (columns - 1)) / columns
    out: dict[str, float] = {}
    # Split on the grid's boundaries: a <div class=grid> ... </div> holds only <svg>s.
    for part in re.split(r"(<div class=grid>.*?</div>)", html, flags=re.S):
        width_px = column if part.startswith("<div class=grid>") else content
        for m in re.finditer(r"<svg viewBox=\"0 0 ([\d.]+) [\d.]+\"[^>]*aria-label=\"([^\"]*)\""
                             r"[^>]*font-size=\"([\d.]+)\"", part):
            out[m.group(2)] = float(m.group(3)) * width_px / float(m.group(1))
    return out


@pytest.fixture(scope="module")
def report_html() -> str:
    return render_html(json.loads(FIXTURE.read_text(encoding="utf-8")))


def spread(sizes: dict[str, float]) -> dict[str, float]:
    """Each plot's rendered text size relative to the median of the others."""
    out = {}
    for name, px in sizes.items():
        others = sorted(v for k, v in sizes.items() if k != name)
        out[name] = px / others[len(others) // 2]
    return out


def test_every_plot_text_renders_at_the_same_size(report_html: str) -> None:
    sizes = rendered_text_px(report_html)
    assert len(sizes) == 8, sizes  # 7 distribution plots and the query p50 chart
    assert "Query p50 before and after" in sizes
    off = {k: round(r, 2) for k, r in spread(sizes).items() if abs(r - 1) > TOLERANCE}
    assert not off, f"text rendered off the others' size (ratio): {off}; sizes px {sizes}"


def test_the_check_catches_a_chart_scaled_up(report_html: str) -> None:
    """The planted fault: the p50 chart at its old 620-wide viewBox stretched to the page."""
    narrow = re.sub(r'<svg viewBox="0 0 1148 ', '<svg viewBox="0 0 620 ', report_html, count=1)
    assert narrow != report_html
    ratios = spread(rendered_text_px(narrow))
    assert ratios["Query p50 before and after"] > 1 + TOLERANCE
