"""fidelity.json (stable, documented schema) and the human table.

fidelity.json, format ``synthgen-fidelity/1``::

    {
      "format": "synthgen-fidelity/1",
      "decision": "GO" | "NO-GO",
      "reasons": [str],               # why NO-GO (empty for GO)
      "dataset": str,                 # the dataset directory
      "seed": str, "band": str, "spec_hash": str,
      "tolerance": {"name": "strict|normal|relaxed|factor", "scale": float},
      "summary": {"checks": int, "ok": int, "warning": int, "critical": int, "failed": int},
      "skipped": [str],               # metrics not measured (their table is switched off
                                      # or unusable: see the failed file checks)
      "elapsed_s": float,
      "checks": [{
        "name": str,                  # metric name (synthgen.metrics.METRICS) or check name
        "kind": "distribution" | "integrity" | "pii",
        "target": float | null,       # distribution: value judged against; others: 0
        "achieved": float | null,     # distribution: measured value; others: offending rows
        "deviation": float | null,    # |achieved - target| / |target| (distribution only)
        "band": float | null,         # relative tolerance applied (distribution only)
        "level": "strict|normal|relaxed" | null,
        "severity": "ok" | "warning" | "critical" | "failed",
                                      # critical: outside its band (NO-GO); warning: a derived
                                      # metric outside its band (does not vote)
        "infeasible": bool,           # spec value infeasible for the band (target resolved)
        "source": "spec" | "feasibility" | "override" | null,
                                      # feasibility: resolved by spec check from spec + band
        "spec_target": float | null,  # what the spec asked for (differs when infeasible)
        "n": int | null,              # observations behind the value
        "examples": [str],            # at most 3 offending row ids (never values)
        "detail": str
      }],
      "distributions": {              # what the report plots; null when the conversation
                                      # tables are unusable. Counts only, on fixed buckets.
        "conversation_sizes": {"classes": [str], "counts": [int], "conversations": int},
        "messages_per_conversation": {"ccdf": [[n, P(N >= n)]], "edges": [float],
                                      "histogram": [int], "conversations": int, "empty": int},
        "content_length": {"edges": [float], "counts": [int], "n": int},
        "hour_of_week": {"days": [str], "counts": [[int] * 24] * 7},
        "message_types": {"types": [str], "counts": [int]},
        "read_latency": {"seconds": [float], "within": [int], "n": int} | null,
        "attachment_types": {"types": [str], "counts": [int]}   # absent without attachments
      } | null
    }

Integrity and PII checks have severity ``ok`` or ``failed``; distribution checks ``ok``,
``warning`` or ``critical``. ``null`` stands for "not applicable" or a non-finite value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FORMAT = "synthgen-fidelity/1"

_NUM = {"type": ["number", "null"]}
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "synthgen fidelity report",
    "type": "object",
    "required": ["format", "decision", "reasons", "dataset", "tolerance", "summary", "checks"],
    "properties": {
        "format": {"const": FORMAT},
        "decision": {"enum": ["GO", "NO-GO"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "dataset": {"type": "string"},
        "seed": {"type": "string"}, "band": {"type": "string"}, "spec_hash": {"type": "string"},
        "tolerance": {"type": "object", "required": ["name", "scale"],
                      "properties": {"name": {"type": "string"}, "scale": {"type": "number"}}},
        "summary": {"type": "object",
                    "required": ["checks", "ok", "warning", "critical", "failed"],
                    "additionalProperties": {"type": "integer"}},
        "skipped": {"type": "array", "items": {"type": "string"}},
        "elapsed_s": {"type": "number"},
        "distributions": {"type": ["object", "null"]},
        "checks": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "kind", "target", "achieved", "deviation", "band", "severity",
                         "infeasible", "examples"],
            "properties": {
                "name": {"type": "string"},
                "kind": {"enum": ["distribution", "integrity", "pii"]},
                "target": _NUM, "achieved": _NUM, "deviation": _NUM, "band": _NUM,
                "spec_target": _NUM,
                "level": {"enum": ["strict", "normal", "relaxed", None]},
                "severity": {"enum": ["ok", "warning", "critical", "failed"]},
                "infeasible": {"type": "boolean"},
                "source": {"enum": ["spec", "feasibility", "override", None]},
                "n": {"type": ["integer", "null"]},
                "examples": {"type": "array", "maxItems": 3, "items": {"type": "string"}},
                "detail": {"type": "string"}}}},
    },
}


def write_report(doc: dict[str, Any], path: Path) -> None:
    """Write fidelity.json atomically."""
    from synthgen.dataset import write_json

    write_json(path, doc)


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
            return f"{x:.3g}"
        return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


_STYLE = {"ok": "green", "warning": "yellow", "critical": "bold red", "failed": "bold red"}


def render(doc: dict[str, Any], *, show_ok_integrity: bool = False) -> Any:
    """A rich renderable: the distribution table, failed integrity/PII checks, the decision."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    dist = Table(title="Distribution checks", title_justify="left")
    dist.add_column("metric", overflow="fold")
    for col in ("spec", "resolved", "achieved", "deviation", "band"):
        dist.add_column(col, justify="right", no_wrap=True)
    dist.add_column("verdict", no_wrap=True)
    integ = Table(title="Integrity and PII checks", title_justify="left")
    integ.add_column("check", overflow="fold")
    integ.add_column("offending rows", justify="right", no_wrap=True)
    integ.add_column("verdict", no_wrap=True)
    integ.add_column("examples / detail", overflow="fold")
    for c in doc["checks"]:
        sev = Text(c["severity"], style=_STYLE[c["severity"]])
        if c["kind"] == "distribution":
            name = c["name"] + (" †" if c["infeasible"] else "")
            dist.add_row(name, _fmt(c.get("spec_target")), _fmt(c["target"]),
                         _fmt(c["achieved"]), _pct(c["deviation"]), _pct(c["band"]), sev)
        elif c["severity"] != "ok" or show_ok_integrity:
            integ.add_row(c["name"], _fmt(int(c["achieved"] or 0)), sev,
                          ", ".join(c["examples"]) or c["detail"])
    passed = sum(1 for c in doc["checks"] if c["kind"] != "distribution" and c["severity"] == "ok")
    total = sum(1 for c in doc["checks"] if c["kind"] != "distribution")
    s = doc["summary"]
    style = "bold green" if doc["decision"] == "GO" else "bold red"
    lines = [Text(f"integrity and PII: {passed}/{total} passed; distribution: "
                  f"{s['warning']} warning(s), {s['critical']} critical; "
                  f"tolerance {doc['tolerance']['name']} (x{doc['tolerance']['scale']:g}); "
                  f"{doc.get('elapsed_s', 0):.2f}s")]
    if any(c["infeasible"] for c in doc["checks"]):
        lines.append(Text("† spec value infeasible for this band: judged against the target "
                          "spec check resolved from spec and band (see detail)", style="dim"))
    lines += [Text(f"  - {r}") for r in doc["reasons"]]
    lines.append(Text(f"fidelity: {doc['decision']}", style=style))
    parts: list[Any] = [dist]
    if integ.row_count:
        parts.append(integ)
    return Group(*parts, *lines)
