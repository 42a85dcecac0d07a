"""report.md and report.html rendered from a stored report.json: no database, no dataset.

``fixtures/report.json`` is a real ``synthgen run --band ci --seed report_fixture`` report
(embedded server; gate 1 GO, gate 2 NO-GO), trimmed to one parameter set per query and to the
distribution checks plus two integrity and two PII checks, with its counts recomputed.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from synthgen.report.html import render_html
from synthgen.report.markdown import render_markdown

FIXTURE = Path(__file__).parent / "fixtures" / "report.json"
DISTRIBUTION_PLOTS = 7  # sizes, messages/conversation, length, hour of week, latency, 2 media
TIMINGS_PLOTS = 1  # gate 2's before/after p50 chart
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def doc() -> dict[str, Any]:
    """A fresh copy of the stored report (tests may change it)."""
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


def test_the_fixture_is_a_complete_run(doc: dict[str, Any]) -> None:
    """Guard the fixture itself: both gates reached, plot data present."""
    assert doc["decision"] == "NO-GO"
    assert doc["gates"]["fidelity"]["decision"] == "GO"
    assert doc["gates"]["indexes"]["decision"] == "NO-GO"
    assert doc["gates"]["indexes"]["cases"]
    assert doc["distributions"]["read_latency"]


def test_markdown_has_the_verdict_and_both_gates(doc: dict[str, Any]) -> None:
    md = render_markdown(doc)
    assert md.startswith("# synthgen run: NO-GO\n")
    assert "- gate 1 (fidelity): **GO**" in md
    assert "- gate 2 (indexes): **NO-GO**" in md
    for heading in ("## Stages", "## Gate 1: fidelity — GO", "## Gate 2: indexes — NO-GO"):
        assert f"\n{heading}\n" in md
    for reason in doc["gates"]["indexes"]["reasons"]:
        assert f"- {reason}" in md
    for stage in doc["stages"]:
        assert f"| {stage['name']} | {stage['status']} |" in md
    for check in doc["gates"]["fidelity"]["checks"]:
        if check["kind"] == "distribution":
            assert f"| {check['name']}{' (infeasible' if check['infeasible'] else ' |'}" in md
        else:  # passed integrity/PII checks are summarised, not listed
            assert f"{check['kind']}: {check['name']}" not in md
    for case in doc["gates"]["indexes"]["cases"]:
        assert f"| {case['query']} | {case['param_set']} |" in md


def test_markdown_of_a_run_stopped_at_gate_1(doc: dict[str, Any]) -> None:
    doc["gates"]["indexes"] = None
    md = render_markdown(doc)
    assert "- gate 2 (indexes): **not reached**" in md
    assert "## Gate 2" not in md


def test_html_is_self_contained(doc: dict[str, Any]) -> None:
    page = render_html(doc)
    assert page.startswith("<!doctype html>")
    assert not re.search(r"https?://", page), "the page must fetch nothing"
    for external in ("<script", "<link", "<iframe", "<img", "src=", "@import", "url("):
        assert external not in page.lower()


def test_html_has_every_plot_inline(doc: dict[str, Any]) -> None:
    page = render_html(doc)
    assert page.count("<svg") == page.count("</svg>") == DISTRIBUTION_PLOTS + TIMINGS_PLOTS


def test_html_without_plot_data_has_only_the_timings_chart(doc: dict[str, Any]) -> None:
    del doc["distributions"]
    assert render_html(doc).count("<svg") == TIMINGS_PLOTS


def test_html_escapes_text_from_the_run(doc: dict[str, Any]) -> None:
    doc["stages"][0]["note"] = HOSTILE
    doc["gates"]["indexes"]["reasons"].append(HOSTILE)
    doc["error"] = HOSTILE
    doc["seed"] = HOSTILE
    page = render_html(doc)
    assert "<script" not in page
    assert page.count("&lt;script&gt;") >= 4
