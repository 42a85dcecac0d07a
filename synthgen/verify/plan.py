"""Read ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` output into the facts the gate compares.

``summarize(doc)`` walks the node tree once and returns a plain dict (JSON-ready):

- ``execution_ms``, ``planning_ms``: the server's own timings;
- ``rows``: actual rows of the top node; ``shared_hit`` / ``shared_read``: buffer blocks of the
  top node (PostgreSQL accumulates children into their parents);
- ``node_types``: node type → count; ``parallel``: a Gather / Gather Merge is present;
- ``sorts``: every Sort and Incremental Sort with its key, method, space type and whether it
  spilled to disk (the node itself or any parallel worker reporting ``Disk``);
- ``scans``: every scan node with its relation, index and direction; ``indexes_used``;
- ``tree``: a compact node tree (type, relation, index, direction, keys, rows, loops) and
  ``shape``: a one-line signature of it, to tell when the plan changed between runs.
"""

from __future__ import annotations

import json
from typing import Any

SORT_NODES = ("Sort", "Incremental Sort")
_SCAN_SUFFIX = "Scan"


def load_explain(doc: str | list[Any] | dict[str, Any]) -> dict[str, Any]:
    """The single top-level object of EXPLAIN FORMAT JSON (text, list or dict)."""
    data: Any = json.loads(doc) if isinstance(doc, str) else doc
    if isinstance(data, list):
        if len(data) != 1:
            raise ValueError(f"EXPLAIN JSON holds {len(data)} plans, expected 1")
        data = data[0]
    if not isinstance(data, dict) or "Plan" not in data:
        raise ValueError("not EXPLAIN FORMAT JSON output (no 'Plan')")
    return data


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node, depth first (parents before children)."""
    out = [node]
    for child in node.get("Plans", ()):
        out.extend(_walk(child))
    return out


def _label(node: dict[str, Any]) -> str:
    """One node as EXPLAIN's text format would name it.

    >>> _label({"Node Type": "Index Scan", "Scan Direction": "Backward",
    ...         "Index Name": "i", "Relation Name": "t"})
    'Index Scan Backward using i on t'
    """
    kind = str(node["Node Type"])
    if node.get("Parallel Aware"):
        kind = "Parallel " + kind
    if kind.endswith("Aggregate") and node.get("Strategy") not in (None, "Plain"):
        kind = f"{node['Strategy']} {kind}"
    if node.get("Scan Direction") == "Backward":
        kind += " Backward"
    if "Index Name" in node:
        kind += f" using {node['Index Name']}"
    if "Relation Name" in node:
        kind += f" on {node['Relation Name']}"
    if "Join Type" in node and node["Join Type"] != "Inner":
        kind += f" ({node['Join Type']})"
    return kind


def _spilled(node: dict[str, Any]) -> bool:
    """Did this sort write to disk (itself, a parallel worker, or an incremental-sort group)?"""
    if node.get("Sort Space Type") == "Disk":
        return True
    if any(w.get("Sort Space Type") == "Disk" for w in node.get("Workers", ())):
        return True
    return any("Sort Space Disk" in node.get(g, {})
               for g in ("Full-sort Groups", "Pre-sorted Groups"))


def _sort_method(node: dict[str, Any]) -> str | None:
    if "Sort Method" in node:
        return str(node["Sort Method"])
    methods = node.get("Full-sort Groups", {}).get("Sort Methods Used")
    return ", ".join(methods) if methods else None


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"node": _label(node)}
    for key, name in (("Sort Key", "sort_key"), ("Presorted Key", "presorted_key"),
                      ("Index Cond", "index_cond"), ("Filter", "filter"),
                      ("Actual Rows", "rows"), ("Actual Loops", "loops")):
        if key in node:
            out[name] = node[key]
    kids = [_compact(c) for c in node.get("Plans", ())]
    if kids:
        out["children"] = kids
    return out


def shape(tree: dict[str, Any]) -> str:
    """A one-line signature of a compact tree: labels only, no numbers.

    >>> shape({"node": "Limit", "children": [{"node": "Sort", "children": [{"node": "Seq Scan on t"}]}]})
    'Limit(Sort(Seq Scan on t))'
    """
    kids = tree.get("children", ())
    return str(tree["node"]) + (f"({', '.join(shape(k) for k in kids)})" if kids else "")


def render_tree(tree: dict[str, Any], indent: int = 0) -> list[str]:
    """The compact tree as indented text lines, EXPLAIN style.

    >>> render_tree({"node": "Limit", "rows": 5, "children": [{"node": "Seq Scan on t", "rows": 5}]})
    ['Limit  (rows=5)', '  ->  Seq Scan on t  (rows=5)']
    """
    prefix = "" if indent == 0 else "  " * (indent - 1) + "  ->  "
    extra = []
    if "sort_key" in tree:
        extra.append("key=" + ", ".join(tree["sort_key"]))
    if "rows" in tree:
        extra.append(f"rows={tree['rows']}")
    if tree.get("loops", 1) != 1:
        extra.append(f"loops={tree['loops']}")
    line = prefix + tree["node"] + (f"  ({'; '.join(extra)})" if extra else "")
    out = [line]
    for child in tree.get("children", ()):
        out.extend(render_tree(child, indent + 1))
    return out


def summarize(doc: str | list[Any] | dict[str, Any]) -> dict[str, Any]:
    """The facts of one EXPLAIN ANALYZE run (see the module docstring)."""
    top = load_explain(doc)
    root = top["Plan"]
    nodes = _walk(root)
    node_types: dict[str, int] = {}
    sorts, scans = [], []
    for n in nodes:
        kind = str(n["Node Type"])
        node_types[kind] = node_types.get(kind, 0) + 1
        if kind in SORT_NODES:
            sorts.append({"node_type": kind, "sort_key": list(n.get("Sort Key", [])),
                          "presorted_key": list(n.get("Presorted Key", [])),
                          "method": _sort_method(n), "space_type": n.get("Sort Space Type"),
                          "space_kb": n.get("Sort Space Used"), "spilled": _spilled(n)})
        if kind.endswith(_SCAN_SUFFIX):
            scans.append({"node_type": kind, "relation": n.get("Relation Name"),
                          "index": n.get("Index Name"), "direction": n.get("Scan Direction"),
                          "rows": n.get("Actual Rows"), "loops": n.get("Actual Loops"),
                          "heap_fetches": n.get("Heap Fetches")})
    tree = _compact(root)
    return {
        "execution_ms": float(top.get("Execution Time", 0.0)),
        "planning_ms": float(top.get("Planning Time", 0.0)),
        "rows": root.get("Actual Rows"),
        "shared_hit": int(root.get("Shared Hit Blocks", 0)),
        "shared_read": int(root.get("Shared Read Blocks", 0)),
        "temp_written": int(root.get("Temp Written Blocks", 0)),
        "node_types": dict(sorted(node_types.items())),
        "parallel": any(k in node_types for k in ("Gather", "Gather Merge")),
        "sorts": sorts,
        "scans": scans,
        "indexes_used": sorted({s["index"] for s in scans if s["index"]}),
        "tree": tree,
        "shape": shape(tree),
    }
