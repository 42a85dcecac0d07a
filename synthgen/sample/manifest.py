"""The manifest written beside an export: what was measured, how, and a hash of the file."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from synthgen.dataset import write_json
from synthgen.metrics import METRICS
from synthgen.sample import UNIT
from synthgen.sample.bounded import BOUND_SEED, RELEASES, UNBOUNDABLE
from synthgen.sample.measures import MEASURES
from synthgen.sample.privacy import Noised


def manifest_path(export: Path) -> Path:
    """``shape-metrics.json`` -> ``shape-metrics.manifest.json``."""
    return export.with_name(export.stem + ".manifest.json")


def build_manifest(export: Path, body: bytes, doc: dict[str, Any], *, schema: str,
                   noised: Noised | None, withheld: list[str], suppressed_cells: int,
                   elapsed_s: float, cost: dict[str, int]) -> dict[str, Any]:
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
        "differential_privacy": None if noised is None else {
            "library": "opendp", "mechanism": "discrete Laplace on every cell (vector, L1)",
            "unit_of_privacy": UNIT,
            "users_rows": "users.id, messages.senderId, message_reads.userId, "
                          "attachments.uploaderId, conversation_users.userId",
            "contribution_bounding": f"per user, a seeded deterministic choice of rows "
                                     f"(md5 of '{BOUND_SEED}' and the row id)",
            "composition": "opendp make_composition of every measurement at d_in = 1 user",
            "epsilon_total": noised.epsilon_total,
            "releases": noised.ledger,
            "post_processed": "quantiles from the noisy histograms, time ratios from the "
                              "hour-of-week grid, user count from the username histogram",
            "withheld": "every metric not listed or post-processed",
            "unboundable": UNBOUNDABLE},
        "measured": ([m.name for m in MEASURES] + ["time.weekday_to_weekend"] if noised is None
                     else [r.measure.name for r in RELEASES]),
        "fidelity_metric_names": sorted(METRICS),
        "withheld": withheld,
        "suppressed_cells": suppressed_cells,
        "gate": {"schema": "passed", "pii_scan": "passed"},
        "elapsed_s": round(elapsed_s, 2),
        "replica_cost": {**cost, "block_bytes": 8192,
                         "note": "statements after connecting (BEGIN, scan settings, "
                                 "measure, counters, COMMIT); blocks from "
                                 "pg_stat_get_xact_blocks_* of the sampled schema in the "
                                 "sampler's own transaction"},
        "rules": {
            "cells": "a cell over 1..k-1 distinct users/conversations is suppressed, plus the "
                     "smallest remaining non-zero cell of its histogram",
            "quantiles": "p published only when min(p, 1-p) * entities >= k; 2 significant digits",
            "scalars": "need >= k entities; 3 significant digits (population totals: 2)"},
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    write_json(path, manifest, indent=2)
