"""The report's read fan-out block: spec check's expected reads per message and heavy-room
coverage beside what gate 1 measured, and why Q4 depends on them (Markdown and HTML)."""

from __future__ import annotations

from typing import Any

from synthgen.report.markdown import fmt, pct

LABELS: dict[str, str] = {
    "reads.per_message": "reads per message",
    "reads.heavy_room_per_message": "reads per message, heavy rooms",
    "reads.heavy_room_member_coverage": "per-member read coverage, heavy rooms",
}
SPEC_CHECK_KEYS: dict[str, str] = {
    "reads.per_message": "reads_per_message",
    "reads.heavy_room_per_message": "heavy_room_reads_per_message",
    "reads.heavy_room_member_coverage": "heavy_room_member_coverage",
}
HEAD = ["", "spec check expected", "achieved", "deviation", "band", "verdict"]
COVERAGE = "reads.heavy_room_member_coverage"


def _value(metric: str, x: float | None) -> str:
    return pct(x) if metric == COVERAGE and x is not None and x >= 0.001 else fmt(x)


def why(max_recipients: int | None) -> str:
    """The sentence under the block."""
    cap = (f"at most {max_recipients} recipient(s) per message (reads.max_recipients)"
           if max_recipients is not None else "at most reads.max_recipients per message")
    return ("Q4 (a member's unread count) LEFT JOINs a room's messages to message_reads: in a "
            "heavy room it counts (1 − coverage) × the room's messages, so coverage decides how "
            "many of the join's probes find a read and how large the counts Q4 returns are. "
            f"Reads are capped at {cap}, so coverage falls as rooms grow; a dataset judged here "
            "measures Q4 at this coverage, not at production's unless the spec says so.")


def fan_out(doc: dict[str, Any]) -> tuple[list[list[str]], str] | None:
    """(rows under HEAD, the sentence), or None when neither gate 1 nor spec check has them."""
    g1 = doc["gates"]["fidelity"]
    checks = {c["name"]: c for c in (g1 or {}).get("checks", [])}
    sc = (doc.get("spec_check") or {}).get("reads") or {}
    rows = []
    for metric, label in LABELS.items():
        c = checks.get(metric)
        if c is not None:
            expected = c["spec_target"] if c.get("source") == "override" else c["target"]
            achieved = _value(metric, c["achieved"])
            if c.get("source") == "override":
                achieved += f" (production {_value(metric, c['target'])})"
            rows.append([label, _value(metric, expected), achieved, pct(c["deviation"]),
                         pct(c["band"]), c["severity"]])
        elif SPEC_CHECK_KEYS[metric] in sc:
            rows.append([label, _value(metric, sc[SPEC_CHECK_KEYS[metric]]), "-", "-", "-",
                         "not measured"])
    if not rows:
        return None
    return rows, why(sc.get("max_recipients"))
