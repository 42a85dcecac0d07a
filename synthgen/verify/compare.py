"""Compare two baselines and decide GO / NO-GO (DESIGN §9, gate 2).

Per query × parameter set (a *case*), on the median (p50) execution time:

- change = (post − pre) / pre;
- spread = the larger interquartile range (p75 − p25) of the two sides' runs, never below
  50 µs: two baselines are taken minutes apart, and on a shared machine identical plans
  drifted by 13–28 µs between them in testing (0.078 → 0.106 ms with the same plan) — a
  drift no within-baseline spread can see, and nothing an index decision should rest on;
- **improved** when change ≤ −10 % *and* the time saved exceeds the spread; **degraded** when
  change ≥ +10 % *and* the time lost exceeds the spread; otherwise **unchanged**.

Why the interquartile range and not p95 − p50: with ten runs or fewer, p95 is set by the
single slowest run, and latency noise is one-sided (a scheduler hiccup only ever adds
time). In testing on a shared 2-core machine, one 4.4 ms hiccup among five runs made a 47×
regression (0.041 → 1.93 ms, an index dropped) look like noise under a p95 − p50 rule. The
IQR is the spread of the typical runs; p95 is still recorded and reported for every case.

The decision is **NO-GO** when any of these holds:

1. the mean improvement over all cases is below 30 %: mean((pre − post) / pre), where an
   *unchanged* case (within ±10 % or within the noise) counts as 0 %, so noise can neither
   earn nor cost the verdict; the raw mean is reported beside it;
2. more than one *query* has a degraded case;
3. fewer than 60 % of the Sort / Incremental Sort nodes of the pre plans are gone in the post
   plans (net: sorts that appear post count against). **No Sort nodes pre:** the share is
   undefined; we rule the criterion *not applicable* and it passes, unless sorts *appeared*
   post, which fails it. Rationale: the criterion guards against an index change that leaves
   the sort work in place; with no sort work to remove there is nothing to guard, and
   failing would turn a plan-shape rule into a veto on any workload already free of sorts,
   while the other two criteria still judge the timings;
4. the baselines are not like-for-like: a case measured with different parameter values.

New indexes are judged against the indexes that existed before
(``synthgen.verify.redundancy``); a redundant one is reported as such and never credited,
even when the planner picks it.
"""

from __future__ import annotations

import difflib
from typing import Any

from synthgen.errors import InputError
from synthgen.verify.hints import hints
from synthgen.verify.plan import render_tree
from synthgen.verify.redundancy import new_indexes

THRESHOLD = 0.10
MIN_MEAN_IMPROVEMENT = 0.30
MAX_DEGRADED_QUERIES = 1
NOISE_FLOOR_MS = 0.05
MIN_SORTS_ELIMINATED = 0.60
_PINNED = ("jit", "max_parallel_workers_per_gather", "work_mem", "server_version")


def classify(pre_p50: float, pre_iqr: float, post_p50: float, post_iqr: float,
             threshold: float = THRESHOLD) -> dict[str, Any]:
    """improved / degraded / unchanged for one case, with the numbers behind it.

    >>> classify(10.0, 0.5, 5.0, 0.5)["class"]
    'improved'
    >>> classify(10.0, 3.0, 8.0, 0.4)["class"]   # -20 % but the pre runs spread over 3 ms
    'unchanged'
    """
    base = max(pre_p50, 1e-6)
    delta = post_p50 - pre_p50
    change = delta / base
    spread = max(pre_iqr, post_iqr, NOISE_FLOOR_MS)
    label = "unchanged"
    if change <= -threshold and -delta > spread:
        label = "improved"
    elif change >= threshold and delta > spread:
        label = "degraded"
    return {"class": label, "change": round(change, 4), "improvement": round(-change, 4),
            "delta_ms": round(delta, 4), "spread_ms": round(spread, 4)}


def _iqr(stats: dict[str, float]) -> float:
    return float(stats["p75"]) - float(stats["p25"])


def sorts_rule(pre_sorts: int, post_sorts: int,
               minimum: float = MIN_SORTS_ELIMINATED) -> dict[str, Any]:
    """Criterion 3 (see the module docstring), as a dict with its verdict and wording.

    >>> sorts_rule(5, 1)["passed"], sorts_rule(5, 3)["passed"]
    (True, False)
    >>> sorts_rule(0, 0)["applicable"], sorts_rule(0, 0)["passed"], sorts_rule(0, 2)["passed"]
    (False, True, False)
    """
    eliminated = pre_sorts - post_sorts
    if pre_sorts == 0:
        passed = post_sorts == 0
        text = ("no Sort nodes before, none after: the sort criterion does not apply" if passed
                else f"{post_sorts} Sort node(s) appeared where the pre plans had none")
        return {"applicable": False, "pre": 0, "post": post_sorts, "eliminated": eliminated,
                "share": None, "passed": passed, "text": text}
    share = eliminated / pre_sorts
    return {"applicable": True, "pre": pre_sorts, "post": post_sorts, "eliminated": eliminated,
            "share": round(share, 4), "passed": share >= minimum,
            "text": f"Sort nodes {pre_sorts} → {post_sorts}: {share:.0%} eliminated (net; "
                    f"need ≥ {minimum:.0%})"}


def _buffers(plan: dict[str, Any]) -> int:
    return int(plan["shared_hit"]) + int(plan["shared_read"])


def _case(pre: dict[str, Any], post: dict[str, Any], comparable: bool,
          threshold: float) -> dict[str, Any]:
    a, b = pre["plan"], post["plan"]
    cls = classify(pre["execution_ms"]["p50"], _iqr(pre["execution_ms"]),
                   post["execution_ms"]["p50"], _iqr(post["execution_ms"]), threshold)
    pre_text, post_text = render_tree(a["tree"]), render_tree(b["tree"])
    changed = a["shape"] != b["shape"]
    return {
        "query": pre["query"], "param_set": pre["param_set"], "comparable": comparable,
        "pre": {"p50": pre["execution_ms"]["p50"], "p95": pre["execution_ms"]["p95"],
                "planning_p50": pre["planning_ms"]["p50"]},
        "post": {"p50": post["execution_ms"]["p50"], "p95": post["execution_ms"]["p95"],
                 "planning_p50": post["planning_ms"]["p50"]},
        **cls,
        "sorts": {"pre": len(a["sorts"]), "post": len(b["sorts"]),
                  "spilled_pre": sum(s["spilled"] for s in a["sorts"]),
                  "spilled_post": sum(s["spilled"] for s in b["sorts"]),
                  "post_keys": [s["sort_key"] for s in b["sorts"]]},
        "indexes": {"pre": a["indexes_used"], "post": b["indexes_used"],
                    "adopted": sorted(set(b["indexes_used"]) - set(a["indexes_used"])),
                    "abandoned": sorted(set(a["indexes_used"]) - set(b["indexes_used"]))},
        "scans": {"pre": sorted({s["node_type"] for s in a["scans"]}),
                  "post": sorted({s["node_type"] for s in b["scans"]}),
                  "post_by_index": {s["index"]: s["node_type"] for s in b["scans"] if s["index"]}},
        "buffers": {"pre": _buffers(a), "post": _buffers(b),
                    "pre_read": a["shared_read"], "post_read": b["shared_read"]},
        "plan_stable": bool(pre["plan_stable"] and post["plan_stable"]),
        "plan": {"changed": changed, "pre_shape": a["shape"], "post_shape": b["shape"],
                 "pre_tree": a["tree"], "post_tree": b["tree"],
                 "diff": list(difflib.unified_diff(pre_text, post_text, "pre", "post",
                                                   lineterm="", n=20)) if changed else []},
    }


def _match(pre: dict[str, Any], post: dict[str, Any]) -> tuple[list[tuple[dict[str, Any], dict[
        str, Any], bool]], list[str]]:
    """Pair cases by (query, parameter set); say which are missing or measured differently."""
    warnings = []
    pre_sets = {p["name"]: p["values"] for p in pre.get("param_sets", [])}
    post_sets = {p["name"]: p["values"] for p in post.get("param_sets", [])}
    differ = {n for n in pre_sets if n in post_sets and pre_sets[n] != post_sets[n]}
    if differ:
        warnings.append(f"parameter set(s) {', '.join(sorted(differ))} hold different values "
                        "pre and post (did the data change? use --params-from)")
    pre_r = {(r["query"], r["param_set"]): r for r in pre["results"]}
    post_r = {(r["query"], r["param_set"]): r for r in post["results"]}
    missing = sorted(set(pre_r) ^ set(post_r))
    if missing:
        warnings.append("measured on one side only (left out): "
                        + ", ".join(f"{q}/{p}" for q, p in missing))
    pairs = [(pre_r[k], post_r[k], k[1] not in differ) for k in sorted(pre_r) if k in post_r]
    if not pairs:
        raise InputError("the two baselines have no query × parameter set in common")
    for name in _PINNED:
        a, b = pre.get("settings", {}).get(name), post.get("settings", {}).get(name)
        if a != b:
            warnings.append(f"setting {name} differs: pre {a}, post {b}")
    return pairs, warnings


def compare(pre: dict[str, Any], post: dict[str, Any], *, threshold: float = THRESHOLD,
            min_mean_improvement: float = MIN_MEAN_IMPROVEMENT,
            max_degraded_queries: int = MAX_DEGRADED_QUERIES,
            min_sorts_eliminated: float = MIN_SORTS_ELIMINATED) -> dict[str, Any]:
    """The comparison report: cases, criteria, ``decision`` ("GO"/"NO-GO"), ``reasons``, hints."""
    pairs, warnings = _match(pre, post)
    cases = [_case(a, b, ok, threshold) for a, b, ok in pairs]
    mean_impr = sum(c["improvement"] for c in cases if c["class"] != "unchanged") / len(cases)
    mean_raw = sum(c["improvement"] for c in cases) / len(cases)
    degraded_q = sorted({c["query"] for c in cases if c["class"] == "degraded"})
    sorts = sorts_rule(sum(c["sorts"]["pre"] for c in cases),
                       sum(c["sorts"]["post"] for c in cases), min_sorts_eliminated)
    incomparable = [f"{c['query']}/{c['param_set']}" for c in cases if not c["comparable"]]
    criteria = [
        {"name": "mean_improvement", "value": round(mean_impr, 4), "threshold": min_mean_improvement,
         "passed": mean_impr >= min_mean_improvement,
         "raw": round(mean_raw, 4),
         "text": f"mean improvement {mean_impr:.1%} over {len(cases)} cases, noise counted as 0 "
                 f"(raw {mean_raw:.1%}; need ≥ {min_mean_improvement:.0%})"},
        {"name": "degraded_queries", "value": len(degraded_q), "threshold": max_degraded_queries,
         "passed": len(degraded_q) <= max_degraded_queries,
         "text": f"{len(degraded_q)} quer{'y' if len(degraded_q) == 1 else 'ies'} degraded"
                 + (f" ({', '.join(degraded_q)})" if degraded_q else "")
                 + f" (at most {max_degraded_queries} allowed)"},
        {"name": "sorts_eliminated", "value": sorts["share"], "threshold": min_sorts_eliminated,
         "passed": sorts["passed"], "text": sorts["text"]},
        {"name": "like_for_like", "value": len(incomparable), "threshold": 0,
         "passed": not incomparable,
         "text": "every case measured with the same parameters pre and post" if not incomparable
                 else f"cases measured with different parameters: {', '.join(incomparable)}"},
    ]
    indexes = _index_findings(pre, post, cases)
    decision = "GO" if all(c["passed"] for c in criteria) else "NO-GO"
    reasons = [("FAIL: " if not c["passed"] else "ok: ") + c["text"] for c in criteria
               if decision == "GO" or not c["passed"]]
    reasons += [f"note: new index {i['index']} is REDUNDANT: {i['why']}; not credited"
                for i in indexes if i["verdict"] == "redundant"]
    report = {
        "format": "synthgen-compare/1", "decision": decision, "reasons": reasons,
        "pre_label": pre.get("label"), "post_label": post.get("label"),
        "schema": post.get("schema"), "criteria": criteria, "sorts": sorts,
        "counts": {k: sum(c["class"] == k for c in cases)
                   for k in ("improved", "degraded", "unchanged")},
        "buffers": {"pre": sum(c["buffers"]["pre"] for c in cases),
                    "post": sum(c["buffers"]["post"] for c in cases)},
        "cases": cases, "new_indexes": indexes, "warnings": warnings,
    }
    report["hints"] = hints(report)
    return report


def _index_findings(pre: dict[str, Any], post: dict[str, Any],
                    cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New indexes: verdict against the old ones, which cases use them, credited or not."""
    found = new_indexes(pre.get("indexes", []), post.get("indexes", []))
    for f in found:
        used = [f"{c['query']}/{c['param_set']}" for c in cases if f["index"] in c["indexes"]["post"]]
        f["scan_types"] = sorted({c["scans"]["post_by_index"][f["index"]] for c in cases
                                  if f["index"] in c["scans"]["post_by_index"]})
        improved = [f"{c['query']}/{c['param_set']}" for c in cases
                    if f["index"] in c["indexes"]["adopted"] and c["class"] == "improved"]
        f["used_by"] = used
        f["credited"] = f["verdict"] != "redundant" and bool(improved)
        f["improved_cases"] = improved
    return found
