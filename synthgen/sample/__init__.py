"""The production sampler (``synthgen sample``): aggregate shape metrics, safe to carry out.

Runs aggregate SQL inside PostgreSQL over a read-only session (one measuring statement: each
table read once), applies the suppression and coarsening rules, or with ``epsilon`` measures
only the user-level bounded releases and adds OpenDP noise; passes the result through the
export gate, and only then writes the JSON and its manifest.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from synthgen.errors import InputError
from synthgen.pg.sql import check_schema_name

__all__ = ["UNIT", "sample"]

UNIT = "one user and everything they did in the window"
"""The unit of privacy under ``--epsilon``, stated once (README, manifest, ``--help``)."""


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
    from synthgen.sample.bounded import RELEASES, run_releases
    from synthgen.sample.export import build_export, suppressed_cells, withheld
    from synthgen.sample.gate import check_export
    from synthgen.sample.manifest import build_manifest, manifest_path, write_manifest
    from synthgen.sample.measures import MEASURES, window_measures
    from synthgen.sample.privacy import add_noise
    from synthgen.sample.queries import Session, run_measures
    from synthgen.sample.sources import with_clause

    check_schema_name(schema)
    _check_args(window_days, k, epsilon)
    started = time.perf_counter()
    measures = MEASURES + window_measures(window_days)
    conn = connect(dsn, read_only=True, statement_timeout_s=statement_timeout_s)
    session = Session(conn)
    try:
        # one read-only transaction: the block counters then cover exactly this sample
        session.run("begin", "BEGIN READ ONLY")
        # Sequential scans only, for this transaction: an index that hands rows over in the
        # order a window or grouping wants costs one random heap fetch per row on the replica
        # (7.5 M block fetches instead of 0.45 M on the dev band); set_config is wrapped so
        # only a number comes back
        session.run("scan settings", "SELECT count(*) FROM (SELECT set_config("
                    "'enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', "
                    "true), set_config('enable_indexonlyscan', 'off', true)) s")
        if epsilon is None:
            raw = run_measures(session, measures, with_clause(schema, window_days))
            noised = None
        else:  # only the bounded releases are measured: nothing exact is computed
            raw = {}
            noised = add_noise(RELEASES, run_releases(session, schema, window_days), epsilon)
        fetched, hit = session.blocks(schema)
        session.run("commit", "COMMIT")
    finally:
        conn.close()
    doc = build_export(measures, raw, window_days=window_days, k=k, noised=noised)
    check_export(doc)  # raises GateFailed (exit 1) before anything is written
    body = (json.dumps(doc, indent=1) + "\n").encode()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    cost = {"statements": session.statements, "blocks_fetched": fetched,
            "blocks_read": fetched - hit, "blocks_hit": hit}
    manifest = build_manifest(out, body, doc, schema=schema, noised=noised,
                              withheld=withheld(doc), suppressed_cells=suppressed_cells(doc),
                              elapsed_s=time.perf_counter() - started, cost=cost)
    mpath = manifest_path(out)
    write_manifest(mpath, manifest)
    return {"out": str(out), "manifest": str(mpath), "sha256": manifest["sha256"],
            "measures": len(measures), "suppressed_cells": manifest["suppressed_cells"],
            "withheld": manifest["withheld"], "epsilon_spent": doc["epsilon_spent"],
            "elapsed_s": manifest["elapsed_s"], **cost}
