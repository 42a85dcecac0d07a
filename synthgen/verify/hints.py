"""Mitigation hints: what a reviewer could do about each finding of a comparison.

Every hint is tied to what the plans show: a degraded case whose plan did not change is not
blamed on the planner, and a sort the change introduced is not called "still sorts".
"""

from __future__ import annotations

from typing import Any

from synthgen.verify.stats import pct


def _name(c: dict[str, Any]) -> str:
    return f"{c['query']}/{c['param_set']}"


def _degraded(c: dict[str, Any]) -> str:
    lo, hi = c["interval"]
    head = (f"{_name(c)} is {pct(c['change'])} slower (interval {pct(lo - 1)} to {pct(hi - 1)}; "
            f"{c['pre']['p50']:.3f} → {c['post']['p50']:.3f} ms)")
    if c["kind"] == "write":
        return (head + ": every index on the table is maintained by this write; drop the new "
                "indexes on it that no improved read needs.")
    if c["plan"]["changed"]:
        return (head + f"; the plan changed {c['plan']['pre_shape']} → {c['plan']['post_shape']}"
                ". A new index drew the planner away: compare row estimates in the plan diff, "
                "ANALYZE the table, or drop that index.")
    return (head + "; the plan is the same, so the planner is not the cause: check cache "
            "parity, other load on the server, and raise --runs.")


def _sorts(cases: list[dict[str, Any]]) -> list[str]:
    """Sort findings grouped by query: introduced by the change, still there, spilled."""
    out = []
    by: dict[tuple[str, str, str], list[str]] = {}
    for c in cases:
        s = c["sorts"]
        keys = "; ".join(", ".join(k) for k in s["post_keys"])
        if s["post"] and s["pre"] == 0:
            by.setdefault(("introduced", c["query"], keys), []).append(c["param_set"])
        elif s["post"] and s["post"] >= s["pre"]:
            by.setdefault(("still", c["query"], keys), []).append(c["param_set"])
        if s["spilled_post"]:
            by.setdefault(("spilled", c["query"], keys), []).append(c["param_set"])
    for (kind, query, keys), sets in by.items():
        where = f"{query} ({len(sets)} case(s): {', '.join(sets[:4])}{'…' if len(sets) > 4 else ''})"
        if kind == "introduced":
            out.append(f"{where}: the change introduced a sort on {keys} (none before): the "
                       "planner now prefers a plan that sorts; see the plan diff.")
        elif kind == "still":
            out.append(f"{where} still sorts on {keys}: an index matching the equality filter "
                       "then this ORDER BY removes it when the sort key is on the filtered "
                       "table; ordered by a joined table's column, only a different plan shape "
                       "(or a denormalised column) can.")
        else:
            out.append(f"{where}: sorts spill to disk: raise work_mem for this workload or "
                       "remove the sort.")
    return out


def hints(report: dict[str, Any]) -> list[str]:
    """Plain-language suggestions derived from a compare report (cases, indexes, criteria)."""
    out: list[str] = []
    cases = report["cases"]
    out += [_degraded(c) for c in cases if c["class"] == "degraded"]
    for i in report["new_indexes"]:
        if i["verdict"] == "redundant":
            out.append(f"Drop {i['index']} from the index file: {i['why']}. It costs {i['cost']}, "
                       "for no read it makes possible.")
        elif not i["used_by"]:
            out.append(f"Drop {i['index']}: no measured plan uses it; it costs {i['cost']}.")
        elif not i["credited"]:
            out.append(f"{i['index']} is used ({', '.join(i['used_by'][:3])}) but no case using "
                       "it improved beyond its interval: it changes the plan without paying "
                       f"for its cost ({i['cost']}).")
        if i["verdict"] == "covering-variant":
            only = "Index Only Scan" in i["scan_types"]
            out.append(f"{i['index']}: {i['why']}"
                       + ("" if only else "; never used index-only, so its INCLUDE columns buy "
                          "nothing") + ". Keep one of the two.")
    crit = {c["name"]: c for c in report["criteria"]}
    if not crit["weighted_time"]["passed"]:
        queries = sorted({c["query"] for c in cases if c["kind"] == "read"})
        served = [q for q in queries if all(c["sorts"]["pre"] == 0 and c["indexes"]["pre"]
                                            for c in cases if c["query"] == q)]
        text = "The change does not speed the weighted workload up enough."
        if served:
            text += (f" {', '.join(served)} were already served by an index, without a sort, "
                     "in every measured case before the change.")
        out.append(text)
    out += _sorts(cases)
    inconclusive = [_name(c) for c in cases if c["class"] == "inconclusive"]
    if inconclusive:
        out.append(f"{len(inconclusive)} case(s) have an interval straddling ±10% "
                   f"({', '.join(inconclusive[:5])}{'…' if len(inconclusive) > 5 else ''}): "
                   "raise --runs and make sure nothing else loads the server.")
    unstable = [_name(c) for c in cases if not c["plan_stable"]]
    if unstable:
        out.append(f"Plans changed between runs for {', '.join(unstable[:5])}: the planner is "
                   "near a tipping point; statistics (ANALYZE, default_statistics_target) "
                   "decide it.")
    if report["warnings"]:
        out.append("Check the warnings: the two baselines were not taken under the same "
                   "conditions.")
    return out
