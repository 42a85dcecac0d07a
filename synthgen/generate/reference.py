"""Reference CDFs of the plan- and timeline-decided distributions, for gate 1's KS distances.

Messages per conversation, memberships per user and the gaps between consecutive messages of
a conversation have no closed form: the band's exact totals, the heavy-room floor, the
activity weights and the calendar warp decide them together. Spec check resolves each from
the spec and the band alone, as it does the count quantiles: REFERENCE_SEEDS independent
plans (seeds ``spec-check-target-{i}``, no dataset's), built by the generator's own
``build_plan``, and their timelines simulated by the generator's own ``_times``. The reference
is the pointwise median of their CDFs on a fixed grid (log-spaced: counts and gaps span
decades); the KS noise allowance comes from their spread (``ks_allowance``). Both are stored
in ``feasibility.json`` and the gate judges a dataset's CDF against them.

A grid value is P(X < edge): for integer counts that is P(X <= edge - 1); gaps are bucketed
by ``gap_key`` (GAP_KEYS_PER_DECADE per decade of milliseconds), so the CDF at edge
10^(j / GAP_KEYS_PER_DECADE) ms is exactly the share of keys below j, in numpy here and in
DuckDB in the gate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgen.bands import Band
from synthgen.generate.distributions import segment_starts
from synthgen.generate.plan import Plan, build_plan
from synthgen.generate.seeding import SECOND_STREAM, rng
from synthgen.generate.timeline import MS_PER_DAY
from synthgen.spec_model import Spec

MESSAGES_PER_CONVERSATION_KS = "distance.messages_per_conversation_ks"
MEMBERSHIPS_PER_USER_KS = "distance.memberships_per_user_ks"
INTERARRIVAL_GAP_KS = "distance.interarrival_gap_ks"

REFERENCE_SEEDS = 9
"""Independent plans (and timelines) whose pointwise median is the reference (odd)."""
REFERENCE_SEED_PREFIX = "spec-check-target"
"""Their seeds are ``{prefix}-{i}``: the count-quantile plans' names, no dataset's."""
COUNT_POINTS = 64
"""Log-spaced integer grid points of the count CDFs (messages, memberships)."""
GAP_KEYS_PER_DECADE = 10
"""Gap buckets per decade of milliseconds (edges 1, 1.26, 1.58 ... ms)."""
GAP_SIM_MESSAGES = 1_000_000
"""Messages simulated per timeline at most (a larger band keeps whole conversations, heavy
rooms in proportion: the references spread more than the full band's, an allowance that errs
wide)."""
ALPHA = 1e-4
"""Level of the allowance: the gate's ``KS_ALPHA`` (a test keeps them equal)."""
SIGMAS = 4.0
"""Standard deviations of the seeds' distances the allowance covers: the gate's NOISE_SIGMAS."""
KOLMOGOROV_MEAN = math.sqrt(math.pi / 2) * math.log(2)
"""Mean of the Kolmogorov distribution: E[sqrt(n) KS] of n draws against their own CDF."""


@dataclass(frozen=True, slots=True)
class ReferenceCdf:
    """One distribution's reference CDF on its grid, and the KS allowance from its seeds."""

    metric: str
    unit: str
    edges: tuple[float, ...]
    """Grid points (in ``unit``); the CDF is P(X < edge)."""
    cdf: tuple[float, ...]
    """Pointwise median over the independent seeds' CDFs."""
    loo_ks: tuple[float, ...]
    """KS distance of each seed's CDF to the median of the other seeds' (leave one out)."""
    allowance: float
    """``ks_allowance(loo_ks)``: the KS distance sampling noise alone may reach."""

    def to_json(self) -> dict[str, Any]:
        """The reference as stored in feasibility.json."""
        return {"unit": self.unit, "edges": list(self.edges),
                "cdf": [round(x, 6) for x in self.cdf],
                "loo_ks": [round(x, 6) for x in self.loo_ks],
                "allowance": round(self.allowance, 6), "seeds": len(self.loo_ks)}


def count_edges(hi: int, points: int = COUNT_POINTS) -> np.ndarray:
    """Log-spaced distinct integer edges 1 .. hi + 1 (P(X < 1) is the share of zeros).

    >>> count_edges(100, 8).tolist()
    [1, 2, 4, 7, 14, 27, 52, 101]
    """
    return np.unique(np.rint(np.geomspace(1, hi + 1, points)).astype(np.int64))


def gap_key(gap_ms: np.ndarray) -> np.ndarray:
    """Bucket of each gap: floor(GAP_KEYS_PER_DECADE log10(gap)); -1 for a gap <= 0 ms.

    >>> gap_key(np.array([0, 1, 9, 10, 1000])).tolist()
    [-1, 0, 9, 10, 30]
    """
    g = np.asarray(gap_ms, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        key = np.floor(GAP_KEYS_PER_DECADE * np.log10(np.where(g > 0, g, 1.0)))
    return np.where(g > 0, key, -1).astype(np.int64)


def gap_edges(window_days: int) -> np.ndarray:
    """Gap edges (ms) 10^(j / GAP_KEYS_PER_DECADE), j = 0 .. the window's length.

    >>> gap_edges(1)[[0, 10, -1]].tolist()
    [1.0, 10.0, 100000000.0]
    """
    top = math.ceil(GAP_KEYS_PER_DECADE * math.log10(window_days * MS_PER_DAY))
    return 10.0 ** (np.arange(top + 1) / GAP_KEYS_PER_DECADE)


def edge_keys(edges: Sequence[float]) -> list[int]:
    """The gap key of each gap edge (its exponent j).

    >>> edge_keys([1.0, 10.0, 10 ** 0.1])
    [0, 10, 1]
    """
    return [round(GAP_KEYS_PER_DECADE * math.log10(e)) for e in edges]


def cdf_below(values: np.ndarray, counts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """P(X < edge) at each edge, from distinct ``values`` and their ``counts``.

    >>> cdf_below(np.array([3, 1]), np.array([1, 3]), np.array([1, 2, 4])).tolist()
    [0.0, 0.75, 1.0]
    """
    order = np.argsort(values, kind="stable")
    v = np.asarray(values)[order]
    c = np.cumsum(np.asarray(counts, dtype=np.float64)[order])
    n = c[-1] if len(c) else 0.0
    if n <= 0:
        return np.zeros(len(edges))
    idx = np.searchsorted(v, edges, side="left")
    return np.where(idx > 0, c[np.maximum(idx - 1, 0)], 0.0) / n


def ks_on_grid(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Largest gap between two CDFs given on the same grid (a lower bound of the full KS).

    >>> ks_on_grid([0.1, 0.5, 1.0], [0.2, 0.3, 1.0])
    0.2
    """
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)))) if len(a) else 0.0


def ks_allowance(loo_ks: Sequence[float], alpha: float = ALPHA, sigmas: float = SIGMAS
                 ) -> float:
    """KS distance that sampling noise alone may reach, scaled from the seeds' distances.

    The larger of two readings of the leave-one-out distances. If each is a Kolmogorov
    variable K / sqrt(n_eff), its mean is KOLMOGOROV_MEAN / sqrt(n_eff) and the KS critical
    value at ``alpha`` for that n_eff is mean x sqrt(-ln(alpha / 2) / 2) / KOLMOGOROV_MEAN
    (x 2.56 at alpha = 1e-4): right for independent draws (the count distributions). When a
    few clusters decide the CDF (the gaps: a handful of heavy rooms carry most of them on a
    small band) its tail is heavier than Kolmogorov's, and mean + ``sigmas`` sd of the
    distances covers it. Leave-one-out distances are those of an independent sample to a
    median of REFERENCE_SEEDS - 1 seeds: slightly wider than a dataset's to the median of all.

    >>> round(ks_allowance([0.01, 0.02, 0.03]), 4), round(ks_allowance([0.01, 0.01, 0.07]), 4)
    (0.06, 0.1686)
    """
    if not len(loo_ks):
        return 0.0
    d = np.asarray(loo_ks, dtype=np.float64)
    kolmogorov = float(d.mean()) * math.sqrt(-math.log(alpha / 2) / 2) / KOLMOGOROV_MEAN
    spread = float(d.mean() + sigmas * d.std(ddof=1)) if len(d) > 1 else 0.0
    return max(kolmogorov, spread)


def reference(metric: str, unit: str, edges: np.ndarray, cdfs: Sequence[np.ndarray]
              ) -> ReferenceCdf:
    """The pointwise median of the seeds' CDFs, with leave-one-out distances and allowance."""
    m = np.vstack(cdfs)
    loo = [ks_on_grid(m[i], np.median(np.delete(m, i, axis=0), axis=0)) for i in range(len(m))]
    return ReferenceCdf(metric=metric, unit=unit, edges=tuple(float(e) for e in edges),
                        cdf=tuple(float(x) for x in np.median(m, axis=0)),
                        loo_ks=tuple(loo), allowance=ks_allowance(loo))


def simulated_gaps(plan: Plan, max_messages: int = GAP_SIM_MESSAGES) -> np.ndarray:
    """Gap keys of one plan's timeline, simulated partition by partition as generation does
    (whole conversations subsampled when the band has more than ``max_messages``)."""
    from synthgen.generate.tables.activity import _times

    spec, band = plan.spec, plan.band
    counts, heavy = plan.conv_messages, plan.conv_heavy
    keep = min(1.0, max_messages / max(band.messages, 1))
    if keep < 1.0:
        # the counts purpose's second stream: no generated table draws from it
        sel = rng(plan.seed, "plan.counts", SECOND_STREAM).random(len(counts)) < keep
        counts, heavy = counts[sel], heavy[sel]
    offsets = np.cumsum(counts) - counts
    part = offsets // max(1, round(band.partition_messages * keep))
    hist = np.zeros(0, dtype=np.int64)
    for p in np.unique(part):
        sel = part == p
        _, t_ms = _times(spec, band, heavy[sel], counts[sel], rng(plan.seed, "messages", int(p)))
        first = np.zeros(len(t_ms), dtype=bool)
        first[segment_starts(counts[sel])[counts[sel] > 0]] = True
        keys = gap_key(np.diff(t_ms))[~first[1:]]
        b = np.bincount(keys + 1)
        hist = np.pad(hist, (0, max(0, len(b) - len(hist))))
        hist[:len(b)] += b
    return hist  # hist[k + 1] = gaps with key k


@dataclass(frozen=True, slots=True)
class References:
    """What spec check resolves for the gate's plan- and timeline-decided distances."""

    cdfs: tuple[ReferenceCdf, ...]
    recipients: tuple[float, ...]
    """Share of messages with m = 0 .. reads.max_recipients recipients (mean over the
    seeds): min(max_recipients, members - 1) weighted by messages; the message status mix
    depends on it (``synthgen.fidelity.status``)."""

    def to_json(self) -> dict[str, Any]:
        """``{"cdfs": {metric: reference}, "recipients": [...]}`` as in feasibility.json."""
        return {"cdfs": {r.metric: r.to_json() for r in self.cdfs},
                "recipients": [round(x, 6) for x in self.recipients]}


def recipients_mix(plan: Plan) -> np.ndarray:
    """Share of a plan's messages with m = 0 .. max_recipients recipients.

    >>> from synthgen.generate.plan import resolve
    >>> band, spec = resolve("ci", None)
    >>> recipients_mix(build_plan("x", band, spec)).tolist()
    [0.0, 1.0]
    """
    k = plan.spec.reads.max_recipients
    m = np.minimum(k, plan.conv_size.astype(np.int64) - 1)
    w = np.bincount(m, weights=plan.conv_messages.astype(np.float64), minlength=k + 1)
    return w / w.sum() if w.sum() else w


def references(spec: Spec, band: Band, seeds: int = REFERENCE_SEEDS) -> References:
    """The three reference CDFs of a band and its recipients mix, from ``seeds`` independent
    plans and timelines (spec and band only)."""
    per_conv = count_edges(spec.messages.per_conversation.cap)
    per_user = count_edges(band.conversations)
    gaps = gap_edges(band.window_days)
    gap_idx = np.array(edge_keys(gaps.tolist()))
    cdfs: dict[str, list[np.ndarray]] = {k: [] for k in (MESSAGES_PER_CONVERSATION_KS,
                                                         MEMBERSHIPS_PER_USER_KS,
                                                         INTERARRIVAL_GAP_KS)}
    recipients = []
    for i in range(seeds):
        plan = build_plan(f"{REFERENCE_SEED_PREFIX}-{i}", band, spec)
        values, freq = np.unique(plan.conv_messages, return_counts=True)
        cdfs[MESSAGES_PER_CONVERSATION_KS].append(cdf_below(values, freq, per_conv))
        member = np.bincount(plan.member_user, minlength=band.users)
        values, freq = np.unique(member, return_counts=True)
        cdfs[MEMBERSHIPS_PER_USER_KS].append(cdf_below(values, freq, per_user))
        hist = simulated_gaps(plan)
        below = np.concatenate(([0], np.cumsum(hist)))  # below[k + 1] = gaps with key < k
        total = below[-1] or 1
        cdfs[INTERARRIVAL_GAP_KS].append(below[np.clip(gap_idx + 1, 0, len(below) - 1)] / total)
        recipients.append(recipients_mix(plan))
    return References(
        cdfs=(reference(MESSAGES_PER_CONVERSATION_KS, "messages", per_conv,
                        cdfs[MESSAGES_PER_CONVERSATION_KS]),
              reference(MEMBERSHIPS_PER_USER_KS, "conversations", per_user,
                        cdfs[MEMBERSHIPS_PER_USER_KS]),
              reference(INTERARRIVAL_GAP_KS, "ms", gaps, cdfs[INTERARRIVAL_GAP_KS])),
        recipients=tuple(float(x) for x in np.mean(recipients, axis=0)))
