"""Mitigation hints: what a reviewer could do about each finding of a comparison."""

from __future__ import annotations

from typing import Any


def _mib(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**20:.1f} MiB"


def hints(report: dict[str, Any]) -> list[str]:
    """Plain-language suggestions derived from a compare report (cases, indexes, criteria)."""
    out: list[str] = []
    cases = report["cases"]
    for c in cases:
        if c["class"] == "degraded":
            out.append(f"{c['query']}/{c['param_set']} is {c['change']:+.0%} slower "
                       f"({c['pre']['p50']:.3f} → {c['post']['p50']:.3f} ms); plan "
                       f"{c['plan']['pre_shape']} → {c['plan']['post_shape']}. If a new index "
                       "drew the planner away, ANALYZE the table, compare row estimates in the "
                       "plan diff, or drop that index.")
    for i in report["new_indexes"]:
        if i["verdict"] == "redundant":
            out.append(f"Drop {i['index']} from the index file: {i['why']}. It costs "
                       f"{_mib(i['size_bytes'])} and slows every write to {i['table']} for no "
                       "read it makes possible.")
        elif i["verdict"] == "covering-variant":
            only = "Index Only Scan" in i["scan_types"]
            usage = ("no measured plan uses it" if not i["used_by"] else
                     f"used by {', '.join(i['used_by'])} via {', '.join(i['scan_types'])}"
                     + ("" if only else ", never index-only, so its INCLUDE columns buy nothing"))
            out.append(f"{i['index']}: {i['why']}; {usage}. Keep one of the two.")
        elif not i["used_by"]:
            out.append(f"{i['index']} is used by no measured plan: drop it unless another query "
                       "needs it.")
    crit = {c["name"]: c for c in report["criteria"]}
    if not crit["mean_improvement"]["passed"]:
        queries = sorted({c["query"] for c in cases})
        served = [q for q in queries if all(c["sorts"]["pre"] == 0 and c["indexes"]["pre"]
                                            for c in cases if c["query"] == q)]
        slow = sorted(cases, key=lambda c: -c["post"]["p50"])[:3]
        text = "The changes do not speed the hot queries up materially."
        if served:
            text += (f" {', '.join(served)} were already served by an index, without a sort, "
                     "in every measured case before the change.")
        text += " Slowest after: " + "; ".join(
            f"{c['query']}/{c['param_set']} {c['post']['p50']:.3f} ms ({c['plan']['post_shape']})"
            for c in slow) + "."
        out.append(text)
    for c in cases:
        if c["sorts"]["post"]:
            keys = "; ".join(", ".join(k) for k in c["sorts"]["post_keys"])
            out.append(f"{c['query']}/{c['param_set']} still sorts on {keys}: an index matching "
                       "the equality filter then this ORDER BY removes it when the sort key is "
                       "on the filtered table; ordered by a joined table's column, only a "
                       "different plan shape (or a denormalised column) can.")
        if c["sorts"]["spilled_post"]:
            out.append(f"{c['query']}/{c['param_set']} sorts spill to disk: raise work_mem for "
                       "this workload or remove the sort.")
    noisy = [f"{c['query']}/{c['param_set']}" for c in cases
             if c["spread_ms"] > max(0.1 * max(c["pre"]["p50"], c["post"]["p50"]), 0.05)]
    if noisy:
        out.append(f"Run-to-run spread (interquartile) exceeds 10 % for {len(noisy)} case(s) "
                   f"({', '.join(noisy[:5])}{'…' if len(noisy) > 5 else ''}): raise --runs and "
                   "make sure nothing else loads the server.")
    unstable = [f"{c['query']}/{c['param_set']}" for c in cases if not c["plan_stable"]]
    if unstable:
        out.append(f"Plans changed between runs for {', '.join(unstable)}: the planner is near a "
                   "tipping point; statistics (ANALYZE, default_statistics_target) decide it.")
    if report["warnings"]:
        out.append("Check the warnings: the two baselines were not taken under the same "
                   "conditions.")
    return out
