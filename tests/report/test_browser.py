"""report.html in a real browser: headless Chromium loads it, no console errors, every plot drawn.

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it when missing).
Where no Chromium is found the test skips and says why. A probe script injected into the page
collects script errors, console errors and failed resource loads from the first byte on, then
measures every ``<svg>`` (layout box and drawn bounding box) and writes the result into the
DOM, which ``--dump-dom`` hands back; a second run saves a screenshot in the test's tmp dir.
Marked ``slow``: it starts a browser (tens of seconds on a busy machine).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from synthgen.report.html import render_html

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "report.json"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Runs first in <head>: every error from here on is kept.
_COLLECT = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__errors.push(t && t !== window && (t.src || t.href)
    ? 'failed to load ' + (t.src || t.href) : 'script error: ' + e.message);
}, true);
window.addEventListener('unhandledrejection', function (e) {
  window.__errors.push('unhandled rejection: ' + e.reason);
});
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();
</script>"""

# Runs after the page has loaded: measure every plot, write the verdict into the DOM.
_PROBE = """<script>
window.addEventListener('load', function () {
  var plots = Array.prototype.map.call(document.querySelectorAll('svg'), function (svg) {
    var box = svg.getBoundingClientRect(), drawn = svg.getBBox();
    return {label: svg.getAttribute('aria-label') || '', width: box.width, height: box.height,
            drawn_width: drawn.width, drawn_height: drawn.height,
            marks: svg.querySelectorAll('path,rect,line,polyline,polygon,circle').length};
  });
  var out = document.createElement('pre');
  out.id = 'synthgen-probe';
  out.textContent = JSON.stringify({errors: window.__errors, plots: plots});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    """The browser to use, or skip saying why there is none."""
    given = os.environ.get("SYNTHGEN_CHROMIUM")
    for name in ([given] if given else []) + list(BROWSERS):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium on this machine (looked for $SYNTHGEN_CHROMIUM, "
                f"{', '.join(BROWSERS)}): install it with `apt-get install -y chromium` "
                "(.ci/run does this when it can) to check report.html in a real browser")


def _run(browser: str, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--enable-logging=stderr", "--v=0", f"--user-data-dir={page.parent / 'profile'}"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    return subprocess.run([browser, *flags, *args, page.as_uri()], capture_output=True,
                          text=True, timeout=240, check=False)


def browser_check(report_html: str, where: Path) -> dict[str, Any]:
    """Load a report in headless Chromium; its errors and the size of every plot."""
    browser = chromium()
    probed = report_html.replace("<head>", "<head>" + _COLLECT, 1).replace(
        "</body>", _PROBE + "</body>", 1)
    page = where / "report-probed.html"
    page.write_text(probed, encoding="utf-8")
    proc = _run(browser, page, "--dump-dom", "--virtual-time-budget=5000")
    found = re.search(r'<pre id="synthgen-probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"the probe did not report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    # console messages of the page, as Chromium logs them (our probe logs none)
    result["console"] = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    return result


def problems(result: dict[str, Any], expected_plots: int) -> list[str]:
    """Everything wrong with a page as the browser saw it (empty: fine)."""
    out = [f"page error: {e}" for e in result["errors"]]
    out += [f"console: {line}" for line in result["console"]]
    if len(result["plots"]) != expected_plots:
        out.append(f"{len(result['plots'])} plots in the browser, {expected_plots} in the HTML")
    for p in result["plots"]:
        if min(p["width"], p["height"], p["drawn_width"], p["drawn_height"]) <= 0 or not p["marks"]:
            out.append(f"plot {p['label']!r} is not drawn: {p}")
    return out


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the pixel data) of a PNG, without Pillow."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@pytest.fixture(scope="module")
def report_html() -> str:
    return render_html(json.loads(FIXTURE.read_text(encoding="utf-8")))


def test_report_renders_in_chromium_without_errors_and_every_plot_drawn(
        report_html: str, tmp_path: Path) -> None:
    expected = report_html.count("<svg")
    assert expected >= 8  # seven distribution plots and the query timings
    result = browser_check(report_html, tmp_path)
    assert problems(result, expected) == []
    # a screenshot an engineer can look at
    shot = tmp_path / "report.png"
    page = tmp_path / "report.html"
    page.write_text(report_html, encoding="utf-8")
    proc = _run(chromium(), page, f"--screenshot={shot}", "--window-size=1280,4200")
    assert shot.is_file(), proc.stderr[-2000:]
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1280, 4200)
    assert colours > 32, "the screenshot is blank"
    print(f"screenshot: {shot}")


_BROKEN = {
    "script error": ("</body>", "<script>undefinedFunction()</script></body>"),
    "console error": ("</body>", "<script>console.error('boom')</script></body>"),
    "missing image": ("</body>", '<img src="missing.png"></body>'),
    "zero-size plot": ('<svg viewBox="0 0 560 260"', '<svg style="display:none" viewBox="0 0 560 260"'),
    "empty plot": ("<svg", '<svg width="100" height="100"></svg><svg'),
}


@pytest.mark.parametrize("fault", list(_BROKEN))
def test_the_browser_check_catches_a_broken_page(report_html: str, tmp_path: Path,
                                                 fault: str) -> None:
    old, new = _BROKEN[fault]
    assert old in report_html
    broken = report_html.replace(old, new, 1)
    assert problems(browser_check(broken, tmp_path), broken.count("<svg")) != []
