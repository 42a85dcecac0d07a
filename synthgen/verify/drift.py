"""Machine drift in gate 2: control cases measure it, and it is divided out.

**Machine drift** (a shared machine runs faster or slower while post is measured than while
pre was) is measured, not assumed away, by *control* cases: cases that do the same work pre
and post, so their median log ratio is the machine's speed change. Reads and writes are
measured in separate phases (writes first), so each kind has its own controls and factor:

- read controls: read cases whose plan shape and buffer count (within 1 %) did not change;
- write controls: write cases on a table that gained no index (an index on one table cannot
  change an insert into another; their buffer counts are not compared, since rolled-back
  probe rows leave index entries behind that move a write's buffers between baselines).

With at least ``MIN_CONTROLS`` read (``MIN_WRITE_CONTROLS`` write) controls, every case of
that kind has its ratio and interval divided by the factor before classification and
aggregation (the aggregate's bootstrap draws subtract the controls' median draw, so the
drift's own uncertainty widens G's interval); raw values are kept beside them; with fewer,
that kind stays raw and the rule says so. A drift beyond ``DRIFT_WARN`` is a warning:
re-measure on a quieter machine. A control cannot hide a candidate's cost: an index changes
a read's time only through its plan or buffers, and a write's only on its own table.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthgen.verify import stats

WRITE_TABLES = {"Q2": "messages", "Q5": "message_receipts"}
"""The table each write path inserts into."""
MIN_CONTROLS = 5
"""Fewest read controls (same plan, same buffers) from which the reads' drift is removed."""
MIN_WRITE_CONTROLS = 2
"""Fewest write controls (no new index on the written table) for the writes' drift."""
CONTROL_BUFFERS = 0.01
"""A control's buffer count may differ pre vs post by at most this fraction."""
DRIFT_WARN = 0.20
"""A machine drift beyond ±this is corrected, and warned about."""


def mark_controls(cases: list[dict[str, Any]], new_tables: set[str]) -> None:
    """Flag every control case (``control: True``): the candidate cannot change its work."""
    for kind in ("read", "write"):
        for i in controls(cases, kind, new_tables):
            cases[i]["control"] = True


def controls(cases: list[dict[str, Any]], kind: str, new_tables: set[str]) -> list[int]:
    """The cases of ``kind`` that do the same work pre and post (see module doc)."""
    def same_work(c: dict[str, Any]) -> bool:
        return bool(c["comparable"] and c["buffers"]["pre"] > 0
                    and abs(c["buffers"]["ratio"] - 1) <= CONTROL_BUFFERS)

    if kind == "read":
        return [i for i, c in enumerate(cases)
                if c["kind"] == "read" and not c["plan"]["changed"] and same_work(c)]
    return [i for i, c in enumerate(cases)
            if c["kind"] == "write" and c["comparable"] and c["query"] in WRITE_TABLES
            and WRITE_TABLES[c["query"]] not in new_tables]


def measure_drift(cases: list[dict[str, Any]], draws: list[np.ndarray], kind: str,
           new_tables: set[str]) -> dict[str, Any]:
    """The machine's speed change post vs pre for one kind of case, from its controls."""
    ctrl = controls(cases, kind, new_tables)
    need = MIN_CONTROLS if kind == "read" else MIN_WRITE_CONTROLS
    out: dict[str, Any] = {"kind": kind, "controls": len(ctrl), "min_controls": need,
                           "cases": sum(c["kind"] == kind for c in cases),
                           "queries": sorted({cases[i]["query"] for i in ctrl})}
    if len(ctrl) < need:
        return {**out, "applied": False, "ratio": 1.0, "interval": [1.0, 1.0],
                "draws": np.zeros_like(draws[0]) if draws else np.zeros(1)}
    log_d = float(np.median([math.log(max(cases[i]["ratio"], 1e-9)) for i in ctrl]))
    d_draws = np.median(np.stack([draws[i] for i in ctrl]), axis=0)
    lo, hi = stats.interval(d_draws)
    return {**out, "applied": True, "ratio": round(math.exp(log_d), 4),
            "interval": [round(lo, 4), round(hi, 4)], "draws": d_draws}


def correct(cases: list[dict[str, Any]], draws: list[np.ndarray],
             drifts: dict[str, dict[str, Any]], band: float) -> list[np.ndarray]:
    """Divide each case's ratio and interval by its kind's drift, reclassify; keep the raw."""
    out = list(draws)
    for i, c in enumerate(cases):
        d = drifts.get(c["kind"])
        if d is None or not d["applied"]:
            continue
        f = d["ratio"]
        c["raw"] = {"ratio": c["ratio"], "interval": c["interval"], "class": c["class"]}
        c["ratio"] = c["ratio"] / f
        c["change"] = c["ratio"] - 1
        lo, hi = c["interval"][0] / f, c["interval"][1] / f
        c["interval"] = [lo, hi]
        c["class"] = stats.classify(lo, hi, band)
        out[i] = draws[i] - d["draws"]
    return out


def drift_line(d: dict[str, Any]) -> str:
    """One line on one kind's machine drift: what its controls said and whether it was removed."""
    what = ("read cases with the same plan and buffers" if d["kind"] == "read"
            else "write cases on tables without a new index")
    if not d["applied"]:
        return (f"{d['kind']} drift not removed: {d['controls']} control(s) ({what}) < "
                f"{d['min_controls']} needed; {d['kind']} ratios are raw")
    lo, hi = d["interval"]
    return (f"{d['kind']} drift: {d['controls']} controls ({what}; "
            f"{', '.join(d['queries'])}) ran {stats.pct(d['ratio'] - 1)} post vs pre (95% "
            f"interval {stats.pct(lo - 1)} to {stats.pct(hi - 1)}); every {d['kind']} case's "
            f"ratio and interval are divided by {d['ratio']:.4f} (raw values kept)")
