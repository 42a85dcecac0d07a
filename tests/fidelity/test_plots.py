"""The plots' measurements: recorded by the gate in fidelity.json, read back by the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from synthgen.dataset import FIDELITY, SPEC
from synthgen.fidelity import validate_dataset
from synthgen.report.distributions import collect

pytestmark = pytest.mark.slow  # reads the generated ci dataset

FIDELITY_SECTION_MAX_BYTES = 16_000
"""Bucketed counts only: the section stays small whatever the band."""


@pytest.fixture(scope="module")
def gate_dir(ci_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fidelity.json of the ci dataset beside a copy of its spec (the dataset stays untouched)."""
    out = tmp_path_factory.mktemp("plots")
    validate_dataset(ci_dataset, out=out / FIDELITY)
    shutil.copy(ci_dataset / SPEC, out / SPEC)
    return out


def _gate(gate_dir: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((gate_dir / FIDELITY).read_text())
    return doc


def test_section_is_small_and_counts_every_row(gate_dir: Path, ci_dataset: Path) -> None:
    doc = _gate(gate_dir)
    section = doc["distributions"]
    assert len(json.dumps(section)) < FIDELITY_SECTION_MAX_BYTES
    manifest = json.loads((ci_dataset / "manifest.json").read_text())
    rows = {t: sum(f["rows"] for f in manifest["files"] if f["table"] == t)
            for t in ("conversations", "messages", "attachments")}
    assert sum(map(sum, section["hour_of_week"]["counts"])) == rows["messages"]
    assert sum(section["message_types"]["counts"]) == rows["messages"]
    assert sum(section["attachment_types"]["counts"]) == rows["attachments"]
    assert section["messages_per_conversation"]["conversations"] == rows["conversations"]
    within = section["read_latency"]["within"]
    assert within == sorted(within)
    assert within[-1] <= section["read_latency"]["n"]


def test_plots_show_what_the_gate_judged(gate_dir: Path) -> None:
    achieved = {c["name"]: c["achieved"] for c in _gate(gate_dir)["checks"]
                if c["kind"] == "distribution"}
    plots = collect(gate_dir)
    assert plots is not None
    rl = plots["read_latency"]
    for seconds, metric in ((30, "read_latency.immediate_share"),
                            (3_600, "read_latency.within_1h_share")):
        assert rl["achieved"][rl["seconds"].index(seconds)] == pytest.approx(achieved[metric])
    assert plots["media_mix"]["media_ratio"]["achieved"] == pytest.approx(achieved["media.ratio"])
    mix = dict(zip(plots["media_mix"]["attachment_types"],
                   plots["media_mix"]["attachment_achieved"], strict=True))
    assert mix["IMAGE"] == pytest.approx(achieved["attachment_type.image_share"])
    sizes = dict(zip(plots["conversation_sizes"]["classes"],
                     plots["conversation_sizes"]["achieved"], strict=True))
    assert sizes["direct"] == pytest.approx(achieved["conversation_size.direct_share"])
    for curve in (plots["content_length"]["spec"], plots["read_latency"]["spec"]):
        assert all(0.0 <= v <= 1.0 for v in curve)


def test_no_section_no_plots(gate_dir: Path, tmp_path: Path) -> None:
    doc = _gate(gate_dir)
    doc.pop("distributions")
    (tmp_path / FIDELITY).write_text(json.dumps(doc))
    shutil.copy(gate_dir / SPEC, tmp_path / SPEC)
    assert collect(tmp_path) is None
