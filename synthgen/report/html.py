"""report.html: one self-contained page (inline CSS and SVG; no script, font or URL fetched)."""

from __future__ import annotations

from html import escape
from typing import Any

from synthgen.report import svg
from synthgen.report.markdown import (
    CASE_HEAD,
    WORKLOAD_HEAD,
    case_rows,
    fidelity_rows,
    gate2_facts,
    mib,
    pct,
    workload_facts,
    workload_rows,
)

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1180px;color:#1f2933;padding:0 16px}
h1{font-size:22px;margin:0 0 6px} h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e3e7eb}
table{border-collapse:collapse;margin:8px 0;font-size:12.5px}
td,th{padding:3px 8px;border-bottom:1px solid #eef1f4;text-align:left}
th{background:#f5f7f9} td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
.GO,.ok,.improved{color:#1e7b45} .NO-GO,.critical,.failed,.degraded{color:#b42318} .warning{color:#a15c07}
.b-GO{background:#1e7b45} .b-NO-GO{background:#b42318} .b-INCOMPLETE,.b-none{background:#7b8794}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.small{display:grid;grid-template-columns:repeat(auto-fit,minmax(270px,1fr));gap:12px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #eef1f4;border-radius:6px}
pre{background:#f5f7f9;padding:8px;overflow:auto;font-size:12px} .muted{color:#616e7c}
"""


def _badge(label: str | None) -> str:
    text = label or "not reached"
    return f'<span class="badge b-{escape(label or "none")}">{escape(text)}</span>'


def _table(head: list[str], rows: list[list[str]], numeric: set[int] | None = None,
           classes: dict[int, bool] | None = None) -> str:
    """An HTML table; columns in ``numeric`` right-aligned, in ``classes`` styled by value."""
    numeric, classes = numeric or set(), classes or {}
    out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            cls = ' class="n"' if i in numeric else (f' class="{escape(c)}"' if i in classes
                                                      else "")
            cells.append(f"<td{cls}>{escape(c)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</table>"


LATENCY_TICKS_S = (1, 10, 60, 600, 3_600, 21_600, 86_400, 604_800, 2_592_000)


def _seconds(s: float) -> str:
    """Duration tick label.

    >>> [_seconds(x) for x in (10, 600, 21600, 604800)]
    ['10 s', '10 min', '6 h', '7 d']
    """
    if s < 60:
        return f"{s:g} s"
    if s < 3_600:
        return f"{s / 60:g} min"
    return f"{s / 3_600:g} h" if s < 86_400 else f"{s / 86_400:g} d"


def plots(d: dict[str, Any], checks: list[dict[str, Any]]) -> list[str]:
    """The distribution charts: spec (grey) against achieved (blue)."""
    out = []
    cs = d["conversation_sizes"]
    out.append(svg.bars(cs["classes"], [svg.Series("spec", cs["spec"], color=svg.SPEC),
                                        svg.Series("achieved", cs["achieved"])],
                        title="Conversations by size class", y_label="share"))
    mpc = d["messages_per_conversation"]
    target = {c["name"]: c for c in checks if c["name"].startswith("messages_per_conversation.")}
    marks = [(target[f"messages_per_conversation.{q}"]["target"], 1 - p)
             for q, p in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
             if f"messages_per_conversation.{q}" in target
             and target[f"messages_per_conversation.{q}"]["target"]]
    out.append(svg.lines([svg.Series("achieved P(N ≥ n)", points=[tuple(p) for p in mpc["ccdf"]]),
                          svg.Series("targets p50/p95/p99", points=marks, color="#d9480f",
                                     markers_only=True, labels=["p50", "p95", "p99"])],
                         title="Messages per conversation (CCDF, log–log)",
                         x_label="messages in the conversation (n)", y_label="P(N ≥ n)",
                         log_x=True, log_y=True))
    cl = d["content_length"]
    edges = cl["edges"]
    labels = [f"{edges[i]:g}–{edges[i + 1] - 1:g}" for i in range(len(edges) - 1)]
    out.append(svg.bars(labels, [svg.Series("spec", cl["spec"], color=svg.SPEC),
                                 svg.Series("achieved", cl["achieved"])],
                        title="Content length (characters)", y_label="share of messages"))
    how = d["hour_of_week"]
    out.append(svg.heatmap(how["counts"], how["days"], [f"{h:02d}h" for h in range(24)],
                           title="Messages by hour of week (UTC)"))
    rl = d.get("read_latency")
    if rl:
        out.append(svg.lines([svg.Series("spec", points=list(zip(rl["seconds"], rl["spec"],
                                                                  strict=True)),
                                         color=svg.SPEC, dashed=True),
                              svg.Series("achieved", points=list(zip(rl["seconds"], rl["achieved"],
                                                                      strict=True)))],
                             title="Read latency (CDF over reads)", x_label="time to read",
                             y_label="share read within", log_x=True, percent_y=True,
                             x_format=_seconds, x_ticks=LATENCY_TICKS_S))
    mm = d["media_mix"]
    if "attachment_types" in mm:
        out.append(svg.bars(mm["attachment_types"],
                            [svg.Series("spec", mm["attachment_spec"], color=svg.SPEC),
                             svg.Series("achieved", mm["attachment_achieved"])],
                            title=f"Attachment types (media share of messages: spec "
                                  f"{mm['media_ratio']['spec']:.1%}, achieved "
                                  f"{mm['media_ratio']['achieved']:.1%})", y_label="share"))
    out.append(svg.bars(mm["message_types"], [svg.Series("achieved", mm["message_achieved"])],
                        title="Message types", y_label="share of messages"))
    return out


def _timings_chart(cases: list[dict[str, Any]]) -> str:
    labels = [f"{c['query']} {c['param_set']}" for c in cases]
    return svg.hbars(labels, [svg.Series("pre p50", [c["pre"]["p50"] for c in cases],
                                         color=svg.PRE),
                              svg.Series("post p50", [c["post"]["p50"] for c in cases],
                                         color=svg.POST)],
                     title="Query p50 before and after", x_label="ms (log scale)")


def _workload_charts(wl: dict[str, Any]) -> list[str]:
    """p95 against clients, pre and post, one small chart per transaction type."""
    out = []
    pre, post = wl["curves"]["pre"], wl["curves"]["post"]
    for name in pre:
        series = [svg.Series("pre p95", points=[(float(c), v) for c, v in pre[name].items()],
                             color=svg.PRE),
                  svg.Series("post p95", points=[(float(c), v)
                                                 for c, v in post.get(name, {}).items()],
                             color=svg.POST, dashed=True)]
        out.append(svg.lines(series, title=f"{name}: p95 latency against clients",
                             x_label="clients", y_label="p95 ms (log scale)", log_y=True,
                             x_ticks=sorted({float(c) for c in pre[name]}), width=360,
                             height=220))
    return out


def _gate2(g2: dict[str, Any]) -> list[str]:
    out = [f"<h2>Gate 2: index verification {_badge(g2['decision'])}</h2><ul>"]
    out += [f"<li>{escape(r)}</li>" for r in g2["reasons"]] + ["</ul>"]
    s = g2["sorts"]
    out.append(f"<p>Sort nodes {s['pre']} → {s['post']} ({escape(s['text'])}); buffers touched "
               f"{g2['buffers']['pre']:,} → {g2['buffers']['post']:,}.</p>")
    out.append("<ul>" + "".join(f"<li>{escape(x)}</li>" for x in gate2_facts(g2)) + "</ul>")
    out.append(_timings_chart(g2["cases"]))
    out.append(_table(CASE_HEAD, case_rows(g2["cases"]), numeric={2, 3, 4, 5, 7},
                      classes={6: True}))
    wl = g2.get("workload")
    if wl:
        out.append("<h3>Under load (workload replay, pre and post)</h3><ul>"
                   + "".join(f"<li>{escape(x)}</li>" for x in workload_facts(wl)) + "</ul>")
        out.append("<div class=small>" + "".join(_workload_charts(wl)) + "</div>")
        out.append(_table(WORKLOAD_HEAD, workload_rows(wl), numeric={4}, classes={6: True}))
    if g2["new_indexes"]:
        out.append("<h3>New indexes</h3>")
        out.append(_table(["index", "columns", "size", "verdict", "credited", "used by",
                           "why / cost"],
                          [[i["index"], i["columns"], mib(i["size_bytes"]), i["verdict"],
                            "yes" if i["credited"] else "no", ", ".join(i["used_by"]) or "-",
                            i.get("problem") or i["why"] or "-"] for i in g2["new_indexes"]],
                          numeric={2}))
    changed = [c for c in g2["cases"] if c["plan"]["changed"]]
    if changed:
        out.append("<h3>Plan changes</h3>")
        for c in changed:
            out.append(f"<details><summary>{escape(c['query'])}/{escape(c['param_set'])}: "
                       f"{escape(c['plan']['pre_shape'])} → {escape(c['plan']['post_shape'])}"
                       f"</summary><pre>{escape(chr(10).join(c['plan']['diff']))}</pre></details>")
    if g2["hints"]:
        out.append("<h3>Hints</h3><ul>" + "".join(f"<li>{escape(h)}</li>" for h in g2["hints"])
                   + "</ul>")
    return out


def render_html(doc: dict[str, Any]) -> str:
    """The whole report as one HTML page."""
    g1, g2 = doc["gates"]["fidelity"], doc["gates"]["indexes"]
    body = [f"<h1>synthgen run {_badge(doc['decision'])}</h1>",
            f"<p class=muted>band <b>{escape(doc['band'])}</b> · seed <code>{escape(doc['seed'])}"
            f"</code> · spec <code>{escape(str(doc['spec_hash']))}</code> · synthgen "
            f"{escape(doc['versions']['synthgen'])} · {escape(doc['created_at'])}</p>",
            f"<p>Gate 1 (fidelity) {_badge(g1['decision'] if g1 else None)} &nbsp; "
            f"Gate 2 (indexes) {_badge(g2['decision'] if g2 else None)}</p>"]
    if doc.get("error"):
        body.append(f'<p class="failed"><b>error:</b> {escape(doc["error"])}</p>')
    if doc.get("target"):
        t = doc["target"]
        body.append(f"<p class=muted>target <code>{escape(t['dsn'])}</code> schema "
                    f"<code>{escape(t['schema'])}</code>{' (embedded server)' if t['embedded'] else ''}"
                    "</p>")
    body.append("<h2>Stages</h2>" + _table(
        ["stage", "status", "seconds", "note"],
        [[s["name"], s["status"], f"{s['seconds']:.1f}", s.get("note", "")] for s in doc["stages"]],
        numeric={2}))
    if doc["counts"]:
        body.append(_table(["table", "rows"], [[k, f"{v:,}"] for k, v in doc["counts"].items()],
                           numeric={1}))
    if doc.get("distributions"):
        body.append("<h2>Shapes: spec vs achieved</h2><div class=grid>"
                    + "".join(plots(doc["distributions"], g1["checks"] if g1 else []))
                    + "</div>")
    if g1:
        body.append(f"<h2>Gate 1: fidelity {_badge(g1['decision'])}</h2><ul>"
                    + "".join(f"<li>{escape(r)}</li>" for r in g1["reasons"]) + "</ul>")
        s = g1["summary"]
        body.append(f"<p>{s['checks']} checks: {s['ok']} ok, {s['warning']} warning(s), "
                    f"{s['critical']} critical, {s['failed']} failed; tolerance "
                    f"{escape(g1['tolerance']['name'])}. Integrity and PII checks that passed "
                    "are not listed.</p>")
        body.append(_table(["metric", "spec", "resolved target", "achieved", "deviation", "band",
                            "verdict"],
                           fidelity_rows(g1["checks"]), numeric={1, 2, 3, 4, 5},
                           classes={6: True}))
    from synthgen.report.reads import HEAD, fan_out

    reads = fan_out(doc)
    if reads:
        body.append("<h3>Read fan-out</h3>" + _table(HEAD, reads[0], numeric={1, 2, 3, 4},
                                                       classes={5: True})
                    + f"<p class=muted>{escape(reads[1])}</p>")
    if g2:
        body += _gate2(g2)
    idx = doc.get("indexes")
    if idx and idx["sizes"]:
        body.append("<h2>Index sizes after the change</h2>" + _table(
            ["index", "table", "size", "new"],
            [[i["name"], i["table"], mib(i["size_bytes"]), "new" if i["new"] else ""]
             for i in sorted(idx["sizes"], key=lambda i: (i["table"], i["name"]))], numeric={2}))
    if idx and idx.get("finish"):
        body.append(f"<p class=muted>Afterwards: {escape(str(idx['finish'].get('action')))} — "
                    f"{escape(str(idx['finish'].get('note', '')))}</p>")
    sc = doc.get("spec_check")
    if sc and sc.get("targets"):
        # a run recorded before targets were resolved has "achievable" and no spread
        rows = [[t["metric"], f"{t['target']:,.4g}",
                 f"{t.get('resolved', t.get('achievable', 0.0)):,.4g}",
                 f"{t['spread']:,.3g}" if "spread" in t else "-", pct(t["deviation"]),
                 "yes" if t["feasible"] else "NO", t.get("reason", "")] for t in sc["targets"]]
        body.append("<h2>Spec check (before generation)</h2>" + _table(
            ["metric", "spec", "resolved target", "spread over plans", "deviation", "feasible",
             "why not"], rows, numeric={1, 2, 3, 4}))
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<title>synthgen {escape(doc['band'])} {escape(doc['decision'])}</title>"
            f"<style>{_CSS}</style></head><body>" + "".join(body) + "</body></html>\n")
