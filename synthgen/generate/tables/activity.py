"""The numeric skeleton of one conversation partition: when, who, to whom, read when.

Everything here is numpy over the partition's conversations, messages and
(message, recipient) pairs; the table modules turn it into rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from synthgen.bands import Band
from synthgen.generate.distributions import (
    bursty_gaps,
    segment_cumsum,
    segment_ids,
    segment_positions,
    segment_starts,
    strictly_increasing,
)
from synthgen.generate.plan import Plan
from synthgen.generate.seeding import rng
from synthgen.generate.timeline import MS_PER_MINUTE, Timeline, epoch_ms
from synthgen.spec_model import Spec, TimeSpec

HEAVY_CREATED_BEFORE = 0.05
"""Heavy rooms are created within this first fraction of the window (operational time)."""
CREATED_SKEW = 1.3
"""Exponent on the uniform creation time of other conversations (> 1: more created early)."""
CREATED_BEFORE = 0.97
"""Other conversations are created within this fraction of the window (operational time)."""
HEAVY_ACTIVE_MIN, HEAVY_ACTIVE_SPAN = 0.9, 0.1
"""A heavy room stays active for U(min, min + span) of the rest of the window (fraction)."""
ACTIVE_MIN = 0.02
"""Floor of the active fraction (sqrt of a uniform) of the rest of the window, other rooms."""
UNIFORMIZER_KNOTS = 256
"""Quantile knots of the piecewise-linear map that makes operational time uniform."""
DELIVERY_LAG_MEAN_MS = 1500.0
"""Mean delay (ms, exponential) from sending to delivery; never later than the read."""
MS_PER_SECOND = 1000
"""Milliseconds in a second."""

_TIMELINES: dict[str, Timeline] = {}


def _timeline(spec: TimeSpec, band: Band) -> Timeline:
    """The band's Timeline, built once per process (spec objects hold lists: not hashable)."""
    key = repr((spec, band.window_start, band.window_days))
    if key not in _TIMELINES:
        _TIMELINES.clear()
        _TIMELINES[key] = Timeline(spec, band.window_start, band.window_days)
    return _TIMELINES[key]


@dataclass
class Activity:
    """One partition's conversations, messages and recipient pairs (local indexes)."""

    c0: int
    sizes: np.ndarray
    counts: np.ndarray
    conv_created: np.ndarray
    member_user: np.ndarray
    member_conv: np.ndarray
    member_pos: np.ndarray
    member_start: np.ndarray
    msg_conv: np.ndarray
    msg_pos: np.ndarray
    msg_global: np.ndarray
    msg_time: np.ndarray
    msg_sender_slot: np.ndarray
    pair_msg: np.ndarray
    pair_slot: np.ndarray
    pair_j: np.ndarray
    delivered: np.ndarray
    delivered_at: np.ndarray
    read: np.ndarray
    read_at: np.ndarray

    def pair_index(self, pairs: np.ndarray, max_recipients: int) -> np.ndarray:
        """Dataset-wide index of (message, recipient) pairs: message × max_recipients + j."""
        out: np.ndarray = self.msg_global[self.pair_msg[pairs]] * max_recipients + self.pair_j[pairs]
        return out


def _uniformizer(u: np.ndarray, knots: int = UNIFORMIZER_KNOTS) -> Callable[[np.ndarray], np.ndarray]:
    """A piecewise-linear, strictly increasing map taking the distribution of u to U(0, 1)."""
    q = np.quantile(u, np.linspace(0.0, 1.0, knots + 1)) if len(u) else np.linspace(0, 1, 2)
    q[0], q[-1] = 0.0, 1.0
    q = np.maximum.accumulate(q) + np.arange(len(q)) * 1e-12  # strictly increasing knots
    q = q / q[-1]
    grid = np.linspace(0.0, 1.0, len(q))

    def apply(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.interp(x, q, grid)
        return out

    return apply


def _times(spec: Spec, band: Band, heavy: np.ndarray, counts: np.ndarray,
           r: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Conversation creation and message times (ms since epoch), strictly increasing."""
    tl = _timeline(spec.time, band)
    start_ms, end_ms = epoch_ms(band.window_start), epoch_ms(band.window_end)
    nc = len(counts)
    created_u = np.where(heavy, r.random(nc) * HEAVY_CREATED_BEFORE,
                         r.random(nc) ** CREATED_SKEW * CREATED_BEFORE)
    active = np.where(heavy, HEAVY_ACTIVE_MIN + HEAVY_ACTIVE_SPAN * r.random(nc),
                      np.maximum(np.sqrt(r.random(nc)), ACTIVE_MIN))
    end_u = created_u + (1.0 - created_u) * active
    created = start_ms + np.floor(tl.to_ms(created_u)).astype(np.int64)

    gaps = bursty_gaps(r, spec.time.interarrival_cv, int(counts.sum()) + nc)
    with_tail = counts + 1  # one trailing gap per conversation keeps the last message off end_u
    cum = segment_cumsum(gaps, with_tail)
    total = cum[segment_starts(with_tail) + counts]
    keep = segment_positions(with_tail) < np.repeat(counts, with_tail)
    frac = (cum / np.repeat(total, with_tail))[keep]
    conv = segment_ids(counts)
    u = created_u[conv] + (end_u - created_u)[conv] * frac
    # Conversations start and stop at different times, so raw operational time is not
    # uniform in aggregate; a smooth monotone map to uniform keeps every order and leaves
    # the calendar structure (diurnal, weekly, seasonal) to the time warp alone.
    flatten = _uniformizer(u)
    u, created_u = flatten(u), flatten(created_u)
    t = start_ms + np.floor(tl.to_ms(u)).astype(np.int64)
    pos = segment_positions(counts)
    t = np.maximum(t, created[conv] + 1)
    t = np.minimum(t, end_ms - 1 - (counts[conv] - 1 - pos))
    return created, strictly_increasing(t, counts)


def build_activity(plan: Plan, part: int) -> Activity:
    """Times, senders, recipients and read receipts of partition `part`."""
    spec, band = plan.spec, plan.band
    c0, c1 = plan.conv_range(part)
    sizes = plan.conv_size[c0:c1]
    counts = plan.conv_messages[c0:c1]
    m0, m1 = int(plan.member_offset[c0]), int(plan.member_offset[c1])
    member_user = plan.member_user[m0:m1]
    member_conv = segment_ids(sizes)
    member_pos = segment_positions(sizes)
    member_start = segment_starts(sizes)
    r = rng(plan.seed, "messages", part)
    conv_created, msg_time = _times(spec, band, plan.conv_heavy[c0:c1], counts, r)
    msg_conv = segment_ids(counts)
    msg_pos = segment_positions(counts)
    msg_global = plan.conv_msg_offset[c0:c1][msg_conv] + msg_pos

    # Senders: member weight = user activity × (position + 1)^-skew, drawn by a keyed CDF.
    w = plan.user_weight[member_user] * (member_pos + 1.0) ** -spec.messages.sender_skew
    cw = segment_cumsum(w, sizes)
    cw = cw / np.repeat(cw[member_start + sizes - 1], sizes)
    cw[member_start + sizes - 1] = 1.0
    keyed = member_conv + cw
    draw = msg_conv + r.random(len(msg_conv))
    sender_slot = np.searchsorted(keyed, draw, side="right")
    sender_pos = sender_slot - member_start[msg_conv]

    # Recipients: min(max_recipients, size - 1) distinct other members per message.
    size_m = sizes[msg_conv]
    n_rec = np.minimum(spec.reads.max_recipients, size_m - 1)
    rr = rng(plan.seed, "receipts", part)
    off = (rr.random(len(msg_conv)) * (size_m - n_rec)).astype(np.int64)
    pair_msg = segment_ids(n_rec)
    pair_j = segment_positions(n_rec)
    rec_pos = (sender_pos[pair_msg] + 1 + off[pair_msg] + pair_j) % size_m[pair_msg]
    pair_slot = member_start[msg_conv[pair_msg]] + rec_pos

    rs = spec.reads
    n_pairs = len(pair_msg)
    end_ms = epoch_ms(band.window_end)
    sent = msg_time[pair_msg]
    delivered = rr.random(n_pairs) < rs.delivery_rate
    read = delivered & (rr.random(n_pairs) < (rs.read_rate / rs.delivery_rate
                                                if rs.delivery_rate > 0 else 0.0))
    lat = rs.latency
    shares = np.array([lat.immediate.share, lat.near_term.share, lat.delayed.share])
    kind = rr.choice(3, n_pairs, p=shares / shares.sum())
    latency_ms = np.select(
        [kind == 0, kind == 1],
        [rr.random(n_pairs) * lat.immediate.max_seconds * MS_PER_SECOND,
         rr.exponential(lat.near_term.mean_minutes * MS_PER_MINUTE, n_pairs)],
        rr.lognormal(lat.delayed.mu, lat.delayed.sigma, n_pairs) * MS_PER_MINUTE)
    read_at = sent + latency_ms.astype(np.int64)
    deliver_lag = np.minimum(rr.exponential(DELIVERY_LAG_MEAN_MS, n_pairs).astype(np.int64),
                             np.where(read, read_at - sent, np.iinfo(np.int64).max))
    delivered_at = sent + deliver_lag
    delivered &= delivered_at < end_ms
    read &= read_at < end_ms  # not yet read when the window closes
    return Activity(c0=c0, sizes=sizes, counts=counts, conv_created=conv_created,
                    member_user=member_user, member_conv=member_conv, member_pos=member_pos,
                    member_start=member_start, msg_conv=msg_conv, msg_pos=msg_pos,
                    msg_global=msg_global, msg_time=msg_time, msg_sender_slot=sender_slot,
                    pair_msg=pair_msg, pair_slot=pair_slot, pair_j=pair_j, delivered=delivered,
                    delivered_at=delivered_at, read=read, read_at=read_at)
