"""Compare two baselines and decide GO / NO-GO (DESIGN §9, gate 2).

A *case* is one query (read or write path) at one parameter set. Per case (``stats``):

- time ratio = the Hodges–Lehmann estimate of post / pre over the samples (a sample being
  the mean time of a batch of executions under EXPLAIN (ANALYZE, TIMING OFF)), with its 95 %
  rank (Mann–Whitney) interval; class: **improved** (interval below 0.90), **degraded** (interval above 1.10),
  **unchanged** (interval inside [0.90, 1.10]) or **inconclusive** (it straddles 0.90 or
  1.10: more runs would tell);
- buffers ratio = median shared hit + read per execution, post / pre (deterministic);
- the plan: indexes used, scan types, Sort nodes, rows, and the diff when it changed.

Aggregation: a query's log ratio is the mean over its distribution points (p10 … max, each the
mean over its conversations or users; the write rooms for Q2 / Q5); the **workload-weighted
geometric mean** G = exp(Σ w_q · log-ratio_q), with w_q the spec's ``workload`` shares
renormalised over the measured queries. G < 1 is faster; improvement = 1 − G. The same for
buffers.

**Machine drift** is measured by control cases and divided out (``synthgen.verify.drift``).

**GO** requires every criterion:

1. ``weighted_time``: 1 − G_time ≥ the threshold (default 30 %);
2. ``weighted_buffers``: G_buffers ≤ 1.10 — the deterministic signal may not contradict the
   clock (a time gain bought with > 10 % more buffer work is not credited);
3. ``no_degradation``: no case, read or write, degraded (its whole interval above +10 %),
   controls apart: a control does the same work pre and post, so a control measured
   degraded is the clock's noise, named in a warning. One more exception, also named in a
   warning and never silent: a read case whose plan changed, that touches no more shared
   buffers post than pre, and whose added time is under ``SETUP_COST_MS`` per execution is
   the executor set-up of a different plan shape (a zero-row unread count that now builds
   an empty hash: 28 → 40 µs), smaller than a third of one client round trip; it stays
   *degraded* in its class, its counts and the weighted mean, it just does not veto;
4. ``indexes_earn_their_keep``: every new index is non-redundant and used by the post plan of
   at least one improved case; otherwise it is named with its cost (size, build time, the
   write paths' change);
5. ``like_for_like``: same parameter values pre and post; cache parity (over the read cases
   whose plan did not change, the share of blocks read from outside shared buffers within
   1 point pre vs post, and the same prewarm outcome); and — when the candidate file is
   known — post's index set is exactly pre's plus the file's indexes.
6. ``workload_no_regression`` (only when the workload was replayed pre and post): no
   transaction type's p95 and no client level's throughput degraded beyond the band, after
   the control steps' drift (``synthgen.verify.workload_compare``).
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np

from synthgen.errors import InputError
from synthgen.verify import stats
from synthgen.verify.drift import (
    DRIFT_WARN,
    WRITE_TABLES,
    correct,
    drift_line,
    mark_controls,
    measure_drift,
)
from synthgen.verify.hints import hints
from synthgen.verify.plan import render_tree
from synthgen.verify.redundancy import new_indexes

MIN_IMPROVEMENT = 0.30
MAX_BUFFERS_RATIO = 1.10
CACHE_PARITY = 0.01
SETUP_COST_MS = 0.05
"""Below this added time per execution, a read case whose plan changed but whose buffers did
not grow is plan set-up cost, not a degradation users see: one round trip of a trivial
statement over loopback through ADBC measured 0.14 ms (p10) to 0.38 ms (p50) on the 2-core
CI machine. Writes never get it: their added time is the new index's maintenance."""
_PINNED = ("jit", "max_parallel_workers_per_gather", "work_mem", "server_version")


def _buffers(res: dict[str, Any]) -> float:
    runs = res.get("buffers_runs")
    if runs:
        return float(np.median(runs))
    return float(int(res["plan"]["shared_hit"]) + int(res["plan"]["shared_read"]))


def _case(pre: dict[str, Any], post: dict[str, Any], point: str, comparable: bool,
          band: float) -> tuple[dict[str, Any], np.ndarray]:
    a, b = pre["plan"], post["plan"]
    key = f"{pre['query']}/{pre['param_set']}"
    draws = stats.bootstrap_log_ratio(pre["runs_ms"], post["runs_ms"], key)
    r, lo, hi = stats.hl_interval(pre["runs_ms"], post["runs_ms"])
    buf_pre, buf_post = _buffers(pre), _buffers(post)
    pre_text, post_text = render_tree(a["tree"]), render_tree(b["tree"])
    changed = a["shape"] != b["shape"]
    case = {
        "query": pre["query"], "param_set": pre["param_set"], "point": point,
        "kind": pre.get("kind", "read"), "comparable": comparable, "control": False,
        "pre": {"p50": pre["execution_ms"]["p50"], "p95": pre["execution_ms"]["p95"],
                "batch": pre.get("batch", 1), "runs": len(pre["runs_ms"])},
        "post": {"p50": post["execution_ms"]["p50"], "p95": post["execution_ms"]["p95"],
                 "batch": post.get("batch", 1), "runs": len(post["runs_ms"])},
        "ratio": r, "change": r - 1, "interval": [lo, hi],
        "class": stats.classify(lo, hi, band),
        "buffers": {"pre": buf_pre, "post": buf_post,
                    "ratio": buf_post / buf_pre if buf_pre > 0 else 1.0},
        "sorts": {"pre": len(a["sorts"]), "post": len(b["sorts"]),
                  "spilled_pre": sum(s["spilled"] for s in a["sorts"]),
                  "spilled_post": sum(s["spilled"] for s in b["sorts"]),
                  "post_keys": [s["sort_key"] for s in b["sorts"]]},
        "rows": {"pre": a.get("rows"), "post": b.get("rows")},
        "indexes": {"pre": a["indexes_used"], "post": b["indexes_used"],
                    "adopted": sorted(set(b["indexes_used"]) - set(a["indexes_used"])),
                    "abandoned": sorted(set(a["indexes_used"]) - set(b["indexes_used"]))},
        "scans": {"pre": sorted({s["node_type"] for s in a["scans"]}),
                  "post": sorted({s["node_type"] for s in b["scans"]}),
                  "post_by_index": {s["index"]: s["node_type"] for s in b["scans"] if s["index"]}},
        "plan_stable": bool(pre["plan_stable"] and post["plan_stable"]),
        "plan": {"changed": changed, "pre_shape": a["shape"], "post_shape": b["shape"],
                 "pre_tree": a["tree"], "post_tree": b["tree"],
                 "diff": list(difflib.unified_diff(pre_text, post_text, "pre", "post",
                                                   lineterm="", n=20)) if changed else []},
    }
    if "wal_bytes_per_exec" in pre and "wal_bytes_per_exec" in post:
        case["wal_bytes"] = {"pre": pre["wal_bytes_per_exec"]["p50"],
                             "post": post["wal_bytes_per_exec"]["p50"]}
    return case, draws


def _added_ms(case: dict[str, Any]) -> float:
    """The case's added time per execution: its (drift-corrected) change times pre's median."""
    return float(case["change"]) * float(case["pre"]["p50"])


def _setup_cost(case: dict[str, Any]) -> bool:
    """A degraded read whose new plan reads no more buffers and adds < SETUP_COST_MS."""
    return (case["kind"] == "read" and bool(case["plan"]["changed"])
            and case["buffers"]["post"] <= case["buffers"]["pre"]
            and _added_ms(case) < SETUP_COST_MS)


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


def _aggregate(cases: list[dict[str, Any]], draws: list[np.ndarray],
               weights: dict[str, float]) -> dict[str, Any]:
    """Weighted geometric means of time (with its bootstrap interval) and buffers."""
    by_point: dict[str, dict[str, list[int]]] = {}
    for i, c in enumerate(cases):
        by_point.setdefault(c["query"], {}).setdefault(c["point"], []).append(i)
    time_q = {q: [float(np.mean([math.log(max(cases[i]["ratio"], 1e-9)) for i in idx]))
                  for idx in pts.values()] for q, pts in by_point.items()}
    buf_q = {q: [float(np.mean([math.log(max(cases[i]["buffers"]["ratio"], 1e-9)) for i in idx]))
                 for idx in pts.values()] for q, pts in by_point.items()}
    t = stats.weighted_geomean(time_q, weights)
    bf = stats.weighted_geomean(buf_q, weights)
    log_draws = np.zeros_like(draws[0]) if draws else np.zeros(1)
    for q, w in t["weights"].items():
        pts = by_point[q].values()
        log_draws = log_draws + w * np.mean([np.mean([draws[i] for i in idx], axis=0)
                                             for idx in pts], axis=0)
    lo, hi = stats.interval(log_draws)
    unweighted = sorted(q for q in by_point if q not in t["weights"])
    return {"time": {**t, "interval": [round(lo, 4), round(hi, 4)]}, "buffers": bf,
            "points": {q: sorted(pts) for q, pts in by_point.items()},
            "unweighted_queries": unweighted}


def _read_share(results: list[dict[str, Any]]) -> float:
    """Share of buffer accesses served from outside shared buffers, over the measured runs."""
    read = sum(r.get("cache", {}).get("read_blocks", 0) for r in results)
    total = sum(r.get("cache", {}).get("executions", 0) * _buffers(r) for r in results)
    return round(read / total, 6) if total else 0.0


def _cache(pre: dict[str, Any], post: dict[str, Any],
           pairs: list[tuple[dict[str, Any], dict[str, Any], bool]]) -> dict[str, Any]:
    """Cache parity over the read cases whose plan did not change (a new plan may read other
    blocks; the same plan reading more blocks from outside shared buffers is a colder cache)."""
    same = [(a, b) for a, b, _ in pairs if a.get("kind", "read") == "read"
            and a["plan"]["shape"] == b["plan"]["shape"]]
    prewarm = [d.get("conditions", {}).get("prewarm", {}).get("used") for d in (pre, post)]
    return {"cases": len(same), "pre": _read_share([a for a, _ in same]),
            "post": _read_share([b for _, b in same]),
            "prewarm_pre": prewarm[0], "prewarm_post": prewarm[1]}


def compare(pre: dict[str, Any], post: dict[str, Any], *, weights: dict[str, float] | None = None,
            min_improvement: float = MIN_IMPROVEMENT, band: float = stats.BAND,
            candidate: list[str] | None = None,
            builds: dict[str, float] | None = None,
            workload: tuple[dict[str, Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """The comparison report: cases, aggregates, criteria, ``decision``, ``reasons``, hints.

    ``weights``: the workload shares by query (default: the shipped spec's); ``candidate``:
    the index names the candidate file creates (checks post = pre + exactly those);
    ``builds``: build seconds by index name (from ``indexes apply``), shown as costs;
    ``workload``: the (pre, post) workload documents, when the workload was replayed: adds
    the criterion ``workload_no_regression`` (``synthgen.verify.workload_compare``).
    """
    if weights is None:
        from synthgen.spec import load_spec

        weights = load_spec().workload.shares()
    pairs, warnings = _match(pre, post)
    points = {p["name"]: p.get("point", p["name"]) for p in pre.get("param_sets", [])}
    made = [_case(a, b, points.get(a["param_set"], a["param_set"]), ok, band)
            for a, b, ok in pairs]
    cases, draws = [m[0] for m in made], [m[1] for m in made]
    before = {i["name"] for i in pre.get("indexes", [])}
    new_tables = {i["table"] for i in post.get("indexes", []) if i["name"] not in before}
    mark_controls(cases, new_tables)
    drifts = {k: measure_drift(cases, draws, k, new_tables) for k in ("read", "write")}
    draws = correct(cases, draws, drifts, band)
    drift = {k: {f: v for f, v in d.items() if f != "draws"} for k, d in drifts.items()
             if d["cases"]}
    for d in drift.values():
        if d["applied"] and abs(d["ratio"] - 1) > DRIFT_WARN:
            warnings.append(f"machine drift {stats.pct(d['ratio'] - 1)} on the {d['kind']}s: "
                            f"their {d['controls']} control cases ran that much slower (+) or "
                            "faster (−) post than pre; corrected, but a drift this size means "
                            "a busy machine: re-measure when it is quieter")
    agg = _aggregate(cases, draws, weights)
    g_t, g_b = agg["time"]["ratio"], agg["buffers"]["ratio"]
    # a control does the same work pre and post: the candidate cannot have slowed it, so a
    # control measured "degraded" is the clock's noise: named in a warning, not a verdict
    noisy = [c for c in cases if c["class"] == "degraded" and c.get("control")]
    found = [c for c in cases if c["class"] == "degraded" and not c.get("control")]
    setup = [c for c in found if _setup_cost(c)]
    degraded = [c for c in found if c not in setup]
    if setup:
        warnings.append(
            f"{len(setup)} read case(s) degraded by plan set-up cost only (a new plan, no more "
            f"buffers, under {SETUP_COST_MS * 1000:.0f} µs added per execution; not a veto): "
            + "; ".join(f"{c['query']}/{c['param_set']} {stats.pct(c['change'])} "
                        f"({_added_ms(c) * 1000:+.1f} µs, buffers {c['buffers']['pre']:.0f} → "
                        f"{c['buffers']['post']:.0f})" for c in setup[:6]))
    if noisy:
        warnings.append(
            f"{len(noisy)} control case(s) measured degraded although their work did not "
            "change (same plan and buffers, or a write on a table without a new index): "
            + "; ".join(f"{c['query']}/{c['param_set']} {stats.pct(c['change'])}"
                        for c in noisy[:6])
            + ". That is the clock's noise on this machine; the other cases' intervals are "
              "no tighter than that — re-measure when it is quieter")
    indexes = _index_findings(pre, post, cases, builds or {})
    failing_idx = [i for i in indexes if not i["credited"]]
    like = _like_for_like(pre, post, cases, candidate, _cache(pre, post, pairs))
    criteria = [
        {"name": "weighted_time", "value": round(1 - g_t, 4), "threshold": min_improvement,
         "passed": bool(1 - g_t >= min_improvement),
         "text": f"workload-weighted time ratio G = {g_t:.3f} (95% interval "
                 f"{agg['time']['interval'][0]:.3f}–{agg['time']['interval'][1]:.3f}): "
                 f"improvement 1 − G = {1 - g_t:.1%} (need ≥ {min_improvement:.0%})"},
        {"name": "weighted_buffers", "value": round(g_b, 4), "threshold": MAX_BUFFERS_RATIO,
         "passed": bool(g_b <= MAX_BUFFERS_RATIO),
         "text": f"workload-weighted buffers ratio {g_b:.3f} ({stats.pct(g_b - 1)}; may not "
                 f"exceed {MAX_BUFFERS_RATIO:.2f})"},
        {"name": "no_degradation", "value": len(degraded), "threshold": 0,
         "passed": not degraded,
         "text": "no case degraded beyond ±10% with its interval" if not degraded else
                 f"{len(degraded)} case(s) degraded (whole interval above +{band:.0%}): "
                 + "; ".join(f"{c['query']}/{c['param_set']} {stats.pct(c['change'])} "
                             f"[{stats.pct(c['interval'][0] - 1)}, "
                             f"{stats.pct(c['interval'][1] - 1)}]" for c in degraded[:6])},
        {"name": "indexes_earn_their_keep", "value": len(failing_idx), "threshold": 0,
         "passed": not failing_idx,
         "text": (f"every new index ({len(indexes)}) is used by an improved plan" if not failing_idx
                  else "; ".join(f"{i['index']}: {i['problem']}" for i in failing_idx))},
        like,
    ]
    under_load = None
    if workload is not None:
        from synthgen.verify.workload_compare import compare_workloads

        under_load = compare_workloads(*workload, band=band)
        criteria.append(under_load["criterion"])
    decision = "GO" if all(c["passed"] for c in criteria) else "NO-GO"
    reasons = [("FAIL: " if not c["passed"] else "ok: ") + c["text"] for c in criteria]
    report = {
        "format": "synthgen-compare/2", "decision": decision, "reasons": reasons,
        "pre_label": pre.get("label"), "post_label": post.get("label"),
        "schema": post.get("schema"), "criteria": criteria,
        "rule": rule_lines(agg, min_improvement, band, drift), "drift": drift,
        "aggregate": agg, "sorts_by_query": _sorts_by_query(cases),
        "sorts": {"pre": sum(c["sorts"]["pre"] for c in cases),
                  "post": sum(c["sorts"]["post"] for c in cases),
                  "text": "Sort nodes summed over all cases (per query in sorts_by_query)"},
        "counts": {k: sum(c["class"] == k for c in cases)
                   for k in ("improved", "degraded", "unchanged", "inconclusive")},
        "buffers": {"pre": sum(c["buffers"]["pre"] for c in cases),
                    "post": sum(c["buffers"]["post"] for c in cases)},
        "cases": cases, "new_indexes": indexes, "warnings": warnings,
        "workload": under_load,
    }
    report["hints"] = hints(report)
    return report


def rule_lines(agg: dict[str, Any], min_improvement: float, band: float,
               drift: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """The rule and its arithmetic, one line each (printed by compare and in the report)."""
    t = agg["time"]
    out = [f"ratio = post / pre (< 1 faster); change = ratio − 1; a case is unchanged when its "
           f"95% rank interval lies within ±{band:.0%}, degraded when it lies wholly above "
           f"+{band:.0%}, improved when wholly below −{band:.0%}",
           "a degraded case vetoes GO unless it is a control (same plan and buffers: the "
           "clock's noise) or plan set-up cost (a read with a new plan, no more buffers, under "
           f"{SETUP_COST_MS * 1000:.0f} µs added per execution); both are named in warnings",
           "log-ratio of a query = mean over its points of the mean over the point's cases; "
           "G = exp(Σ w_q · log-ratio_q), w = workload shares renormalised over measured queries"]
    terms = [f"{w:.3f}·({t['terms'][q]:+.3f})" for q, w in t["weights"].items()]
    total = sum(w * t["terms"][q] for q, w in t["weights"].items())
    out.append("time: " + " + ".join(f"{q} {s}" for q, s in zip(t["weights"], terms, strict=True))
               + f" = {total:+.4f} → G = exp({total:+.4f}) = {t['ratio']:.4f}; "
               f"improvement 1 − G = {1 - t['ratio']:.1%} vs threshold {min_improvement:.0%}")
    out += [drift_line(d) for d in (drift or {}).values()]
    if agg["unweighted_queries"]:
        out.append(f"not weighted (no workload share): {', '.join(agg['unweighted_queries'])}; "
                   "they still count for degradation")
    return out


def _sorts_by_query(cases: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for c in cases:
        d = out.setdefault(c["query"], {"pre": 0, "post": 0})
        d["pre"] += c["sorts"]["pre"]
        d["post"] += c["sorts"]["post"]
    return out


def _like_for_like(pre: dict[str, Any], post: dict[str, Any], cases: list[dict[str, Any]],
                   candidate: list[str] | None, cache: dict[str, Any]) -> dict[str, Any]:
    problems = [f"{c['query']}/{c['param_set']} measured with different parameters"
                for c in cases if not c["comparable"]][:3]
    if (abs(cache["pre"] - cache["post"]) > CACHE_PARITY
            or cache["prewarm_pre"] != cache["prewarm_post"]):
        problems.append(f"cache parity: with the same plan, {cache['pre']:.2%} of blocks came from "
                        f"outside shared buffers pre vs {cache['post']:.2%} post "
                        f"({cache['cases']} cases; prewarm {cache['prewarm_pre']} vs "
                        f"{cache['prewarm_post']})")
    note = (f"cache parity: {cache['pre']:.2%} vs {cache['post']:.2%} blocks read from outside "
            f"shared buffers over {cache['cases']} same-plan cases")
    if candidate is not None:
        before = {i["name"] for i in pre.get("indexes", [])}
        after = {i["name"] for i in post.get("indexes", [])}
        want = before | set(candidate)
        if set(candidate) & before:
            problems.append("pre already had candidate index(es) "
                            f"{', '.join(sorted(set(candidate) & before))}: not a true 'before'")
        if after != want:
            extra, lack = sorted(after - want), sorted(want - after)
            problems.append("post's index set is not pre's plus exactly the candidate file's"
                            + (f"; extra: {', '.join(extra)}" if extra else "")
                            + (f"; missing: {', '.join(lack)}" if lack else ""))
        note += f"; index set = pre + {len(candidate)} candidate index(es)"
    else:
        note += "; index set not checked (no candidate file given)"
    return {"name": "like_for_like", "value": len(problems), "threshold": 0,
            "passed": not problems, "cache": cache,
            "text": ("same parameters pre and post; " + note) if not problems
            else "; ".join(problems)}


def _write_cost(cases: list[dict[str, Any]], table: str) -> str:
    """The write paths' change on ``table``, as the cost a new index there adds."""
    ws = [c for c in cases if c["kind"] == "write" and WRITE_TABLES.get(c["query"]) == table]
    if not ws:
        return f"writes to {table} were not measured"
    parts = []
    for c in ws:
        wal = c.get("wal_bytes")
        parts.append(f"{c['query']}/{c['param_set']} {stats.pct(c['change'])}"
                     + (f", WAL {wal['pre']:.0f}→{wal['post']:.0f} B/exec" if wal else ""))
    return "writes: " + "; ".join(parts)


def _index_findings(pre: dict[str, Any], post: dict[str, Any], cases: list[dict[str, Any]],
                    builds: dict[str, float]) -> list[dict[str, Any]]:
    """New indexes: verdict against the old ones, which cases use them, credited or not."""
    found = new_indexes(pre.get("indexes", []), post.get("indexes", []))
    for f in found:
        used = [f"{c['query']}/{c['param_set']}" for c in cases if f["index"] in c["indexes"]["post"]]
        f["scan_types"] = sorted({c["scans"]["post_by_index"][f["index"]] for c in cases
                                  if f["index"] in c["scans"]["post_by_index"]})
        improved = [f"{c['query']}/{c['param_set']}" for c in cases
                    if f["index"] in c["indexes"]["post"] and c["class"] == "improved"]
        f["used_by"] = used
        f["improved_cases"] = improved
        f["build_seconds"] = builds.get(f["index"])
        cost = (f"{f['size_bytes'] / 2**20:.2f} MB"
                + (f", built in {f['build_seconds']:.1f} s" if f["build_seconds"] is not None
                   else "") + f"; {_write_cost(cases, f['table'])}")
        f["cost"] = cost
        f["credited"] = f["verdict"] != "redundant" and bool(improved)
        if f["verdict"] == "redundant":
            f["problem"] = f"redundant ({f['why']}): costs {cost}, gains nothing"
        elif not used:
            f["problem"] = f"unused: no measured plan uses it; costs {cost}, gains nothing"
        elif not improved:
            f["problem"] = (f"used by {', '.join(used[:4])} but by no improved plan; "
                            f"costs {cost}")
        else:
            f["problem"] = ""
    return found
