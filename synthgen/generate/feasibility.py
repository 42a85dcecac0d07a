"""Feasibility of a band: the target of every plan-decided metric, resolved from spec and band.

The spec states p50/p95/p99 of messages per conversation, the heavy rooms' traffic share, the
heavy-room count and the conversation size mix; the band (exact row totals, the heavy-room
floor) decides how close a dataset can come. ``resolve_targets`` derives each resolved target
from the spec and the band alone: exact counts in closed form, the rest as the median over
COUNT_SEEDS independent plans (seeds unrelated to any dataset's), with their spread, which is
the gate's sampling allowance for that metric. A dataset's own plan never sets its target.
``feasibility.json`` in a dataset is ``Feasibility.to_json()``; the gate reads it back.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthgen.bands import Band
from synthgen.generate.distributions import shares_to_counts
from synthgen.generate.plan import Plan, _message_counts
from synthgen.generate.reference import References, references
from synthgen.generate.seeding import rng
from synthgen.schema import TABLES
from synthgen.spec_model import Spec

FEASIBLE_WITHIN = 0.10
"""A spec value is reported infeasible when the resolved target differs from it by more than
this (relative). A labelling cutoff only: the gate always judges the resolved target, so this
is deliberately not tied to any tolerance band."""
COUNT_SEEDS = 101
"""Independent plans whose median and spread resolve the messages-per-conversation quantiles
and the heavy-room traffic share (odd: a true median). Nine plans were too few on a small
band: on ci their median sat 12% below the true one for p50 and their spread underestimated
the heavy share's by a third, so 4.3% of correct ci datasets were NO-GO (measured over 1,000
independent plans); 101 plans cost 0.04 s on ci and 4 s on staging."""
CHECK_SEED_PREFIX = "spec-check-target"
"""Seed strings of those plans: ``{prefix}-{i}``; no dataset seed takes part."""
CALENDAR_SEEDS = 3
"""Independent simulated timelines whose median gives the calendar's Fano factor."""
CALENDAR_SIM_MESSAGES = 2_000_000
"""Messages simulated per timeline at most (a larger band is subsampled by conversation)."""
FORMAT = "synthgen-feasibility/3"
"""feasibility.json format (2: resolved targets with spread, independent of the seed; 3: plus
the reference CDFs of the KS distances and the recipients mix, ``references``, and a target's
``log_spread``; a file without it is judged on the linear spread)."""

# Bytes per row measured on generated data (zstd Parquet; within 10% per table on staging),
# see benchmarks/RESULTS.md. Content is added separately from its length distribution.
PARQUET_BYTES_PER_ROW = {"users": 75, "conversations": 82, "conversation_users": 52,
                         "messages": 32, "message_reads": 41, "message_receipts": 32,
                         "attachments": 91}
# PostgreSQL bytes per row, measured after a real dev load (pg_relation_size of the heap, of
# the TOAST relation and of every index; PostgreSQL 15), and checked on a ci load: the four
# big tables within 1.5% there (benchmarks/RESULTS.md "Scale (issue 14)").
# Message text is added from its length distribution: inline up to PG_TOAST_THRESHOLD bytes,
# else compressed into TOAST.
PG_HEAP_BYTES_PER_ROW = {"users": 213.0, "conversations": 193.5, "conversation_users": 186.1,
                         "messages": 220.7, "message_reads": 141.2, "message_receipts": 141.2,
                         "attachments": 320.7}
"""Heap bytes per row (tuple header, line pointer, columns, page fill); messages without text."""
PG_INDEX_BYTES_PER_ROW = {"users": 172.0, "conversations": 111.6, "conversation_users": 238.1,
                          "messages": 359.2, "message_reads": 184.3, "message_receipts": 168.1,
                          "attachments": 103.1}
"""Bytes per row of all of a table's indexes together (keys, unique and phase-1 indexes)."""
PG_TOAST_THRESHOLD = 2000
"""Message text longer than this (bytes) leaves the heap row for the TOAST table."""
PG_TOAST_POINTER = 18
"""Bytes a toasted value keeps in the heap row."""
PG_TOAST_RATIO = 0.297
"""TOAST bytes (with its index) per byte of toasted text (pglz on pseudo-words)."""
PARQUET_CONTENT_RATIO = 0.35
"""Compressed Parquet bytes per byte of message text (zstd on pseudo-words)."""
CONTENT_MEAN_DRAWS = 200_000
"""Monte-Carlo draws that estimate the mean clipped content length."""


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """One plan-decided target: the spec's value, the value resolved for the band, and why."""

    metric: str
    target: float
    """What the spec states."""
    resolved: float
    """What the gate judges against: exact, or the median over COUNT_SEEDS plans."""
    spread: float
    """Standard deviation of the metric across those plans (0 when exact by construction)."""
    deviation: float
    """|resolved - target| / |target| (absolute when the target is 0)."""
    feasible: bool
    """deviation <= FEASIBLE_WITHIN."""
    reason: str
    """Why the resolved target differs from the spec ("" when feasible)."""
    log_spread: float = 0.0
    """Standard deviation of its natural log across those plans (0 when exact, or when a plan
    gives 0): these quantities are skewed to the right on a small band (ci's p95 ranges over
    250-1000 from plan to plan), so the gate takes their allowance on the log scale."""

    def to_json(self) -> dict[str, Any]:
        """The target as stored in feasibility.json."""
        return {"metric": self.metric, "target": self.target, "resolved": self.resolved,
                "spread": self.spread, "log_spread": self.log_spread,
                "deviation": self.deviation, "feasible": self.feasible, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Feasibility:
    """Every plan-decided target of a band, and the adjustments the band forced."""

    band: str
    targets: tuple[TargetCheck, ...]
    adjustments: tuple[str, ...]
    """Reasons the plan moved away from the spec (see plan.Adjustment)."""
    calendar_fano: float = 1.0
    """Variance of hour-of-week message counts over a Poisson stream's (see calendar_fano)."""
    references: References | None = None
    """Reference CDFs and allowances of the plan- and timeline-decided KS distances."""

    @property
    def feasible(self) -> bool:
        """Whether every target is within FEASIBLE_WITHIN."""
        return all(t.feasible for t in self.targets)

    def to_json(self) -> dict[str, Any]:
        """The document written as feasibility.json."""
        return {"format": FORMAT, "band": self.band, "seeds": COUNT_SEEDS,
                "feasible_within": FEASIBLE_WITHIN,
                "targets": [t.to_json() for t in self.targets],
                "calendar_fano": self.calendar_fano,
                **({"references": self.references.to_json()} if self.references else {}),
                "feasible": self.feasible, "adjustments": list(self.adjustments)}


@dataclass(frozen=True, slots=True)
class TableSize:
    """Expected rows and on-disk bytes of one table."""

    rows: int
    parquet: int
    """Bytes as zstd Parquet."""
    postgres: int
    """Bytes in PostgreSQL: heap + TOAST + primary key, unique and phase-1 indexes."""
    pg_heap: int = 0
    pg_toast: int = 0
    pg_indexes: int = 0

    def to_json(self) -> dict[str, int]:
        """{"rows", "parquet", "postgres", "pg_heap", "pg_toast", "pg_indexes"}."""
        return {"rows": self.rows, "parquet": self.parquet, "postgres": self.postgres,
                "pg_heap": self.pg_heap, "pg_toast": self.pg_toast,
                "pg_indexes": self.pg_indexes}


def log_spread(values: list[float] | np.ndarray) -> float:
    """Standard deviation of the natural log of values over independent plans (0 for fewer
    than two values, or when one is not positive).

    >>> round(log_spread([1.0, 10.0, 100.0]), 4), log_spread([0.0, 1.0]), log_spread([5.0])
    (2.3026, 0.0, 0.0)
    """
    v = np.asarray(values, dtype=np.float64)
    return float(np.std(np.log(v), ddof=1)) if len(v) > 1 and v.min() > 0 else 0.0


def _target(metric: str, target: float, values: list[float], reason: str) -> TargetCheck:
    resolved = float(np.median(values))
    spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    dev = abs(resolved - target) / abs(target) if target else abs(resolved)
    feasible = bool(dev <= FEASIBLE_WITHIN)
    return TargetCheck(metric=metric, target=float(target), resolved=round(resolved, 6),
                       spread=round(spread, 6), deviation=round(float(dev), 4),
                       feasible=feasible, reason="" if feasible else reason,
                       log_spread=round(log_spread(values), 6))


def _count_metrics(spec: Spec, band: Band, seed: str) -> tuple[list[float], list[str]]:
    """(p50, p95, p99, heavy traffic share) of one independent plan's message counts, and the
    plan's adjustments. Which conversations are heavy does not move these, so the first
    n_heavy are."""
    n = band.conversations
    heavy = np.zeros(n, dtype=bool)
    heavy[:round(spec.messages.heavy_rooms.share * n)] = True
    counts, adjustments = _message_counts(spec, band, heavy, rng(seed, "plan.counts"))
    total = int(counts.sum())
    share = float(counts[heavy].sum() / total) if total else 0.0
    return ([*(float(q) for q in np.percentile(counts, [50, 95, 99])), share],
            [a.reason for a in adjustments])


def _sim_fano(spec: Spec, band: Band, seed: str, want: np.ndarray) -> float:
    from synthgen.generate.tables.activity import _times

    n = band.conversations
    r = rng(seed, "plan.counts")
    heavy = np.zeros(n, dtype=bool)
    heavy[r.choice(n, round(spec.messages.heavy_rooms.share * n), replace=False)] = True
    counts, _ = _message_counts(spec, band, heavy, r)
    keep = min(1.0, CALENDAR_SIM_MESSAGES / max(band.messages, 1))
    if keep < 1.0:  # whole conversations, heavy rooms in proportion
        sel = r.random(n) < keep
        heavy, counts = heavy[sel], counts[sel]
    offsets = np.cumsum(counts) - counts
    part = offsets // max(1, round(band.partition_messages * keep))
    hist = np.zeros(168)
    for p in np.unique(part):  # generation places times partition by partition
        sel = part == p
        _, t_ms = _times(spec, band, heavy[sel], counts[sel], rng(seed, "messages", int(p)))
        minute = t_ms // 60_000
        bucket = ((minute // 1440 + 3) % 7) * 24 + (minute // 60) % 24  # Monday 00h = 0
        hist += np.bincount(bucket, minlength=168)
    total = float(hist.sum())
    return float(((hist / total - want) ** 2).sum() / (want * (1 - want) / total).sum())


def calendar_fano(spec: Spec, band: Band) -> float:
    """How much more hour-of-week message counts vary than a Poisson stream's, for this band.

    Messages cluster in bursts and in conversations (heavy rooms above all), so bucket counts
    vary many times more than Poisson; the factor grows with the heavy rooms' size and has
    no closed form. It is measured on CALENDAR_SEEDS independent simulated timelines (spec
    and band only) by the chi-square estimator sum((share - p)^2) / sum(p (1 - p) / n).
    """
    from synthgen.predict import hour_of_week_shares

    want = np.array(hour_of_week_shares(spec.time, band.window_start, band.window_days))
    runs = [_sim_fano(spec, band, f"{CHECK_SEED_PREFIX}-calendar-{i}", want)
            for i in range(CALENDAR_SEEDS)]
    return round(max(1.0, float(np.median(runs))), 3)


def resolve_targets(spec: Spec, band: Band) -> Feasibility:
    """Every plan-decided target of a band, from the spec and the band alone (no dataset seed).

    Raises ValueError when the band cannot be planned with this spec (see plan_for).
    """
    hr, pc = spec.messages.heavy_rooms, spec.messages.per_conversation
    runs = [_count_metrics(spec, band, f"{CHECK_SEED_PREFIX}-{i}") for i in range(COUNT_SEEDS)]
    cols = list(zip(*(r[0] for r in runs), strict=True))
    adjustments = tuple(dict.fromkeys(a for _, adj in runs for a in adj))
    n_heavy = round(hr.share * band.conversations)
    floor_note = (f"{hr.share:.0%} of conversations are heavy rooms of ≥{hr.min_messages:,} "
                  "messages")
    body = (f"the organic body is drawn for only {band.conversations - n_heavy:,} "
            "conversations, so its quantiles vary at this size")
    body = adjustments[-1] if adjustments else body  # the plan's own reason wins
    p99_reason = (f"{floor_note}: p99 falls among the heavy rooms, so it is set by their "
                  "sizes (the band total shared out above the floor), not by the body"
                  if hr.share >= 0.01 else body)
    targets = [
        _target("messages_per_conversation.p50", pc.median, list(cols[0]), body),
        _target("messages_per_conversation.p95", pc.p95, list(cols[1]), body),
        _target("messages_per_conversation.p99", spec.messages.targets.p99, list(cols[2]),
                p99_reason),
        _target("heavy_rooms.traffic_share", spec.messages.targets.heavy_traffic_share,
                list(cols[3]),
                f"{floor_note} and the band total is exact: heavy rooms absorb every message "
                "the organic body (median/p95 as specified) does not"),
        _target("heavy_rooms.count", hr.share * band.conversations, [float(n_heavy)],
                "heavy-room count is rounded to whole conversations"),
    ]
    mix = spec.conversations.size_mix
    shares = np.array([mix.direct, mix.small_group, mix.large_group])
    exact = shares_to_counts(shares, band.conversations) / band.conversations
    for name, want, got in zip(("direct", "small_group", "large_group"), shares, exact,
                               strict=True):
        if want > 0:
            targets.append(_target(f"conversation_size.{name}_share", float(want),
                                   [float(got)], "rounding to whole conversations"))
    return Feasibility(band=band.name, targets=tuple(targets), adjustments=adjustments,
                       calendar_fano=calendar_fano(spec, band),
                       references=references(spec, band))


def check_plan(plan: Plan) -> Feasibility:
    """The band's resolved targets (the plan contributes its spec and band, never its draws)."""
    return resolve_targets(plan.spec, plan.band)


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


def _content_mean(spec: Spec) -> float:
    """Mean message text length (characters), by Monte Carlo with a fixed generator."""
    cl = spec.content.length
    draws = np.random.default_rng(0).lognormal(cl.mu, cl.sigma, CONTENT_MEAN_DRAWS)
    return float(np.clip(draws, cl.min, cl.max).mean())


def _content_share(spec: Spec) -> float:
    """Share of messages that carry text: not deleted, and not media unless captioned."""
    apm = spec.media.attachments_per_message
    media = apm.one + apm.several
    return (1 - spec.messages.deleted_share) * (1 - media * (1 - spec.content.caption_share))


def pg_row_parts(spec: Spec) -> dict[str, tuple[float, float, float]]:
    """PostgreSQL (heap, TOAST, indexes) bytes per row of every table for this spec."""
    cl = spec.content.length
    draws = np.clip(np.rint(np.random.default_rng(0).lognormal(cl.mu, cl.sigma,
                                                                CONTENT_MEAN_DRAWS)),
                    cl.min, cl.max)
    big = draws > PG_TOAST_THRESHOLD
    share = _content_share(spec)
    inline = share * (float(np.where(big, PG_TOAST_POINTER, draws).mean()))
    toast = share * float(np.where(big, draws, 0).mean()) * PG_TOAST_RATIO
    return {t: (PG_HEAP_BYTES_PER_ROW[t] + (inline if t == "messages" else 0.0),
                toast if t == "messages" else 0.0, PG_INDEX_BYTES_PER_ROW[t]) for t in TABLES}


def row_bytes(spec: Spec) -> dict[str, tuple[float, float]]:
    """(Parquet, PostgreSQL) bytes per row of every table for this spec."""
    content = _content_mean(spec) * (1 - spec.messages.deleted_share)
    pg = pg_row_parts(spec)
    return {t: (PARQUET_BYTES_PER_ROW[t] + (content * PARQUET_CONTENT_RATIO
                                            if t == "messages" else 0), sum(pg[t]))
            for t in TABLES}


def estimate_bytes(plan: Plan) -> dict[str, TableSize]:
    """Approximate on-disk bytes per table: Parquet (zstd) and PostgreSQL (heap + indexes)."""
    per_row = row_bytes(plan.spec)
    pg = pg_row_parts(plan.spec)
    return {table: TableSize(rows=n, parquet=int(n * per_row[table][0]),
                             postgres=int(n * per_row[table][1]), pg_heap=int(n * pg[table][0]),
                             pg_toast=int(n * pg[table][1]), pg_indexes=int(n * pg[table][2]))
            for table, n in estimate_rows(plan).items()}


def postgres_estimate(dataset: Path | str) -> int:
    """Estimated PostgreSQL bytes of a dataset: its rows (manifest) x the spec's bytes per row."""
    from synthgen.dataset import SPEC, has_file, read_document, read_manifest
    from synthgen.spec import load_spec, spec_from_dict

    manifest = read_manifest(dataset)
    # a hand-made dataset may lack spec.json: the shipped spec
    per_row = row_bytes(spec_from_dict(read_document(dataset, SPEC)) if has_file(dataset, SPEC)
                        else load_spec())
    return int(sum(f.rows * per_row[f.table][1] for f in manifest.files))


def room_for_load(dataset: Path | str, dsn: str, *, resume: bool, announce: bool = False) -> str:
    """Refuse a load whose PostgreSQL estimate cannot fit the embedded server's disk.

    Only the embedded server's disk is known here; a remote server gets the estimate as a
    note. A resumed load already holds part of its data, so it is never refused on size.
    ``announce`` prints the note to stderr; the note is returned either way.
    """
    from synthgen.errors import EnvironmentProblem
    from synthgen.pg.server import status

    needed = postgres_estimate(dataset)
    note = f"estimated PostgreSQL size {needed / 1e9:,.1f} GB"
    st = status()
    if resume:
        note += " (resumed load: part of it is already there; not checked)"
    elif not (st.running and st.dsn == dsn):
        note += " (a remote server: its free space is not known here)"
    else:
        free = shutil.disk_usage(st.data_dir).free
        if needed > free:
            raise EnvironmentProblem(
                f"the dataset needs about {needed / 1e9:,.1f} GB in PostgreSQL but the embedded "
                f"server's disk ({st.data_dir}) has {free / 1e9:,.1f} GB free; free space or "
                "load a smaller band")
        note += f", {free / 1e9:,.1f} GB free on the embedded server's disk"
    if announce:
        import sys

        print(note, file=sys.stderr, flush=True)
    return note


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
