"""Fixtures for `synthgen run`: a spec the ci band cannot meet, the repo's index file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INDEXES = ROOT / "indexes" / "phase-2.sql"


@pytest.fixture
def unmeetable_spec(tmp_path: Path) -> Path:
    """The shipped spec asking for inter-arrival CV 40: no conversation of the ci band gets
    that bursty, so gate 1 must say NO-GO (critical burstiness deviation)."""
    spec = json.loads((ROOT / "spec" / "distribution-spec.json").read_text())
    spec["time"]["interarrival_cv"] = 40.0
    path = tmp_path / "unmeetable-spec.json"
    path.write_text(json.dumps(spec))
    return path
