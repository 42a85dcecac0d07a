"""report.md: the run in Markdown, for pasting into a design review."""

from __future__ import annotations

from typing import Any


def fmt(x: Any) -> str:
    """A number for a table cell: compact, '-' for missing.

    >>> fmt(None), fmt(0.1234567), fmt(12345.6), fmt(3)
    ('-', '0.1235', '12,346', '3')
    """
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != 0 and abs(x) < 1e-3:
            return f"{x:.3g}"
        return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def pct(x: float | None, signed: bool = False) -> str:
    """A share as a percentage ('-' for missing)."""
    return "-" if x is None else (f"{x:+.1%}" if signed else f"{x:.1%}")


def mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.2f} MiB"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return out + ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]


def fidelity_rows(checks: list[dict[str, Any]]) -> list[list[str]]:
    """Distribution checks, then the integrity/PII checks that did not pass."""
    rows = []
    for c in checks:
        if c["kind"] == "distribution":
            name = c["name"] + (" (infeasible for the band: resolved)" if c["infeasible"]
                                else "")
            rows.append([name, fmt(c.get("spec_target")), fmt(c["target"]), fmt(c["achieved"]),
                         pct(c["deviation"]), pct(c["band"]), c["severity"]])
        elif c["severity"] != "ok":
            rows.append([f"{c['kind']}: {c['name']}", "0", "0", fmt(c["achieved"]), "-", "-",
                         c["severity"]])
    return rows


CASE_HEAD = ["query", "params", "pre ms", "post ms", "change", "95% interval", "class",
             "buffers", "sorts", "plan changed"]
"""Gate-2 case columns; change = post / pre − 1 (+ slower), shared by Markdown and HTML."""


def case_rows(cases: list[dict[str, Any]]) -> list[list[str]]:
    """One row per query × parameter set, the interval beside the class."""
    rows = []
    for c in cases:
        iv = c.get("interval")
        interval = f"[{pct(iv[0] - 1, True)}, {pct(iv[1] - 1, True)}]" if iv else "-"
        buf = c.get("buffers", {})
        rows.append([c["query"], c["param_set"], f"{c['pre']['p50']:.4f}",
                     f"{c['post']['p50']:.4f}", pct(c["change"], True), interval, c["class"],
                     f"{buf.get('pre', 0):.0f}→{buf.get('post', 0):.0f}",
                     f"{c['sorts']['pre']}→{c['sorts']['post']}",
                     "yes" if c["plan"]["changed"] else "no"])
    return rows


def gate2_facts(g2: dict[str, Any]) -> list[str]:
    """The rule's arithmetic, the counts, the write paths and sorts per query, as lines."""
    cnt = g2["counts"]
    how = ("times in ms per execution (server-measured, EXPLAIN ANALYZE with TIMING OFF)"
           if "rule" in g2 else "times in ms (a report from before intervals were recorded)")
    out = [f"{cnt['improved']} improved, {cnt['degraded']} degraded, {cnt['unchanged']} "
           f"unchanged, {cnt.get('inconclusive', 0)} inconclusive; {how}; change = post / pre "
           "− 1, so + is slower; buffers = shared hit + read per execution."]
    out += [f"Rule: {line}" for line in g2.get("rule", [])]
    for c in g2["cases"]:
        wal = c.get("wal_bytes")
        if c.get("kind") == "write":
            out.append(f"Write path {c['query']}/{c['param_set']} (rolled back): "
                       f"{c['pre']['p50']:.4f} → {c['post']['p50']:.4f} ms, "
                       f"{pct(c['change'], True)} ({c['class']})"
                       + (f", WAL {wal['pre']:.0f} → {wal['post']:.0f} bytes per execution"
                          if wal else ""))
    sorts = g2.get("sorts_by_query")
    if sorts:
        out.append("Sort nodes by query (pre → post): " + ", ".join(
            f"{q} {v['pre']}→{v['post']}" for q, v in sorts.items()))
    return out


WORKLOAD_HEAD = ["clients", "figure", "pre (per repeat)", "post (per repeat)", "change",
                 "95% interval", "class"]


def workload_rows(wl: dict[str, Any]) -> list[list[str]]:
    """One row per client level's throughput and per transaction type's p95 (after drift)."""
    rows = []
    for lv in wl["levels"]:
        figs = ([("time per transaction", lv["throughput"])] if "throughput" in lv else [])
        figs += [(f"{name} p95", c) for name, c in lv["types"].items()]
        for what, c in figs:
            if c["class"] == "too few":
                rows.append([str(lv["clients"]), what, "-", "-", "-", "-",
                             f"too few ({c['min_transactions']} tx)"])
                continue
            tps = c.get("tps")
            pre = ", ".join(f"{x:.1f} tps" for x in tps["pre"]) if tps else ", ".join(
                f"{x:.2f}" for x in c["pre"])
            post = ", ".join(f"{x:.1f} tps" for x in tps["post"]) if tps else ", ".join(
                f"{x:.2f}" for x in c["post"])
            iv = c["interval"]
            rows.append([str(lv["clients"]), what, pre, post, pct(c["change"], True),
                         f"[{pct(iv[0] - 1, True)}, {pct(iv[1] - 1, True)}]", c["class"]])
    return rows


def workload_facts(wl: dict[str, Any]) -> list[str]:
    """How the workload was judged, and the drift each level's controls measured."""
    out = [wl["criterion"]["text"],
           "p95 in ms per repeat; change = post / pre − 1 (+ is slower), for throughput the "
           "time per transaction (+ is fewer transactions per second); each step's figure is "
           "taken relative to the control step run just before it (the parameter draw alone, "
           "which no index changes), so the machine's speed cancels."]
    out += [f"{lv['clients']} client(s): machine drift "
            + (f"{pct(lv['drift']['ratio'] - 1, True)} (controls)" if lv["drift"]["applied"]
               else "not measured (no control steps)") for lv in wl["levels"]]
    return out


def render_markdown(doc: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    g1, g2 = doc["gates"]["fidelity"], doc["gates"]["indexes"]
    out = [f"# synthgen run: {doc['decision']}", "",
           f"- band **{doc['band']}**, seed `{doc['seed']}`, spec `{doc['spec_hash']}`, "
           f"synthgen {doc['versions']['synthgen']}",
           f"- gate 1 (fidelity): **{g1['decision'] if g1 else 'not reached'}**",
           f"- gate 2 (indexes): **{g2['decision'] if g2 else 'not reached'}**"]
    if doc.get("target"):
        t = doc["target"]
        out.append(f"- target: `{t['dsn']}` schema `{t['schema']}`"
                   + (" (embedded server)" if t.get("embedded") else ""))
    if doc.get("error"):
        out.append(f"- **error:** {doc['error']}")
    if doc["counts"]:
        out.append("- rows: " + ", ".join(f"{k} {v:,}" for k, v in doc["counts"].items()))
    out += ["", "## Stages", ""]
    out += _table(["stage", "status", "seconds", "note"],
                  [[s["name"], s["status"], f"{s['seconds']:.1f}", s.get("note", "")]
                   for s in doc["stages"]])
    if g1:
        out += ["", f"## Gate 1: fidelity — {g1['decision']}", ""]
        out += [f"- {r}" for r in g1["reasons"]] + ([""] if g1["reasons"] else [])
        s = g1["summary"]
        out += [f"{s['checks']} checks: {s['ok']} ok, {s['warning']} warning(s), "
                f"{s['critical']} critical, {s['failed']} failed (tolerance "
                f"{g1['tolerance']['name']}). Integrity and PII checks that passed are not "
                "listed.", ""]
        out += _table(["metric", "spec", "resolved target", "achieved", "deviation", "band",
                       "verdict"],
                      fidelity_rows(g1["checks"]))
    from synthgen.report.reads import HEAD, fan_out

    reads = fan_out(doc)
    if reads:
        out += ["", "### Read fan-out", ""] + _table(HEAD, reads[0]) + ["", reads[1]]
    if g2:
        out += ["", f"## Gate 2: indexes — {g2['decision']}", ""]
        out += [f"- {r}" for r in g2["reasons"]]
        out += [""] + [f"- {line}" for line in gate2_facts(g2)] + [""]
        out += _table(CASE_HEAD, case_rows(g2["cases"]))
        if g2.get("workload"):
            out += ["", "### Under load (workload replay, pre and post)", ""]
            out += [f"- {line}" for line in workload_facts(g2["workload"])] + [""]
            out += _table(WORKLOAD_HEAD, workload_rows(g2["workload"]))
        if g2["new_indexes"]:
            out += ["", "### New indexes", ""]
            out += _table(["index", "columns", "size", "verdict", "credited", "why / cost"],
                          [[i["index"], i["columns"], mib(i["size_bytes"]), i["verdict"],
                            "yes" if i["credited"] else "no",
                            i.get("problem") or i["why"] or "-"]
                           for i in g2["new_indexes"]])
            redundant = [i for i in g2["new_indexes"] if i["verdict"] == "redundant"]
            if redundant:
                out += ["", "**Redundancy:** " + " ".join(
                    f"`{i['index']}` is redundant with `{i['existing']}`." for i in redundant)]
        if g2["hints"]:
            out += ["", "### Hints", ""] + [f"- {h}" for h in g2["hints"]]
    idx = doc.get("indexes")
    if idx and idx["sizes"]:
        out += ["", "## Index sizes (after the change)", ""]
        out += _table(["index", "table", "size", "new"],
                      [[i["name"], i["table"], mib(i["size_bytes"]), "yes" if i["new"] else ""]
                       for i in sorted(idx["sizes"], key=lambda i: (i["table"], i["name"]))])
    if idx and idx.get("finish"):
        out += ["", f"Afterwards: {idx['finish'].get('action')} — {idx['finish'].get('note', '')}"]
    return "\n".join(out) + "\n"
