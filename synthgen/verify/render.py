"""A compare report as text: verdict and reasons, the case table, indexes, hints, plan diffs."""

from __future__ import annotations

from typing import Any

from synthgen.verify.plan import render_tree


def _idx(names: list[str]) -> str:
    return ", ".join(names) if names else "-"


def case_table(cases: list[dict[str, Any]]) -> list[str]:
    """One line per case: p50/p95 before and after, change, class, sorts, indexes, buffers."""
    head = (f"{'query':<6} {'params':<16} {'pre p50':>9} {'pre p95':>9} {'post p50':>9} "
            f"{'post p95':>9} {'change':>7} {'class':<9} {'sorts':>5} {'buffers':>15}  indexes "
            "pre → post")
    lines = [head, "-" * len(head)]
    for c in cases:
        lines.append(
            f"{c['query']:<6} {c['param_set']:<16} {c['pre']['p50']:>9.3f} {c['pre']['p95']:>9.3f} "
            f"{c['post']['p50']:>9.3f} {c['post']['p95']:>9.3f} {c['change']:>+7.0%} "
            f"{c['class']:<9} {c['sorts']['pre']:>2}→{c['sorts']['post']:<2} "
            f"{c['buffers']['pre']:>7}→{c['buffers']['post']:<7}  "
            f"{_idx(c['indexes']['pre'])} → {_idx(c['indexes']['post'])}")
    return lines


def render_text(report: dict[str, Any], *, diffs: bool = True) -> str:
    """The whole report as plain text (times in milliseconds)."""
    out = [f"gate 2 (index verification): {report['decision']}  "
           f"[{report['pre_label']} → {report['post_label']}, schema {report['schema']}]", ""]
    out += [f"  {r}" for r in report["reasons"]]
    counts = report["counts"]
    out += ["", f"cases: {counts['improved']} improved, {counts['degraded']} degraded, "
                f"{counts['unchanged']} unchanged (±10 % and beyond the run-to-run interquartile spread); "
                f"buffers touched {report['buffers']['pre']} → {report['buffers']['post']}", ""]
    out += case_table(report["cases"])
    if report["new_indexes"]:
        out += ["", "new indexes:"]
        for i in report["new_indexes"]:
            credit = "credited" if i["credited"] else "not credited"
            out.append(f"  {i['index']} {i['columns']}: {i['verdict'].upper()}"
                       + (f" ({i['why']})" if i["why"] else "")
                       + f"; used by {_idx(i['used_by'])}; {credit}")
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
