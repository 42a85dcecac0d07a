"""A compare report as text: verdict, the rule with its arithmetic, cases, indexes, hints.

One sign convention throughout: change = post / pre − 1, so ``+`` is slower and ``-`` faster,
for times, buffers and intervals alike.
"""

from __future__ import annotations

from typing import Any

from synthgen.verify.plan import render_tree
from synthgen.verify.stats import pct


def _idx(names: list[str]) -> str:
    return ", ".join(names) if names else "-"


def case_row(c: dict[str, Any]) -> list[str]:
    """The cells of one case (shared by text, Markdown and HTML)."""
    lo, hi = c["interval"]
    return [c["query"], c["param_set"], f"{c['pre']['p50']:.4f}", f"{c['post']['p50']:.4f}",
            pct(c["change"]), f"[{pct(lo - 1)}, {pct(hi - 1)}]", c["class"],
            f"{c['buffers']['pre']:.0f}→{c['buffers']['post']:.0f}",
            f"{c['sorts']['pre']}→{c['sorts']['post']}",
            f"{_idx(c['indexes']['pre'])} → {_idx(c['indexes']['post'])}"]


CASE_HEAD = ["query", "params", "pre ms", "post ms", "change", "95% interval", "class",
             "buffers", "sorts", "indexes pre → post"]


def case_table(cases: list[dict[str, Any]]) -> list[str]:
    """One aligned line per case."""
    rows = [CASE_HEAD] + [case_row(c) for c in cases]
    widths = [max(len(r[i]) for r in rows) for i in range(len(CASE_HEAD) - 1)]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False))
                     + "  " + r[-1])
        if n == 0:
            lines.append("-" * len(lines[0]))
    return lines


def write_lines(cases: list[dict[str, Any]]) -> list[str]:
    """The write paths: time per execution and WAL bytes per execution, pre → post."""
    out = []
    for c in cases:
        if c["kind"] != "write":
            continue
        wal = c.get("wal_bytes")
        out.append(f"  {c['query']}/{c['param_set']}: {c['pre']['p50']:.4f} → "
                   f"{c['post']['p50']:.4f} ms per execution ({pct(c['change'])}, {c['class']})"
                   + (f"; WAL {wal['pre']:.0f} → {wal['post']:.0f} bytes per execution"
                      if wal else ""))
    return out


def index_lines(indexes: list[dict[str, Any]]) -> list[str]:
    """One line per new index: verdict, use, cost, credited or not."""
    out = []
    for i in indexes:
        credit = "credited" if i["credited"] else "NOT credited"
        out.append(f"  {i['index']} {i['columns']}: {i['verdict'].upper()}"
                   + (f" ({i['why']})" if i["why"] else "")
                   + f"; used by {_idx(i['used_by'][:6])}; improved plans "
                   f"{len(i['improved_cases'])}; cost {i['cost']}; {credit}")
    return out


def workload_lines(wl: dict[str, Any]) -> list[str]:
    """One line per client level: its drift, throughput and each type's p95 change."""
    out = []
    for lv in wl["levels"]:
        d = lv["drift"]
        parts = [f"drift {pct(d['ratio'] - 1)}" if d["applied"] else "no control"]
        figs = ([("tx time", lv["throughput"])] if "throughput" in lv else [])
        figs += [(f"{n} p95", c) for n, c in lv["types"].items()]
        for what, c in figs:
            parts.append(f"{what} too few ({c['min_transactions']})" if c["class"] == "too few"
                         else f"{what} {pct(c['change'])} {c['class']}")
        out.append(f"  {lv['clients']} client(s): " + "; ".join(parts))
    return out


def render_text(report: dict[str, Any], *, diffs: bool = True) -> str:
    """The whole report as plain text (times in milliseconds per execution)."""
    out = [f"gate 2 (index verification): {report['decision']}  "
           f"[{report['pre_label']} → {report['post_label']}, schema {report['schema']}]", ""]
    out += [f"  {r}" for r in report["reasons"]]
    out += ["", "rule and arithmetic:"] + [f"  {line}" for line in report["rule"]]
    counts = report["counts"]
    out += ["", f"cases: {counts['improved']} improved, {counts['degraded']} degraded, "
                f"{counts['unchanged']} unchanged, {counts['inconclusive']} inconclusive "
                "(change = post/pre − 1: + slower, − faster; buffers = shared hit + read per "
                "execution)", ""]
    out += case_table(report["cases"])
    writes = write_lines(report["cases"])
    if writes:
        out += ["", "write paths (rolled back):"] + writes
    sorts = report["sorts_by_query"]
    out += ["", "Sort nodes by query (pre → post): "
            + ", ".join(f"{q} {s['pre']}→{s['post']}" for q, s in sorts.items())]
    wl = report.get("workload")
    if wl:
        out += ["", "under load (workload replay; p95 and time per transaction, post/pre, each "
                "step relative to its control step):"] + workload_lines(wl)
    if report["new_indexes"]:
        out += ["", "new indexes:"] + index_lines(report["new_indexes"])
    if report["warnings"]:
        out += ["", "warnings:"] + [f"  ! {w}" for w in report["warnings"]]
    if report["hints"]:
        out += ["", "mitigation hints:"] + [f"  - {h}" for h in report["hints"]]
    changed = [c for c in report["cases"] if c["plan"]["changed"]]
    if diffs and changed:
        out += ["", "plan changes (pre vs post):"]
        for c in changed:
            out += ["", f"  {c['query']}/{c['param_set']}:"]
            out += [f"    {line}" for line in c["plan"]["diff"]]
    return "\n".join(out) + "\n"


def render_plan(tree: dict[str, Any]) -> str:
    """One compact plan tree as text."""
    return "\n".join(render_tree(tree))
