"""conversation_users: roles, mutes, leaving, and a last read consistent with the reads."""

from __future__ import annotations

import numpy as np

from synthgen.generate.ids import IdSpace
from synthgen.generate.plan import Plan
from synthgen.generate.seeding import SECOND_STREAM, rng
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame, codes
from synthgen.generate.timeline import MS_PER_DAY, epoch_ms

_ROLE = codes("ConversationUserRole", ["OWNER", "ADMIN", "MEMBER"])

LEAVE_DELAY_MEAN_MS = 2 * MS_PER_DAY
"""Mean time (ms, exponential) from a member's last activity to leaving."""
LEAVE_SHARE = 0.03
"""Probability that a non-owner group member has left (if that falls inside the window)."""
MUTED_SHARE = 0.10
"""Probability that a membership is muted."""
MUTE_BEYOND_WINDOW_MEAN_MS = 7 * MS_PER_DAY
"""Mean time (ms, exponential) a mute lasts past the window end."""
MUTED_UNTIL_SHARE = 0.5
"""Probability that a mute has an end time (mutedUntil not null)."""
ADMIN_SHARE = 0.05
"""Probability that a non-owner group member is an admin."""


def _last_per_slot(slot: np.ndarray, key: np.ndarray, n_slots: int) -> tuple[np.ndarray, ...]:
    """For each slot: (has any, index of the element with the largest key)."""
    order = np.lexsort((key, slot))
    s = slot[order]
    last = np.ones(len(s), dtype=bool)
    last[:-1] = s[1:] != s[:-1]
    has = np.zeros(n_slots, dtype=bool)
    has[s[last]] = True
    which = np.zeros(n_slots, dtype=np.int64)
    which[s[last]] = order[last]
    return has, which


def build_conversation_users(plan: Plan, part: int, act: Activity) -> Frame:
    """conversation_users rows of partition `part`, one per membership slot."""
    r = rng(plan.seed, "conversations", SECOND_STREAM + part)
    n = len(act.member_user)
    end_ms = epoch_ms(plan.band.window_end)
    group = np.repeat(act.sizes > 2, act.sizes)
    joined = act.conv_created[act.member_conv]

    reads = np.flatnonzero(act.read)
    rslot = act.pair_slot[reads]
    read_at = act.read_at[reads]
    read_msg = act.pair_msg[reads]
    has_read, last_read = _last_per_slot(rslot, read_at, n)
    last_read_at = np.where(has_read, read_at[last_read], 0)
    has_read_msg, newest = _last_per_slot(rslot, act.msg_time[read_msg], n)
    last_read_msg = act.msg_global[read_msg[newest]]

    activity = joined.copy()
    np.maximum.at(activity, act.msg_sender_slot, act.msg_time)
    np.maximum.at(activity, rslot, read_at)
    left_at = activity + r.exponential(LEAVE_DELAY_MEAN_MS, n).astype(np.int64) + 1
    leaves = group & (act.member_pos > 0) & (r.random(n) < LEAVE_SHARE) & (left_at < end_ms)
    muted = r.random(n) < MUTED_SHARE
    muted_until = end_ms + r.exponential(MUTE_BEYOND_WINDOW_MEAN_MS, n).astype(np.int64)
    role = np.where(group & (act.member_pos == 0), _ROLE["OWNER"],
                    np.where(group & (r.random(n) < ADMIN_SHARE), _ROLE["ADMIN"],
                             _ROLE["MEMBER"]))
    updated = np.maximum.reduce([joined, np.where(has_read, last_read_at, joined),
                                 np.where(leaves, left_at, joined)])
    m0 = int(plan.member_offset[act.c0])
    f = Frame("conversation_users", n)
    f.set_ids("id", IdSpace(plan.seed, "conversation_users").matrix,
              np.arange(m0, m0 + n, dtype=np.int64))
    f.enums["role"] = role.astype(np.int8)
    f.numeric.update({"isActive": ~leaves, "isMuted": muted, "mutedUntil": muted_until,
                      "joinedAt": joined, "leftAt": left_at, "lastReadAt": last_read_at,
                      "createdAt": joined, "updatedAt": updated})
    f.valid.update({"mutedUntil": muted & (r.random(n) < MUTED_UNTIL_SHARE), "leftAt": leaves,
                    "lastReadAt": has_read})
    f.set_ids("lastReadMessageId", IdSpace(plan.seed, "messages").matrix, last_read_msg,
              has_read_msg)
    f.set_ids("userId", IdSpace(plan.seed, "users").matrix, act.member_user)
    f.set_ids("conversationId", IdSpace(plan.seed, "conversations").matrix,
              act.c0 + act.member_conv)
    return f
