"""The global plan: everything later partitions need to agree on, computed once and cheaply.

Users' activity, each conversation's size, type, heavy flag, exact message count, member
list and partition. Its cost grows with conversations and memberships (tens of MB at the
perf band), never with messages. Every worker recomputes it from the seed (it is
deterministic), so nothing big crosses process boundaries.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synthgen.bands import Band, load_band
from synthgen.errors import SpecError
from synthgen.generate.distributions import (
    discrete_power_law,
    lognormal_from_median_p95,
    segment_ids,
    shares_to_counts,
    truncated_geometric,
    truncated_lognormal_counts,
)
from synthgen.generate.seeding import rng
from synthgen.generate.timeline import MS_PER_DAY, MS_PER_HOUR, epoch_ms
from synthgen.spec import load_spec
from synthgen.spec_model import Spec

DIRECT, SMALL, LARGE = 0, 1, 2
TYPE_DM, TYPE_GROUP, TYPE_CHANNEL = 0, 1, 2
MAX_BODY_Q50, MAX_BODY_Q95 = 0.999, 0.9999
"""Caps on the organic-body quantiles the overall median and p95 map to (heavy share → 1)."""
MIN_Z_SPREAD = 1e-6
"""Floor of z95 - z50, so sigma stays finite when both quantiles hit their caps."""
ACCOUNT_BEFORE_WINDOW_MS = MS_PER_HOUR
"""Every account is created at least this long (ms) before the window starts."""


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A place where the band forced the plan away from a spec target."""

    metric: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """The dataset's skeleton (see module docstring)."""

    seed: str
    band: Band
    spec: Spec
    user_weight: np.ndarray
    user_created_ms: np.ndarray
    user_first_conv: np.ndarray
    conv_class: np.ndarray
    conv_type: np.ndarray
    conv_size: np.ndarray
    conv_heavy: np.ndarray
    conv_messages: np.ndarray
    conv_msg_offset: np.ndarray
    member_offset: np.ndarray
    member_user: np.ndarray
    part_bounds: np.ndarray
    adjustments: tuple[Adjustment, ...] = field(default=())

    @property
    def partitions(self) -> int:
        return len(self.part_bounds) - 1

    @property
    def user_partitions(self) -> int:
        return -(-self.band.users // self.band.users_per_partition)

    def conv_range(self, part: int) -> tuple[int, int]:
        return int(self.part_bounds[part]), int(self.part_bounds[part + 1])


def allocate(total: int, weights: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Split total into integers ∝ weights, each ≤ cap (water-filling); needs sum(cap) ≥ total."""
    out = np.zeros(len(weights), dtype=np.int64)
    free = np.ones(len(weights), dtype=bool)
    remaining = total
    while remaining > 0 and free.any():
        share = shares_to_counts(np.where(free, weights, 0.0), remaining)
        over = share > (cap - out)
        if not over.any():
            out += share
            break
        out[over] = cap[over]
        free &= ~over
        remaining = total - int(out.sum())
    return out


def organic_body(spec: Spec, heavy_share: float) -> tuple[float, float]:
    """(mu, sigma) of the organic log-normal so the overall median and p95 hit the spec.

    Heavy rooms sit above every organic count, so the overall quantile q is the organic
    quantile q / (1 - heavy_share).
    """
    pc = spec.messages.per_conversation
    if heavy_share <= 0:
        return lognormal_from_median_p95(pc.median, pc.p95)
    nd = statistics.NormalDist()
    z50 = nd.inv_cdf(min(0.5 / (1 - heavy_share), MAX_BODY_Q50))
    z95 = nd.inv_cdf(min(0.95 / (1 - heavy_share), MAX_BODY_Q95))
    sigma = (math.log(pc.p95) - math.log(pc.median)) / max(z95 - z50, MIN_Z_SPREAD)
    return math.log(pc.median) - sigma * z50, sigma


def _message_counts(spec: Spec, band: Band, heavy: np.ndarray,
                    r: np.random.Generator) -> tuple[np.ndarray, list[Adjustment]]:
    """Exact per-conversation message counts: organic log-normal body + heavy rooms."""
    m = spec.messages
    floor, cap = m.heavy_rooms.min_messages, m.per_conversation.cap
    n_heavy, n_org = int(heavy.sum()), int((~heavy).sum())
    mu, sigma = organic_body(spec, n_heavy / max(len(heavy), 1))
    org_hi = max(1, min(floor - 1, cap)) if n_heavy else cap
    organic = truncated_lognormal_counts(r, mu, sigma, 1, org_hi, n_org)
    adjustments: list[Adjustment] = []
    heavy_budget = band.messages - int(organic.sum())
    lo_need, hi_room = n_heavy * floor, n_heavy * cap
    if heavy_budget < lo_need or heavy_budget > hi_room or (n_heavy == 0 and heavy_budget != 0):
        target = band.messages - (lo_need if heavy_budget < lo_need else
                                  hi_room if n_heavy else 0)
        if target < n_org:
            raise ValueError("band has fewer messages than conversations need")  # spec check
        organic = allocate(target, organic.astype(np.float64),
                           np.full(n_org, org_hi, dtype=np.int64))
        if int(organic.sum()) != target:  # the body cannot grow that far within its bound
            raise ValueError("band has more messages than its conversations can hold")
        heavy_budget = band.messages - target
        adjustments.append(Adjustment(
            "messages_per_conversation.p50",
            f"organic body rescaled so that heavy rooms get {heavy_budget:,} messages "
            f"({'floor' if heavy_budget == lo_need else 'cap'}) and the band total stays exact"))
    counts = np.zeros(len(heavy), dtype=np.int64)
    counts[~heavy] = organic
    if n_heavy:
        extra = allocate(heavy_budget - lo_need, r.lognormal(0.0, 1.0, n_heavy),
                         np.full(n_heavy, cap - floor, dtype=np.int64))
        counts[heavy] = floor + extra
    return counts, adjustments


def _members(n_users: int, weights: np.ndarray, sizes: np.ndarray,
             r: np.random.Generator) -> np.ndarray:
    """Distinct members per conversation, drawn ∝ user activity (redraw duplicates)."""
    p = weights / weights.sum()
    total = int(sizes.sum())
    users = r.choice(n_users, size=total, p=p)
    conv = segment_ids(sizes).astype(np.int64)
    while True:
        key = conv * n_users + users
        order = np.argsort(key, kind="stable")
        sk = key[order]
        dup = np.zeros(total, dtype=bool)
        dup[order[1:][sk[1:] == sk[:-1]]] = True
        k = int(dup.sum())
        if k == 0:
            return users.astype(np.int32)
        users[dup] = r.choice(n_users, size=k, p=p)


@dataclass(frozen=True)
class Rooms:
    """The conversations' part of a plan: size class, type, members, heavy flag, messages.

    Cheap (no member lists): spec check resolves seed-independent targets over many of them.
    """

    klass: np.ndarray
    ctype: np.ndarray
    sizes: np.ndarray
    heavy: np.ndarray
    counts: np.ndarray
    adjustments: tuple[Adjustment, ...]


def plan_rooms(seed: str, band: Band, spec: Spec) -> Rooms:
    """The conversations of the plan for a seed (exactly what ``build_plan`` draws)."""
    c_spec = spec.conversations
    n_users, n_conv = band.users, band.conversations
    rc = rng(seed, "plan.conversations")
    mix = c_spec.size_mix
    klass = np.repeat(np.array([DIRECT, SMALL, LARGE], dtype=np.int8),
                      shares_to_counts(np.array([mix.direct, mix.small_group, mix.large_group]),
                                       n_conv))
    rc.shuffle(klass)
    sizes = np.full(n_conv, 2, dtype=np.int64)
    sg, lg = c_spec.small_group, c_spec.large_group
    small, large = klass == SMALL, klass == LARGE
    sizes[small] = truncated_geometric(rc, sg.geometric_p, sg.min_members, sg.max_members,
                                       int(small.sum()))
    sizes[large] = discrete_power_law(rc, lg.power_law_alpha, lg.min_members, lg.max_members,
                                      int(large.sum()))
    sizes = np.minimum(sizes, n_users)
    ctype = np.where(klass == DIRECT, TYPE_DM, TYPE_GROUP).astype(np.int8)
    ctype[large & (rc.random(n_conv) < c_spec.channel_share)] = TYPE_CHANNEL

    rk = rng(seed, "plan.counts")
    n_heavy = round(spec.messages.heavy_rooms.share * n_conv)
    # Heavy rooms are drawn ∝ member count (Gumbel top-k): big rooms are busy rooms.
    keys = np.log(sizes.astype(np.float64)) + rk.gumbel(size=n_conv)
    heavy = np.zeros(n_conv, dtype=bool)
    if n_heavy:
        heavy[np.argpartition(-keys, n_heavy - 1)[:n_heavy]] = True
    counts, adjustments = _message_counts(spec, band, heavy, rk)
    return Rooms(klass=klass, ctype=ctype, sizes=sizes, heavy=heavy, counts=counts,
                 adjustments=tuple(adjustments))


def build_plan(seed: str, band: Band, spec: Spec) -> Plan:
    """Compute the plan for a seed, band and spec."""
    n_users, n_conv = band.users, band.conversations
    ru = rng(seed, "plan.users")
    weights = ru.lognormal(0.0, spec.users.activity_sigma, n_users)
    history_ms = spec.users.history_days * MS_PER_DAY
    start_ms = epoch_ms(band.window_start)
    created = start_ms - ACCOUNT_BEFORE_WINDOW_MS - (ru.random(n_users) * history_ms).astype(np.int64)

    rooms = plan_rooms(seed, band, spec)
    klass, ctype, sizes, heavy, counts = (rooms.klass, rooms.ctype, rooms.sizes, rooms.heavy,
                                          rooms.counts)
    offsets = np.zeros(n_conv, dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])

    members = _members(n_users, weights, sizes, rng(seed, "plan.members"))
    member_offset = np.zeros(n_conv + 1, dtype=np.int64)
    np.cumsum(sizes, out=member_offset[1:])
    first_conv = np.full(n_users, -1, dtype=np.int64)
    conv_of_slot = segment_ids(sizes)
    order = np.lexsort((conv_of_slot, members))
    sm = members[order]
    head = np.ones(len(sm), dtype=bool)
    head[1:] = sm[1:] != sm[:-1]
    first_conv[sm[head]] = conv_of_slot[order][head]

    part = offsets // band.partition_messages
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(part)) + 1, [n_conv]]).astype(np.int64)
    return Plan(seed=seed, band=band, spec=spec, user_weight=weights, user_created_ms=created,
                user_first_conv=first_conv, conv_class=klass, conv_type=ctype, conv_size=sizes,
                conv_heavy=heavy, conv_messages=counts, conv_msg_offset=offsets,
                member_offset=member_offset, member_user=members, part_bounds=bounds,
                adjustments=rooms.adjustments)


_PLANS: dict[str, Plan] = {}


def cached_plan(seed: str, band: Band, spec: Spec) -> Plan:
    """build_plan, memoised per process (workers build it once, not once per partition)."""
    key = repr((seed, band, spec))
    if key not in _PLANS:
        _PLANS.clear()
        _PLANS[key] = build_plan(seed, band, spec)
    return _PLANS[key]


def resolve(band: str | Band, spec_path: Path | str | None) -> tuple[Band, Spec]:
    """The band and the spec with the band's overrides applied."""
    b = load_band(band) if isinstance(band, str) else band
    return b, load_spec(spec_path, overrides=b.spec_overrides)


def plan_for(seed: str, band: Band, spec: Spec) -> Plan:
    """cached_plan, or a SpecError naming the band when the spec cannot fit it."""
    try:
        return cached_plan(seed, band, spec)
    except ValueError as e:
        raise SpecError(f"band {band.name} cannot be generated with this spec: {e}") from None


def window(band: Band) -> tuple[dt.datetime, int]:
    """(start, days) of the band's window."""
    return band.window_start, band.window_days
