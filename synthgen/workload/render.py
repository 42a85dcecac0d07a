"""The text tables ``synthgen workload`` prints: one per client level, plus the draw cost."""

from __future__ import annotations

from typing import Any


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def render_text(doc: dict[str, Any]) -> str:
    """Every level's throughput and p50/p95/p99 per transaction type, then cleanup."""
    out = [f"workload {doc['run_id']} on {doc['target']['dsn']} schema {doc['schema']} "
           f"({doc['mode']} loop{'' if doc['rate_tps'] is None else ', ' + str(doc['rate_tps']) + ' tps'}"
           f", {doc['seconds_per_step']} s per step, seed {doc['seed']})"]
    draw = doc.get("draw_overhead")
    if draw:
        out.append(f"parameter draw alone: p50 {_ms(draw['p50_ms'])} ms, p95 "
                   f"{_ms(draw['p95_ms'])} ms ({draw['transactions']} draws, 1 client)")
    for level in doc.get("levels", []):
        s, srv = level["summary"], level["server"]
        out.append("")
        rep = f" (repeat {level['repeat'] + 1})" if doc.get("repeats", 1) > 1 else ""
        ctl = level.get("control")
        ctl_text = (f"; control (draw alone) p50 {_ms(ctl['p50_ms'])} ms" if ctl else "")
        out.append(f"clients {level['clients']}{rep}: {s['all']['tps']:.1f} tps, "
                   f"{s['all']['transactions']} transactions, {s['all']['failed']} failed; "
                   f"buffer hit {_ratio(srv.get('buffer_hit_ratio'))}, WAL "
                   f"{_mb(srv.get('wal_bytes'))}, temp {_mb(srv.get('temp_bytes'))}, "
                   f"lock waits max {level['lock_waits']['max']}{ctl_text}")
        lag = "lag_p99_ms" in s["all"]
        out.append(f"  {'type':<5} {'tps':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'n':>8}"
                   + (f" {'lag p99':>9}" if lag else ""))
        for name, f in [*s["per_type"].items(), ("all", s["all"])]:
            out.append(f"  {name:<5} {f['tps'] or 0:>9.1f} {_ms(f['p50_ms']):>9} "
                       f"{_ms(f['p95_ms']):>9} {_ms(f['p99_ms']):>9} {f['transactions']:>8}"
                       + (f" {_ms(f.get('lag_p99_ms')):>9}" if lag else ""))
    c = doc.get("cleanup")
    if c:
        out.append("")
        counts = c["counts"]
        ledger = ("" if counts["equal_to_ledger"] is None else
                  f"; equal to the load ledger: {'yes' if counts['equal_to_ledger'] else 'NO'}")
        out.append(f"cleanup: {c['messages_removed']} messages and {c['receipts_removed']} "
                   f"receipts removed, {c['receipts_restored']} receipts and "
                   f"{c['memberships_restored']} read markers restored; counts equal "
                   f"before/after: {'yes' if counts['equal'] else 'NO'}{ledger}")
    return "\n".join(out)


def _ratio(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.2f}%"


def _mb(v: int | None) -> str:
    return "-" if v is None else f"{v / 2**20:.1f} MiB"
