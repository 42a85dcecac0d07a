"""The read fan-out a band will show, resolved from the spec and the band alone.

Each message is read by up to min(``reads.max_recipients``, members - 1) other members, each
with probability ``reads.read_rate``. Over the conversations of a plan (n messages and m
members each, r = min(max_recipients, m - 1), h = the heavy rooms) that gives::

    reads per message              rr * sum(n r) / sum(n)
    heavy-room reads per message   rr * sum_h(n r) / sum_h(n)
    heavy-room member coverage     rr * sum_h(n r) / sum_h(n (m - 1))

The last is the share of a heavy room's (message, other member) pairs that carry a read:
what Q4 (a member's unread count) sees. Which conversations are heavy, and how many members
they have, changes from seed to seed (heavy rooms are drawn in proportion to their members),
so every value is the median over FAN_OUT_SEEDS independent plans whose seeds are no
dataset's, and its spread is the room-level part of the gate's allowance, taken on the log
scale: on a band with few heavy rooms coverage is skewed far to the right (ci: 0.007 to 0.58
over 1,000 plans, when a heavy room happens to be a small conversation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgen.bands import Band
from synthgen.generate.feasibility import CHECK_SEED_PREFIX, log_spread
from synthgen.generate.plan import plan_rooms
from synthgen.spec_model import Spec

PER_MESSAGE = "reads.per_message"
HEAVY_PER_MESSAGE = "reads.heavy_room_per_message"
HEAVY_COVERAGE = "reads.heavy_room_member_coverage"
FAN_OUT_SEEDS = 101
"""Independent plans behind each fan-out target (odd: a true median). Nine plans (until
2026-12-07) underestimated ci's coverage spread by 2.5x: 3 of 40 correct ci datasets were
NO-GO on it. A plan's rooms cost 1-2 ms on ci and dev."""
SEED_TAG = "fan-out"
"""Plans are seeded ``{CHECK_SEED_PREFIX}-fan-out-{i}``: independent of any dataset's seed."""


@dataclass(frozen=True, slots=True)
class FanOutTarget:
    """One read fan-out metric as the band will show it."""

    metric: str
    spec: float | None
    """What the spec states directly (read_rate x max_recipients), or None when it states
    nothing (coverage follows from the rooms' sizes)."""
    resolved: float
    """Median over the independent plans: the value the gate judges against."""
    spread: float
    """Standard deviation over those plans (absolute)."""
    log_spread: float
    """Standard deviation of the natural log over those plans (0 when a plan gives 0)."""
    slots: int
    """Median number of (message, recipient) read slots behind the value: each slot is read
    with probability read_rate, so the reads' own noise is binomial over these."""

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "spec": self.spec, "resolved": self.resolved,
                "spread": self.spread, "log_spread": self.log_spread, "slots": self.slots}


def _one(spec: Spec, band: Band, seed: str) -> dict[str, tuple[float, int]]:
    rooms = plan_rooms(seed, band, spec)
    rr = spec.reads.read_rate
    n = rooms.counts.astype(np.int64)
    others = np.maximum(rooms.sizes.astype(np.int64) - 1, 0)
    slots = n * np.minimum(spec.reads.max_recipients, others)
    h = rooms.heavy
    total, heavy_n, heavy_pairs = int(n.sum()), int(n[h].sum()), int((n[h] * others[h]).sum())
    all_slots, heavy_slots = int(slots.sum()), int(slots[h].sum())
    return {PER_MESSAGE: (rr * all_slots / total if total else 0.0, all_slots),
            HEAVY_PER_MESSAGE: (rr * heavy_slots / heavy_n if heavy_n else 0.0, heavy_slots),
            HEAVY_COVERAGE: (rr * heavy_slots / heavy_pairs if heavy_pairs else 0.0,
                             heavy_slots)}


def resolve_fan_out(spec: Spec, band: Band) -> dict[str, FanOutTarget]:
    """Every read fan-out target of a band, by metric (spec and band only, no dataset seed).

    >>> from synthgen.bands import load_band
    >>> from synthgen.spec import load_spec
    >>> t = resolve_fan_out(load_spec(), load_band("dev"))
    >>> t["reads.per_message"].resolved, t["reads.heavy_room_per_message"].resolved
    (0.82, 0.82)
    """
    runs = [_one(spec, band, f"{CHECK_SEED_PREFIX}-{SEED_TAG}-{i}")
            for i in range(FAN_OUT_SEEDS)]
    stated = spec.reads.read_rate * spec.reads.max_recipients
    out = {}
    for metric in (PER_MESSAGE, HEAVY_PER_MESSAGE, HEAVY_COVERAGE):
        values = np.array([r[metric][0] for r in runs])
        out[metric] = FanOutTarget(
            metric=metric, spec=None if metric == HEAVY_COVERAGE else round(stated, 6),
            resolved=round(float(np.median(values)), 6),
            spread=round(float(np.std(values, ddof=1)), 6) if len(values) > 1 else 0.0,
            log_spread=round(log_spread(values), 6),
            slots=int(np.median([r[metric][1] for r in runs])))
    return out


def fan_out_json(spec: Spec, band: Band) -> dict[str, Any]:
    """The ``reads`` block of spec check's report (and what gate 1 judges against)."""
    t = resolve_fan_out(spec, band)
    return {"max_recipients": spec.reads.max_recipients, "plans": FAN_OUT_SEEDS,
            "reads_per_message": t[PER_MESSAGE].resolved,
            "heavy_room_reads_per_message": t[HEAVY_PER_MESSAGE].resolved,
            "heavy_room_member_coverage": t[HEAVY_COVERAGE].resolved,
            "heavy_room_member_coverage_spread": t[HEAVY_COVERAGE].spread,
            "targets": [v.to_json() for v in t.values()]}
