"""report.json: everything a run decided and measured, in one machine-readable document.

Format ``synthgen-report/1``::

    {
      "format": "synthgen-report/1",
      "decision": "GO" | "NO-GO" | "INCOMPLETE",   # GO only when both gates said GO
      "status": "done" | "stopped" | "failed",      # stopped: a gate said NO-GO early
      "error": str | null,                          # the failing stage's message
      "seed", "band", "spec_hash", "dataset", "created_at",
      "versions": {"synthgen", "python", "numpy", "pyarrow", "duckdb", "server"},
      "target": {"dsn" (redacted), "schema", "embedded"} | null,
      "options": {...},                             # the run's options (no secrets)
      "counts": {table: rows},
      "stages": [{"name", "status": done|skipped|failed|not-run, "seconds", "note"}],
      "spec_check": {"targets": [...], "feasible", "adjustments", "estimates"},
      "gates": {
        "fidelity": {"decision", "reasons", "summary", "tolerance", "checks": [...]} | null,
        "indexes":  {"decision", "reasons", "criteria", "counts", "sorts", "buffers",
                     "cases": [... plan trees left out, diffs kept ...], "new_indexes",
                     "hints", "warnings"} | null},
      "indexes": {"file", "applied": [per statement], "sizes": [{"name","table","size_bytes",
                  "new"}], "finish": {...}} | null,
      "load": {... the loader's report ...} | null,
      "distributions": {... synthgen.report.distributions.collect ...} | null
    }
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.dataset import REPORT_HTML, REPORT_JSON, REPORT_MD, write_text

if TYPE_CHECKING:
    from synthgen.pipeline.record import RunRecord

FORMAT = "synthgen-report/1"


def _versions(server: str | None) -> dict[str, Any]:
    import duckdb
    import numpy
    import pyarrow

    import synthgen

    return {"synthgen": synthgen.__version__, "python": platform.python_version(),
            "numpy": numpy.__version__, "pyarrow": pyarrow.__version__,
            "duckdb": duckdb.__version__, "server": server}


def _trim_compare(report: dict[str, Any]) -> dict[str, Any]:
    """The compare report without the plan trees (the diffs stay); compare.json has it all."""
    cases = []
    for c in report["cases"]:
        plan = {k: v for k, v in c["plan"].items() if k not in ("pre_tree", "post_tree")}
        cases.append({**c, "plan": plan})
    keep = ("decision", "reasons", "criteria", "counts", "sorts", "buffers", "new_indexes",
            "hints", "warnings", "pre_label", "post_label", "schema", "workload", "drift")
    return {**{k: report.get(k) for k in keep}, "cases": cases}


def _index_sizes(post: dict[str, Any] | None, new: set[str]) -> list[dict[str, Any]]:
    if post is None:
        return []
    return [{"name": i["name"], "table": i["table"], "size_bytes": i["size_bytes"],
             "new": i["name"] in new}
            for i in post.get("indexes", []) if not i["table"].startswith("_synthgen")]


def decision_of(fidelity: dict[str, Any] | None, compare: dict[str, Any] | None) -> str:
    """GO when both gates said GO; NO-GO when either said NO-GO; else INCOMPLETE.

    >>> decision_of({"decision": "GO"}, {"decision": "GO"}), decision_of({"decision": "NO-GO"}, None)
    ('GO', 'NO-GO')
    """
    verdicts = [g["decision"] for g in (fidelity, compare) if g is not None]
    if "NO-GO" in verdicts:
        return "NO-GO"
    return "GO" if len(verdicts) == 2 else "INCOMPLETE"


def build(rec: RunRecord, *, distributions: dict[str, Any] | None = None) -> dict[str, Any]:
    """Assemble report.json from a run record (any stage's result may be missing)."""
    fidelity = rec.fidelity.doc if rec.fidelity else None
    compare = rec.compare.doc if rec.compare else None
    pre = rec.pre.doc if rec.pre else None
    post = rec.post.doc if rec.post else None
    generation = rec.generation.report if rec.generation else {}
    finish = rec.finish.result if rec.finish else None
    options = rec.options_json()
    decision = decision_of(fidelity, compare)
    status = "failed" if rec.error else ("done" if compare is not None or decision == "GO"
                                         else "stopped" if decision == "NO-GO" else "failed")
    server = (post or pre or {}).get("server", {}).get("version")
    new = {i["index"] for i in (compare or {}).get("new_indexes", [])}
    gates: dict[str, Any] = {"fidelity": None, "indexes": None}
    if fidelity is not None:
        gates["fidelity"] = {k: fidelity.get(k) for k in
                             ("decision", "reasons", "summary", "tolerance", "skipped", "checks")}
    if compare is not None:
        gates["indexes"] = _trim_compare(compare)
    indexes = None
    if rec.applied is not None or finish is not None or post is not None:
        indexes = {"file": options.get("indexes"),
                   "applied": ((rec.applied and rec.applied.result) or {}).get("statements", []),
                   "sizes": _index_sizes(post, new), "finish": finish}
    return {
        "format": FORMAT, "decision": decision, "status": status, "error": rec.error,
        "seed": rec.seed, "band": rec.opts.band, "spec_hash": generation.get("spec_hash"),
        "dataset": str(rec.out),
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": _versions(server), "target": rec.target_json(), "options": options,
        "counts": generation.get("rows", {}), "stages": [s.to_json() for s in rec.stages],
        "spec_check": rec.spec_check.report if rec.spec_check else None, "gates": gates,
        "indexes": indexes, "load": rec.load.report if rec.load else None,
        "distributions": distributions,
        "runs": {"pre": (pre or {}).get("conditions"), "post": (post or {}).get("conditions")},
    }


def write(doc: dict[str, Any], root: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.html into the dataset directory (atomically)."""
    from synthgen.report.html import render_html
    from synthgen.report.markdown import render_markdown

    paths = {}
    for name, text in ((REPORT_JSON, json.dumps(doc, indent=1, default=str) + "\n"),
                       (REPORT_MD, render_markdown(doc)), (REPORT_HTML, render_html(doc))):
        write_text(root / name, text)
        paths[name] = root / name
    return paths
