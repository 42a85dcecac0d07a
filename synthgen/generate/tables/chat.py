"""conversations, conversation_users, message_reads and message_receipts of one partition."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthgen.generate.ids import IdSpace, fixed_width_array
from synthgen.generate.plan import TYPE_DM, Plan
from synthgen.generate.seeding import rng
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame
from synthgen.generate.text import Pool, gather_text
from synthgen.generate.timeline import epoch_ms
from synthgen.schema import ENUMS

_ROLE = {name: ENUMS["ConversationUserRole"].index(name) for name in ENUMS["ConversationUserRole"]}
_STATE = {name: ENUMS["ReceiptState"].index(name) for name in ENUMS["ReceiptState"]}


def build_conversations(plan: Plan, part: int, act: Activity) -> Frame:
    """Conversation rows; lastMessageAt/lastMessageId/updatedAt equal the last message."""
    r = rng(plan.seed, "conversations", part)
    nc = len(act.counts)
    c0 = act.c0
    ctype = plan.conv_type[c0:c0 + nc]
    group = ctype != TYPE_DM
    last_local = np.cumsum(act.counts) - 1  # messages are conversation-major in Activity
    has_msgs = act.counts > 0
    last_at = act.msg_time[np.maximum(last_local, 0)]
    last_global = act.msg_global[np.maximum(last_local, 0)]
    ids = IdSpace(plan.seed, "conversations")
    gidx = np.arange(c0, c0 + nc, dtype=np.int64)
    pool = Pool(r, 1 << 15)
    name_start, name_len = pool.starts(r, nc), r.integers(4, 28, nc)
    desc_start, desc_len = pool.starts(r, nc), r.integers(20, 200, nc)
    has_desc = group & (r.random(nc) < 0.4)
    has_avatar = group & (r.random(nc) < 0.5)
    large = act.sizes > 20

    f = Frame("conversations", nc)
    f.set_ids("id", ids.matrix, gidx)

    def names(i0: int, i1: int) -> pa.Array:
        words = gather_text(pool, name_start[i0:i1], name_len[i0:i1], group[i0:i1])
        return pc.utf8_capitalize(pc.utf8_rtrim(words, " "))

    f.lazy["name"] = names
    f.lazy["description"] = lambda i0, i1: gather_text(pool, desc_start[i0:i1], desc_len[i0:i1],
                                                        has_desc[i0:i1])

    def avatars(i0: int, i1: int) -> pa.Array:
        url = pc.binary_join_element_wise(pa.scalar("https://cdn.example.com/c/"),
                                          fixed_width_array(ids.matrix(gidx[i0:i1])),
                                          pa.scalar(".png"), "")
        return pc.if_else(pa.array(has_avatar[i0:i1]), url, pa.scalar(None, pa.string()))

    f.lazy["avatarUrl"] = avatars
    f.enums["type"] = ctype.astype(np.int8)
    created = act.conv_created
    f.numeric.update({
        "isActive": r.random(nc) >= plan.spec.conversations.inactive_share,
        "allowMemberAdd": group & (r.random(nc) < 0.9),
        "allowFileSharing": r.random(nc) < 0.95,
        "maxMembers": np.where(large, 1000, 100),
        "lastMessageAt": last_at,
        "createdAt": created,
        "updatedAt": np.where(has_msgs, last_at, created),
    })
    f.valid.update({"maxMembers": group, "lastMessageAt": has_msgs})
    f.set_ids("lastMessageId", IdSpace(plan.seed, "messages").matrix, last_global, has_msgs)
    creator = act.member_user[act.member_start]
    f.set_ids("creatorId", IdSpace(plan.seed, "users").matrix, creator)
    return f


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


def build_memberships(plan: Plan, part: int, act: Activity) -> Frame:
    """conversation_users rows: roles, mutes, leaving, last read consistent with the reads."""
    r = rng(plan.seed, "conversations", 1_000_000 + part)
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
    left_at = activity + r.exponential(2 * 86_400_000, n).astype(np.int64) + 1
    leaves = group & (act.member_pos > 0) & (r.random(n) < 0.03) & (left_at < end_ms)
    muted = r.random(n) < 0.10
    muted_until = end_ms + r.exponential(7 * 86_400_000, n).astype(np.int64)
    role = np.where(group & (act.member_pos == 0), _ROLE["OWNER"],
                    np.where(group & (r.random(n) < 0.05), _ROLE["ADMIN"], _ROLE["MEMBER"]))
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
    f.valid.update({"mutedUntil": muted & (r.random(n) < 0.5), "leftAt": leaves,
                    "lastReadAt": has_read})
    f.set_ids("lastReadMessageId", IdSpace(plan.seed, "messages").matrix, last_read_msg,
              has_read_msg)
    f.set_ids("userId", IdSpace(plan.seed, "users").matrix, act.member_user)
    f.set_ids("conversationId", IdSpace(plan.seed, "conversations").matrix,
              act.c0 + act.member_conv)
    return f


def build_reads(plan: Plan, act: Activity) -> Frame:
    """message_reads: one row per (message, recipient) pair that was read, in readAt order."""
    reads = np.flatnonzero(act.read)
    reads = reads[np.argsort(act.read_at[reads], kind="stable")]
    per = plan.spec.reads.max_recipients
    pair_global = act.msg_global[act.pair_msg[reads]] * per + act.pair_j[reads]
    at = act.read_at[reads]
    f = Frame("message_reads", len(reads))
    f.set_ids("id", IdSpace(plan.seed, "message_reads").matrix, pair_global)
    f.numeric.update({"readAt": at, "createdAt": at, "updatedAt": at})
    f.set_ids("userId", IdSpace(plan.seed, "users").matrix, act.member_user[act.pair_slot[reads]])
    f.set_ids("messageId", IdSpace(plan.seed, "messages").matrix,
              act.msg_global[act.pair_msg[reads]])
    return f


def build_receipts(plan: Plan, act: Activity) -> Frame:
    """message_receipts: SENT for every pair, DELIVERED and READ when they happened."""
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
    per = plan.spec.reads.max_recipients
    pair_global = act.msg_global[act.pair_msg[pairs]] * per + act.pair_j[pairs]
    f = Frame("message_receipts", len(pairs))
    f.set_ids("id", IdSpace(plan.seed, "message_receipts").matrix,
              pair_global * 3 + state.astype(np.int64))
    f.enums["state"] = state
    f.numeric.update({"timestamp": at, "createdAt": at, "updatedAt": at})
    f.set_ids("messageId", IdSpace(plan.seed, "messages").matrix,
              act.msg_global[act.pair_msg[pairs]])
    f.set_ids("userId", IdSpace(plan.seed, "users").matrix, act.member_user[act.pair_slot[pairs]])
    return f
