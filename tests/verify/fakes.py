"""Hand-made baseline documents, for testing the compare rule without a database."""

from __future__ import annotations

from typing import Any

JITTER = (-0.03, -0.02, -0.01, -0.005, 0.0, 0.0, 0.005, 0.01, 0.02, 0.03)
"""Run-to-run spread of a steady case: ±3 % around its median, ten runs."""


def result(query: str, pset: str, p50: float, p95: float | None = None, *,
           runs: list[float] | None = None, sorts: int = 0,
           spilled: int = 0, indexes: tuple[str, ...] = (), scan: str = "Index Scan",
           hit: int = 10, read: int = 0, kind: str = "read",
           plan: dict[str, Any] | None = None) -> dict[str, Any]:
    """One baseline result with a plan of the given shape (or ``plan``, a summarised one)."""
    runs = [p50 * (1 + j) for j in JITTER] if runs is None else runs
    p95 = max(runs) if p95 is None else p95
    leaf = ({"node": f"{scan} using {indexes[0]} on t"} if indexes else {"node": "Seq Scan on t"})
    tree: dict[str, Any] = leaf
    sort_list = []
    for i in range(sorts):
        tree = {"node": "Sort", "sort_key": ["k"], "children": [tree]}
        sort_list.append({"node_type": "Sort", "sort_key": ["k"], "presorted_key": [],
                          "method": "quicksort", "space_type": "Disk" if i < spilled else "Memory",
                          "space_kb": 25, "spilled": i < spilled})
    tree = {"node": "Limit", "children": [tree]}
    from synthgen.verify.plan import shape

    if plan is None:
        plan = {"rows": 50, "shared_hit": hit, "shared_read": read, "temp_written": 0,
                "node_types": {}, "parallel": False, "sorts": sort_list,
                "scans": [{"node_type": scan if indexes else "Seq Scan", "relation": "t",
                           "index": indexes[0] if indexes else None, "direction": "Forward",
                           "rows": 50, "loops": 1, "heap_fetches": None}],
                "indexes_used": list(indexes), "tree": tree, "shape": shape(tree)}
    buffers = int(plan["shared_hit"]) + int(plan["shared_read"])
    return {
        "query": query, "param_set": pset, "kind": kind, "batch": 1,
        "execution_ms": {"p25": p50, "p50": p50, "p75": p50, "p95": p95,
                         "min": min(runs), "max": max(runs)},
        "planning_ms": {"p50": 0.05, "p95": 0.06}, "runs_ms": runs, "plan_stable": True,
        "buffers_runs": [buffers] * len(runs),
        "cache": {"executions": len(runs), "read_blocks": int(plan["shared_read"]) * len(runs)},
        "plan": plan,
    }


def index(name: str, table: str, *keys: str, include: tuple[str, ...] = (),
          unique: bool = False) -> dict[str, Any]:
    """An index entry; a key ending in ' DESC' is descending."""
    return {"name": name, "table": table, "method": "btree",
            "keys": [{"column": k.removesuffix(" DESC"), "desc": k.endswith(" DESC")}
                     for k in keys],
            "include": list(include), "unique": unique, "primary": False, "valid": True,
            "predicate": None, "size_bytes": 8192, "definition": f"CREATE INDEX {name} …"}


def doc(label: str, results: list[dict[str, Any]], indexes: list[dict[str, Any]] | None = None,
        param_values: dict[str, str] | None = None) -> dict[str, Any]:
    """A baseline document around some results (each parameter set its own point)."""
    sets = sorted({r["param_set"] for r in results})
    values = param_values or {}
    return {"format": "synthgen-baseline/1", "label": label, "schema": "s",
            "settings": {"jit": "off", "max_parallel_workers_per_gather": "2"},
            "conditions": {"prewarm": {"used": True}},
            "param_sets": [{"name": s, "kind": "conversation", "point": s,
                            "values": {"conversation_id": values.get(s, "c-" + s)}}
                           for s in sets],
            "indexes": indexes or [], "results": results}
