"""spec check: which targets this band can meet, what it will achieve instead, and how big.

Achievable values come from the plan itself (exact message counts per conversation are
decided there), so what spec check prints is what generate will produce for that seed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from synthgen.generate.plan import Plan
from synthgen.schema import TABLES

FEASIBLE_WITHIN = 0.15
"""A target is declared infeasible when the plan misses it by more than this (relative)."""

# Bytes per row measured on generated data (zstd Parquet; PostgreSQL heap + phase-1 indexes),
# see benchmarks/RESULTS.md. Content is added separately from its length distribution.
PARQUET_BYTES_PER_ROW = {"users": 75, "conversations": 82, "conversation_users": 52,
                         "messages": 32, "message_reads": 41, "message_receipts": 32,
                         "attachments": 91}
_PG_WIDTH = {"text": 26, "timestamp(3)": 8, "boolean": 1, "integer": 4, "jsonb": 24}


def _target(metric: str, target: float, achieved: float, reason: str) -> dict[str, Any]:
    dev = abs(achieved - target) / abs(target) if target else abs(achieved)
    feasible = bool(dev <= FEASIBLE_WITHIN)
    return {"metric": metric, "target": float(target), "achievable": round(float(achieved), 6),
            "deviation": round(float(dev), 4), "feasible": feasible,
            "reason": "" if feasible else reason}


def check_plan(plan: Plan) -> dict[str, Any]:
    """Every plan-decided target: target, achievable value, feasible flag and why not."""
    spec, band = plan.spec, plan.band
    counts = plan.conv_messages
    heavy = plan.conv_heavy
    hr = spec.messages.heavy_rooms
    pc = spec.messages.per_conversation
    share = float(counts[heavy].sum() / counts.sum()) if counts.sum() else 0.0
    floor_note = (f"{hr.share:.0%} of conversations are heavy rooms of ≥{hr.min_messages:,} "
                  f"messages")
    body = (f"chance: the organic body is drawn for only {int((~heavy).sum()):,} "
            "conversations, so its quantiles vary at this size")
    p99_reason = (f"{floor_note}: p99 falls among the heavy rooms, so it is set by their "
                  "sizes (the band total shared out above the floor), not by the body"
                  if hr.share >= 0.01 else body)
    targets = [
        _target("messages_per_conversation.p50", pc.median, np.percentile(counts, 50), body),
        _target("messages_per_conversation.p95", pc.p95, np.percentile(counts, 95), body),
        _target("messages_per_conversation.p99", spec.messages.targets.p99,
                np.percentile(counts, 99), p99_reason),
        _target("heavy_rooms.traffic_share", spec.messages.targets.heavy_traffic_share, share,
                f"{floor_note} and the band total is exact: heavy rooms absorb every message "
                "the organic body (median/p95 as specified) does not"),
        _target("heavy_rooms.count", round(hr.share * band.conversations), int(heavy.sum()),
                "heavy-room count is exact"),
    ]
    mix = spec.conversations.size_mix
    for name, cls, want in (("direct", 0, mix.direct), ("small_group", 1, mix.small_group),
                            ("large_group", 2, mix.large_group)):
        got = float((plan.conv_class == cls).mean())
        if want > 0:
            targets.append(_target(f"conversation_size.{name}_share", want, got,
                                   "rounding to whole conversations"))
    for adj in plan.adjustments:
        for t in targets:
            if t["metric"].startswith("messages_per_conversation.p") and not t["feasible"]:
                t["reason"] = adj.reason
    return {"band": band.name, "targets": targets,
            "feasible": all(t["feasible"] for t in targets),
            "adjustments": [a.reason for a in plan.adjustments]}


def estimate_rows(plan: Plan) -> dict[str, int]:
    """Expected rows per table (exact where the plan decides them)."""
    spec, band = plan.spec, plan.band
    sizes = np.repeat(plan.conv_size, plan.conv_messages)
    pairs = float(np.minimum(spec.reads.max_recipients, sizes - 1).sum())
    apm = spec.media.attachments_per_message
    attach = band.messages * (apm.one + apm.several * (2 + apm.several_max) / 2)
    rows = {"users": band.users, "conversations": band.conversations,
            "conversation_users": int(plan.member_offset[-1]), "messages": band.messages,
            "message_reads": int(pairs * spec.reads.read_rate),
            "message_receipts": int(pairs * (1 + spec.reads.delivery_rate + spec.reads.read_rate)),
            "attachments": int(attach)}
    t = spec.tables
    for table, on in (("message_reads", t.message_reads), ("message_receipts", t.message_receipts),
                      ("attachments", t.attachments)):
        if not on:
            rows[table] = 0
    return rows


def _content_mean(plan: Plan) -> float:
    cl = plan.spec.content.length
    draws = np.clip(np.random.default_rng(0).lognormal(cl.mu, cl.sigma, 200_000), cl.min, cl.max)
    return float(draws.mean())


def estimate_bytes(plan: Plan) -> dict[str, dict[str, int]]:
    """Approximate on-disk bytes per table: Parquet (zstd) and PostgreSQL (heap + indexes)."""
    from synthgen.ddl import INDEXES, UNIQUE

    rows = estimate_rows(plan)
    content = _content_mean(plan) * (1 - plan.spec.messages.deleted_share)
    out: dict[str, dict[str, int]] = {}
    for table, n in rows.items():
        width = sum(_PG_WIDTH.get(c.pg, 4) if not c.enum else 4 for c in TABLES[table])
        if table == "messages":
            width += int(content)
        heap = n * (28 + width) * 1.1  # tuple header + item pointer, ~90% fill
        n_idx = 1 + len(UNIQUE[table]) + sum(1 for i in INDEXES if i.table == table)
        idx = n * n_idx * 40
        pq_row = PARQUET_BYTES_PER_ROW[table] + (content * 0.35 if table == "messages" else 0)
        out[table] = {"rows": n, "parquet": int(n * pq_row), "postgres": int(heap + idx)}
    return out


def disk_warning(path: Path, needed: int) -> str | None:
    """A warning when the filesystem holding `path` has less free space than needed."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed:
        return (f"{probe} has {free / 1e9:,.1f} GB free but the dataset needs about "
                f"{needed / 1e9:,.1f} GB")
    return None
