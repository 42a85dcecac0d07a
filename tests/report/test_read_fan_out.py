"""The report's read fan-out block: spec check's expected value beside gate 1's achieved one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from synthgen.report.html import render_html
from synthgen.report.markdown import render_markdown
from synthgen.report.reads import LABELS, fan_out

FIXTURE = Path(__file__).parent / "fixtures" / "report.json"


def _check(name: str, target: float, achieved: float, source: str = "feasibility",
           spec_target: float | None = None) -> dict[str, Any]:
    return {"name": name, "kind": "distribution", "target": target, "achieved": achieved,
            "deviation": abs(achieved - target) / target, "band": 0.3, "level": None,
            "severity": "ok", "infeasible": False, "source": source,
            "spec_target": spec_target, "n": 1000, "examples": [], "detail": ""}


@pytest.fixture
def doc() -> dict[str, Any]:
    d: dict[str, Any] = json.loads(FIXTURE.read_text())
    d["gates"]["fidelity"]["checks"] += [
        _check("reads.per_message", 0.82, 0.8107, spec_target=0.82),
        _check("reads.heavy_room_per_message", 0.82, 0.8115, spec_target=0.82),
        _check("reads.heavy_room_member_coverage", 0.028799, 0.027767)]
    d["spec_check"]["reads"] = {"max_recipients": 1, "reads_per_message": 0.82,
                                "heavy_room_reads_per_message": 0.82,
                                "heavy_room_member_coverage": 0.028799}
    return d


def test_markdown_shows_expected_beside_achieved_and_why_q4_cares(doc: dict[str, Any]) -> None:
    md = render_markdown(doc)
    block = md[md.index("### Read fan-out"):]
    for label in LABELS.values():
        assert f"| {label} |" in block
    assert "| per-member read coverage, heavy rooms | 2.9% | 2.8% | 3.6% | 30.0% | ok |" in block
    assert "| reads per message | 0.82 | 0.8107 |" in block
    assert "Q4" in block
    assert "at most 1 recipient(s) per message" in block


def test_html_has_the_same_block(doc: dict[str, Any]) -> None:
    html = render_html(doc)
    assert "<h3>Read fan-out</h3>" in html
    assert "per-member read coverage, heavy rooms" in html
    assert "unread count" in html


def test_against_an_export_shows_productions_value_too(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    checks = d["gates"]["fidelity"]["checks"]
    checks[-1] = _check("reads.heavy_room_member_coverage", 0.4, 0.027767, source="override",
                        spec_target=0.028799)
    rows, _ = fan_out(d) or ([], "")
    assert rows[-1][1] == "2.9%"
    assert rows[-1][2] == "2.8% (production 40.0%)"


def test_a_run_from_before_the_metrics_shows_spec_check_only(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    d["gates"]["fidelity"]["checks"] = [c for c in d["gates"]["fidelity"]["checks"]
                                        if c["name"] not in LABELS]
    rows, _ = fan_out(d) or ([], "")
    assert [r[-1] for r in rows] == ["not measured"] * 3
    d["spec_check"]["reads"] = None
    assert fan_out(d) is None
    assert "Read fan-out" not in render_markdown(d)
