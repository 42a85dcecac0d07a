"""Feasibility of a plan: which targets the band can meet, what it achieves instead, how big.

Achievable values come from the plan itself (exact message counts per conversation are
decided there), so what spec check prints is what generate will produce for that seed.
``feasibility.json`` in a dataset is ``Feasibility.to_json()``; the gate reads it back.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
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
"""Average PostgreSQL bytes of a column by type (text: the short strings of ids and names)."""
PG_WIDTH_OTHER = 4
"""Bytes of a column whose type _PG_WIDTH does not list, and of enum columns."""
PG_TUPLE_OVERHEAD = 28
"""Bytes per heap row besides the columns: tuple header (24) + item pointer (4)."""
PG_FILL_FACTOR = 1.1
"""Heap bytes per byte of rows (pages are ~90% full)."""
PG_INDEX_ENTRY = 40
"""Bytes per row per index (key, tuple pointer and B-tree overhead)."""
PARQUET_CONTENT_RATIO = 0.35
"""Compressed Parquet bytes per byte of message text (zstd on pseudo-words)."""
CONTENT_MEAN_DRAWS = 200_000
"""Monte-Carlo draws that estimate the mean clipped content length."""


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """One plan-decided target: what the spec asks, what the plan reaches, and why not."""

    metric: str
    target: float
    achievable: float
    deviation: float
    """|achievable - target| / |target| (absolute when the target is 0)."""
    feasible: bool
    """deviation <= FEASIBLE_WITHIN."""
    reason: str
    """Why the target is out of reach ("" when feasible)."""

    def to_json(self) -> dict[str, Any]:
        """The target as stored in feasibility.json."""
        return {"metric": self.metric, "target": self.target, "achievable": self.achievable,
                "deviation": self.deviation, "feasible": self.feasible, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Feasibility:
    """Every plan-decided target of a band, and the adjustments the band forced."""

    band: str
    targets: tuple[TargetCheck, ...]
    adjustments: tuple[str, ...]
    """Reasons the plan moved away from the spec (see plan.Adjustment)."""

    @property
    def feasible(self) -> bool:
        """Whether every target is within FEASIBLE_WITHIN."""
        return all(t.feasible for t in self.targets)

    def to_json(self) -> dict[str, Any]:
        """The document written as feasibility.json."""
        return {"band": self.band, "targets": [t.to_json() for t in self.targets],
                "feasible": self.feasible, "adjustments": list(self.adjustments)}


@dataclass(frozen=True, slots=True)
class TableSize:
    """Expected rows and on-disk bytes of one table."""

    rows: int
    parquet: int
    """Bytes as zstd Parquet."""
    postgres: int
    """Bytes in PostgreSQL: heap + primary key, unique and phase-1 indexes."""

    def to_json(self) -> dict[str, int]:
        """{"rows", "parquet", "postgres"}."""
        return {"rows": self.rows, "parquet": self.parquet, "postgres": self.postgres}


def _target(metric: str, target: float, achieved: float, reason: str) -> TargetCheck:
    dev = abs(achieved - target) / abs(target) if target else abs(achieved)
    feasible = bool(dev <= FEASIBLE_WITHIN)
    return TargetCheck(metric=metric, target=float(target), achievable=round(float(achieved), 6),
                       deviation=round(float(dev), 4), feasible=feasible,
                       reason="" if feasible else reason)


def check_plan(plan: Plan) -> Feasibility:
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
    for adj in plan.adjustments:  # the plan's own reason wins (the last one, if several)
        targets = [dataclasses.replace(t, reason=adj.reason)
                   if t.metric.startswith("messages_per_conversation.p") and not t.feasible
                   else t for t in targets]
    return Feasibility(band=band.name, targets=tuple(targets),
                       adjustments=tuple(a.reason for a in plan.adjustments))


def estimate_rows(plan: Plan) -> dict[str, int]:
    """Expected rows per table (exact where the plan decides them)."""
    spec, band = plan.spec, plan.band
    # recipients per message = min(max_recipients, size - 1): summed per conversation, not
    # per message (exact in integers, and O(conversations) at the perf band)
    per_message = np.minimum(spec.reads.max_recipients, plan.conv_size.astype(np.int64) - 1)
    pairs = float((per_message * plan.conv_messages.astype(np.int64)).sum())
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
    """Mean message text length (characters), by Monte Carlo with a fixed generator."""
    cl = plan.spec.content.length
    draws = np.random.default_rng(0).lognormal(cl.mu, cl.sigma, CONTENT_MEAN_DRAWS)
    return float(np.clip(draws, cl.min, cl.max).mean())


def estimate_bytes(plan: Plan) -> dict[str, TableSize]:
    """Approximate on-disk bytes per table: Parquet (zstd) and PostgreSQL (heap + indexes)."""
    from synthgen.ddl import INDEXES, UNIQUE

    rows = estimate_rows(plan)
    content = _content_mean(plan) * (1 - plan.spec.messages.deleted_share)
    out: dict[str, TableSize] = {}
    for table, n in rows.items():
        width = sum(_PG_WIDTH.get(c.pg, PG_WIDTH_OTHER) if not c.enum else PG_WIDTH_OTHER
                    for c in TABLES[table])
        if table == "messages":
            width += int(content)
        heap = n * (PG_TUPLE_OVERHEAD + width) * PG_FILL_FACTOR
        n_idx = 1 + len(UNIQUE[table]) + sum(1 for i in INDEXES if i.table == table)
        idx = n * n_idx * PG_INDEX_ENTRY
        pq_row = PARQUET_BYTES_PER_ROW[table] + (content * PARQUET_CONTENT_RATIO
                                                 if table == "messages" else 0)
        out[table] = TableSize(rows=n, parquet=int(n * pq_row), postgres=int(heap + idx))
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
