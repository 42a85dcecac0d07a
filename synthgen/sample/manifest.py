"""The manifest written beside an export: what was measured, how, and a hash of the file."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from synthgen.dataset import write_json
from synthgen.metrics import METRICS
from synthgen.sample.measures import MEASURES


def manifest_path(export: Path) -> Path:
    """``shape-metrics.json`` -> ``shape-metrics.manifest.json``."""
    return export.with_name(export.stem + ".manifest.json")


def build_manifest(export: Path, body: bytes, doc: dict[str, Any], *, schema: str,
                   dp_ledger: list[dict[str, Any]] | None, withheld: list[str],
                   suppressed_cells: int, elapsed_s: float) -> dict[str, Any]:
    """Everything a reviewer needs to decide whether the export may leave the network."""
    from synthgen import __version__

    return {
        "format": "synthgen.shape-metrics-manifest",
        "export": export.name,
        "sha256": hashlib.sha256(body).hexdigest(),
        "bytes": len(body),
        "synthgen_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "schema": schema,
        "window_days": doc["window_days"],
        "k": doc["k"],
        "epsilon": doc["epsilon"],
        "epsilon_spent": doc["epsilon_spent"],
        "differential_privacy": None if dp_ledger is None else {
            "library": "opendp", "mechanism": "discrete Laplace (vector, L1)",
            "unit_of_privacy": "one counted row (event-level), not one person",
            "composition": "basic (sum of per-release epsilons)",
            "releases": dp_ledger,
            "not_covered": "planner facts (catalog statistics), coarsened only"},
        "measured": [m.name for m in MEASURES] + ["time.weekday_to_weekend", "planner"],
        "fidelity_metric_names": sorted(METRICS),
        "withheld": withheld,
        "suppressed_cells": suppressed_cells,
        "gate": {"schema": "passed", "pii_scan": "passed"},
        "elapsed_s": round(elapsed_s, 2),
        "rules": {
            "cells": "a cell over 1..k-1 distinct users/conversations is suppressed, plus the "
                     "smallest remaining non-zero cell of its histogram",
            "quantiles": "p published only when min(p, 1-p) * entities >= k; 2 significant digits",
            "scalars": "need >= k entities; 3 significant digits (population totals: 2)"},
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    write_json(path, manifest, indent=2)
