"""message_reads: one row per (message, recipient) pair that was read, in readAt order."""

from __future__ import annotations

import numpy as np

from synthgen.generate.ids import IdSpace
from synthgen.generate.plan import Plan
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame


def build_message_reads(plan: Plan, act: Activity) -> Frame:
    """The message_reads rows of one partition (ids follow the pair, so they are stable)."""
    reads = np.flatnonzero(act.read)
    reads = reads[np.argsort(act.read_at[reads], kind="stable")]
    at = act.read_at[reads]
    pair = act.pair_index(reads, plan.spec.reads.max_recipients)
    f = Frame("message_reads", len(reads))
    f.set_ids("id", IdSpace(plan.seed, "message_reads").matrix, pair)
    f.numeric.update({"readAt": at, "createdAt": at, "updatedAt": at})
    f.set_ids("userId", IdSpace(plan.seed, "users").matrix, act.member_user[act.pair_slot[reads]])
    f.set_ids("messageId", IdSpace(plan.seed, "messages").matrix,
              act.msg_global[act.pair_msg[reads]])
    return f
