"""message_receipts: SENT for every (message, recipient) pair, DELIVERED and READ when they
happened, in time order."""

from __future__ import annotations

import numpy as np

from synthgen.generate.ids import IdSpace
from synthgen.generate.plan import Plan
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame, codes

_STATE = codes("ReceiptState", ["SENT", "DELIVERED", "READ"])
STATES_PER_PAIR = 3
"""Receipt states a pair can reach (SENT, DELIVERED, READ): id index = pair × 3 + state."""


def build_message_receipts(plan: Plan, act: Activity) -> Frame:
    """The message_receipts rows of one partition."""
    n_pairs = len(act.pair_msg)
    sent_at = act.msg_time[act.pair_msg]
    pairs = np.concatenate([np.arange(n_pairs), np.flatnonzero(act.delivered),
                            np.flatnonzero(act.read)])
    state = np.concatenate([np.full(n_pairs, _STATE["SENT"]),
                            np.full(int(act.delivered.sum()), _STATE["DELIVERED"]),
                            np.full(int(act.read.sum()), _STATE["READ"])]).astype(np.int8)
    at = np.concatenate([sent_at, act.delivered_at[act.delivered], act.read_at[act.read]])
    order = np.lexsort((state, at))
    pairs, state, at = pairs[order], state[order], at[order]
    pair = act.pair_index(pairs, plan.spec.reads.max_recipients)
    f = Frame("message_receipts", len(pairs))
    f.set_ids("id", IdSpace(plan.seed, "message_receipts").matrix,
              pair * STATES_PER_PAIR + state.astype(np.int64))
    f.enums["state"] = state
    f.numeric.update({"timestamp": at, "createdAt": at, "updatedAt": at})
    f.set_ids("messageId", IdSpace(plan.seed, "messages").matrix,
              act.msg_global[act.pair_msg[pairs]])
    f.set_ids("userId", IdSpace(plan.seed, "users").matrix, act.member_user[act.pair_slot[pairs]])
    return f
