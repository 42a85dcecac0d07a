"""Gate 2 under load: the workload's latency and throughput, pre vs post the candidate.

Input: two ``synthgen-workload/1`` documents measured with the same mix, client levels,
seed and step length, each level repeated (``repeats``) and each step preceded by a
*control* step (the parameter draw alone at the same client count: it touches only
synthgen's draw tables, so no candidate index changes its work).

Per client level and transaction type, the p95 latency over the repeats pre vs post gives a
Hodges–Lehmann ratio and its rank interval (``stats.hl_interval``; with 3 repeats a side the
interval spans the nine pairwise ratios); the same for the level's throughput, turned into
time per transaction (pre tps / post tps) so that one convention holds: ratio > 1 is worse.
The machine's speed is taken out step by step: when every step of a level has its control
(run just before it), each step's p95 is divided by its control's p50 and its throughput
multiplied by it, so a machine that slows down between two repeats, or between pre and
post, moves a figure and its control together. The level's drift shown is the controls' own
ratio (post / pre, the same estimate). A type with fewer than ``MIN_TRANSACTIONS`` transactions in any
repeat is reported but not judged (its p95 is a handful of samples).

Verdict (criterion ``workload_no_regression``): no judged p95 and no level's time per
transaction *degraded*: its whole interval above +``band``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgen.verify import stats

MIN_TRANSACTIONS = 20
"""Fewest transactions of a type in every repeat for its p95 to be judged."""


def _by_level(doc: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for level in doc.get("levels", []):
        out.setdefault(int(level["clients"]), []).append(level)
    return out


def _controls(levels: list[dict[str, Any]]) -> list[float] | None:
    """Each step's control p50 (ms), or None when a step has none."""
    out = [lv.get("control", {}).get("p50_ms") for lv in levels]
    return None if any(x is None or x <= 0 for x in out) else [float(x) for x in out]


def _drift(ctl: tuple[list[float], list[float]] | None) -> dict[str, Any]:
    """The controls' own ratio, post vs pre (the machine's speed change at this level)."""
    if ctl is None:
        return {"applied": False, "ratio": 1.0, "interval": [1.0, 1.0]}
    r, lo, hi = stats.hl_interval(*ctl)
    return {"applied": True, "ratio": round(r, 4), "interval": [round(lo, 4), round(hi, 4)]}


def _case(what: str, pre: list[float], post: list[float], ctl: tuple[list[float],
          list[float]] | None, band: float) -> dict[str, Any]:
    """Ratio and interval of ``post`` vs ``pre``, each step's value taken relative to its
    own control when ``ctl`` holds them (time-like values: larger is worse)."""
    a, b = (pre, post) if ctl is None else (
        [x / c for x, c in zip(pre, ctl[0], strict=True)],
        [x / c for x, c in zip(post, ctl[1], strict=True)])
    r, lo, hi = stats.hl_interval(a, b)
    return {"what": what, "pre": [round(x, 4) for x in pre], "post": [round(x, 4) for x in post],
            "ratio": round(r, 4), "change": round(r - 1, 4),
            "interval": [round(lo, 4), round(hi, 4)], "class": stats.classify(lo, hi, band)}


def compare_workloads(pre: dict[str, Any], post: dict[str, Any],
                      band: float = stats.BAND) -> dict[str, Any]:
    """The comparison and its criterion (``criterion``: name, passed, text, like compare's)."""
    problems = []
    for key in ("seed", "seconds_per_step", "mode", "rate_tps"):
        if pre.get(key) != post.get(key):
            problems.append(f"{key} differs: pre {pre.get(key)}, post {post.get(key)}")
    if pre.get("mix", {}).get("weights") != post.get("mix", {}).get("weights"):
        problems.append("the transaction mix differs")
    a_levels, b_levels = _by_level(pre), _by_level(post)
    if sorted(a_levels) != sorted(b_levels):
        problems.append(f"client levels differ: pre {sorted(a_levels)}, post {sorted(b_levels)}")
    levels, judged, unjudged = [], [], []
    for clients in sorted(set(a_levels) & set(b_levels)):
        a, b = a_levels[clients], b_levels[clients]
        ca, cb = _controls(a), _controls(b)
        ctl = (ca, cb) if ca is not None and cb is not None else None
        drift = _drift(ctl)
        tps_a = [float(lv["summary"]["all"]["tps"] or 0) for lv in a]
        tps_b = [float(lv["summary"]["all"]["tps"] or 0) for lv in b]
        level: dict[str, Any] = {"clients": clients, "repeats": [len(a), len(b)],
                                 "drift": drift, "types": {}}
        if min(tps_a + tps_b) > 0:
            t = _case(f"{clients} clients: time per transaction", [1 / x for x in tps_a],
                      [1 / x for x in tps_b], ctl, band)
            t["tps"] = {"pre": [round(x, 3) for x in tps_a], "post": [round(x, 3) for x in tps_b]}
            level["throughput"] = t
            judged.append(t)
        for name in a[0]["summary"]["per_type"]:
            fa = [lv["summary"]["per_type"][name] for lv in a]
            fb = [lv["summary"]["per_type"].get(name, {}) for lv in b]
            n = min(int(x.get("transactions", 0)) for x in fa + fb)
            what = f"{clients} clients: {name} p95"
            if n < MIN_TRANSACTIONS or any(x.get("p95_ms") is None for x in fa + fb):
                level["types"][name] = {"what": what, "class": "too few", "min_transactions": n}
                unjudged.append(f"{name}@{clients} (n={n})")
                continue
            c = _case(what, [float(x["p95_ms"]) for x in fa], [float(x["p95_ms"]) for x in fb],
                      ctl, band)
            c["min_transactions"] = n
            level["types"][name] = c
            judged.append(c)
        levels.append(level)
    degraded = [c for c in judged if c["class"] == "degraded"]
    passed = not degraded and not problems
    if problems:
        text = "workload not like for like: " + "; ".join(problems)
    elif degraded:
        text = (f"{len(degraded)} workload figure(s) degraded (whole interval above "
                f"+{band:.0%}): " + "; ".join(
                    f"{c['what']} {stats.pct(c['change'])} [{stats.pct(c['interval'][0] - 1)}, "
                    f"{stats.pct(c['interval'][1] - 1)}]" for c in degraded[:6]))
    else:
        few = (f"; too few transactions to judge: {', '.join(unjudged[:8])}"
               + (" …" if len(unjudged) > 8 else "")) if unjudged else ""
        text = (f"no workload p95 or throughput degraded beyond +{band:.0%} "
                f"({len(judged)} figures judged over {len(levels)} client level(s){few})")
    drifts = [lv["drift"]["ratio"] for lv in levels if lv["drift"]["applied"]]
    return {"format": "synthgen-workload-compare/1", "levels": levels,
            "curves": {"pre": curves(pre), "post": curves(post)},
            "judged": len(judged), "unjudged": unjudged,
            "drift": {"levels": len(drifts),
                      "median": round(float(np.median(drifts)), 4) if drifts else None},
            "criterion": {"name": "workload_no_regression", "value": len(degraded) + len(problems),
                          "threshold": 0, "passed": passed, "text": text}}


def curves(doc: dict[str, Any]) -> dict[str, dict[int, float]]:
    """p95 (ms) by transaction type and client level: the median over the repeats."""
    out: dict[str, dict[int, list[float]]] = {}
    for level in doc.get("levels", []):
        for name, f in level["summary"]["per_type"].items():
            if f.get("p95_ms") is not None:
                out.setdefault(name, {}).setdefault(int(level["clients"]), []).append(
                    float(f["p95_ms"]))
    return {name: {c: float(np.median(v)) for c, v in sorted(by.items())}
            for name, by in out.items()}
