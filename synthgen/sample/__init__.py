"""The production sampler (``synthgen sample``): aggregate shape metrics, safe to carry out.

Runs aggregate SQL inside PostgreSQL over a read-only session, applies the suppression and
coarsening rules (and optional DP noise), passes the result through the export gate, and only
then writes the JSON and its manifest.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from synthgen.errors import InputError
from synthgen.pg.sql import check_schema_name

__all__ = ["sample"]


def _check_args(window_days: int, k: int, epsilon: float | None) -> None:
    if window_days < 1:
        raise InputError(f"--window-days must be >= 1, got {window_days}")
    if k < 2:
        raise InputError(f"--k must be >= 2 (10 or more recommended), got {k}")
    if epsilon is not None and not (epsilon > 0 and math.isfinite(epsilon)):
        raise InputError(f"--epsilon must be a positive number, got {epsilon}")


def sample(dsn: str, schema: str = "public", window_days: int = 30, k: int = 10,
           epsilon: float | None = None, out: Path = Path("shape-metrics.json"), *,
           statement_timeout_s: int = 600) -> dict[str, Any]:
    """Measure production, gate the export, write it and its manifest; return a summary."""
    from synthgen.pg.connect import connect
    from synthgen.sample.export import build_export, suppressed_cells, withheld
    from synthgen.sample.gate import check_export
    from synthgen.sample.manifest import build_manifest, manifest_path, write_manifest
    from synthgen.sample.measures import MEASURES, window_measures
    from synthgen.sample.planner import planner_facts
    from synthgen.sample.queries import run_measures
    from synthgen.sample.sources import with_clause

    check_schema_name(schema)
    _check_args(window_days, k, epsilon)
    started = time.perf_counter()
    measures = MEASURES + window_measures(window_days)
    conn = connect(dsn, read_only=True, statement_timeout_s=statement_timeout_s)
    try:
        raw = run_measures(conn, measures, with_clause(schema, window_days))
        planner = planner_facts(conn, schema)
    finally:
        conn.close()
    doc, budget = build_export(measures, raw, planner, window_days=window_days, k=k,
                               epsilon=epsilon)
    check_export(doc)  # raises GateFailed (exit 1) before anything is written
    body = (json.dumps(doc, indent=1) + "\n").encode()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    manifest = build_manifest(out, body, doc, schema=schema,
                              dp_ledger=None if budget is None else budget.spent,
                              withheld=withheld(doc), suppressed_cells=suppressed_cells(doc),
                              elapsed_s=time.perf_counter() - started)
    mpath = manifest_path(out)
    write_manifest(mpath, manifest)
    return {"out": str(out), "manifest": str(mpath), "sha256": manifest["sha256"],
            "measures": len(measures), "suppressed_cells": manifest["suppressed_cells"],
            "withheld": manifest["withheld"], "epsilon_spent": doc["epsilon_spent"],
            "elapsed_s": manifest["elapsed_s"]}
