"""messages of one partition: type, status, edits, deletions, replies and threads, content.

Rows are written in ``createdAt`` order (production inserts in time order), so a loader
can reproduce realistic heap scattering and readers can prune row groups by time. The
attachment count and types of each message are drawn here (they decide the message type);
``attachments`` builds their rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from synthgen.generate.distributions import segment_ids, segment_positions
from synthgen.generate.ids import IdSpace, fixed_width_array, uuid_matrix
from synthgen.generate.plan import Plan
from synthgen.generate.seeding import SECOND_STREAM, rng
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame
from synthgen.generate.text import Pool, gather_text
from synthgen.generate.timeline import epoch_ms
from synthgen.predict import ATTACHMENT_KINDS, attachment_type
from synthgen.schema import ENUMS

ATTACHMENT_TYPES = tuple(attachment_type(k) for k in ATTACHMENT_KINDS)
"""Attachment types in the order of spec.media.type_mix (codes 0-3 of ``att_type``)."""
MESSAGE_TYPE_OF: dict[str, str] = {"IMAGE": "IMAGE", "VIDEO": "VIDEO", "DOCUMENT": "FILE",
                                   "AUDIO": "AUDIO"}
"""A media message's type: that of its first attachment, as a MessageType (gate 1 checks it,
``synthgen.fidelity.integrity.BACKED``)."""
_MESSAGE_TYPE_OF = np.array([ENUMS["MessageType"].index(MESSAGE_TYPE_OF[t])
                             for t in ATTACHMENT_TYPES], dtype=np.int8)
_METADATA = ['{"client":"ios"}', '{"client":"android"}', '{"client":"web"}',
             '{"client":"ios","media":true}', '{"client":"android","media":true}',
             '{"client":"web","media":true}']
_CLIENTS = 3
"""Client kinds in _METADATA (the media variants follow the plain ones)."""
REPLY_BACK_P = 0.35
"""Success probability of the geometric distance (in messages) from a reply to its target."""
EDIT_DELAY_MEAN_MS = 600_000
"""Mean time (ms, exponential) from sending to the edit."""
DELETE_DELAY_MEAN_MS = 7_200_000
"""Mean time (ms, exponential) from sending to the deletion."""


@dataclass
class MessageRows:
    """The messages frame plus the attachment draws the attachments table is built from."""

    frame: Frame
    att_msg: np.ndarray
    """Local message index of each attachment."""
    att_k: np.ndarray
    """Position of each attachment within its message."""
    att_type: np.ndarray
    """Type code of each attachment (index into ATTACHMENT_TYPES)."""
    sender_user: np.ndarray
    """User index of each message's sender (local message order)."""


def _reply_targets(act: Activity, share: float, r: np.random.Generator) -> np.ndarray:
    """Local index of the replied-to message (an earlier one, same conversation) or -1."""
    n = len(act.msg_pos)
    is_reply = (act.msg_pos > 0) & (r.random(n) < share)
    back = np.minimum(r.geometric(REPLY_BACK_P, n), np.maximum(act.msg_pos, 1))
    return np.where(is_reply, np.arange(n) - back, -1)


def _thread_roots(parent: np.ndarray) -> np.ndarray:
    """Root of each reply chain by pointer jumping (log depth rounds, all vectorised)."""
    root = parent.copy()
    while True:
        has = root >= 0
        nxt = np.where(has, parent[np.maximum(root, 0)], -1)
        step = has & (nxt >= 0)
        if not step.any():
            return root
        root[step] = nxt[step]


def build_messages(plan: Plan, part: int, act: Activity) -> MessageRows:
    """The messages frame of partition `part`, with its attachment draws."""
    spec = plan.spec
    ms, media = spec.messages, spec.media
    r = rng(plan.seed, "messages", SECOND_STREAM + part)
    n = len(act.msg_time)
    end_ms = epoch_ms(plan.band.window_end)
    order = np.argsort(act.msg_time, kind="stable")

    apm = media.attachments_per_message
    kind = r.choice(3, n, p=[apm.none, apm.one, apm.several])
    n_att = np.where(kind == 0, 0, np.where(kind == 1, 1,
                                            r.integers(2, apm.several_max + 1, n)))
    is_media = n_att > 0
    att_msg = segment_ids(n_att)
    att_k = segment_positions(n_att)
    mix = media.type_mix
    att_type = r.choice(4, len(att_msg), p=[mix.image, mix.video, mix.document, mix.audio])
    first_type = np.zeros(n, dtype=np.int64)
    first_type[att_msg[att_k == 0]] = att_type[att_k == 0]
    mtype = np.where(is_media, _MESSAGE_TYPE_OF[first_type], ENUMS["MessageType"].index("TEXT"))

    deleted = r.random(n) < ms.deleted_share
    edited = ~deleted & ~is_media & (r.random(n) < ms.edited_share)
    t = act.msg_time
    edited_at = np.minimum(t + r.exponential(EDIT_DELAY_MEAN_MS, n).astype(np.int64) + 1,
                           end_ms - 1)
    edited_at = np.maximum(edited_at, t)
    deleted_at = np.maximum(np.minimum(t + r.exponential(DELETE_DELAY_MEAN_MS, n).astype(np.int64)
                                       + 1, end_ms - 1), t)
    updated = np.maximum.reduce([t, np.where(edited, edited_at, t),
                                 np.where(deleted, deleted_at, t)])

    cl = spec.content.length
    has_content = ~deleted & (~is_media | (r.random(n) < spec.content.caption_share))
    length = np.clip(np.rint(r.lognormal(cl.mu, cl.sigma, n)), cl.min, cl.max).astype(np.int64)
    pool = Pool(rng(plan.seed, "text", part))
    text_start = pool.starts(r, n)

    parent = _reply_targets(act, ms.reply_share, r)
    root = _thread_roots(parent)
    meta_valid = is_media | (r.random(n) < ms.metadata_share)
    meta_code = r.integers(0, _CLIENTS, n) + np.where(is_media, _CLIENTS, 0)
    corr_valid = r.random(n) < ms.correlation_share

    any_read = np.zeros(n, dtype=bool)
    any_read[act.pair_msg[act.read]] = True
    any_delivered = np.zeros(n, dtype=bool)
    any_delivered[act.pair_msg[act.delivered]] = True
    status_names = ENUMS["MessageStatus"]
    status = np.where(deleted, status_names.index("DELETED"),
                      np.where(any_read, status_names.index("READ"),
                               np.where(any_delivered, status_names.index("DELIVERED"),
                                        status_names.index("SENT")))).astype(np.int8)

    ids = IdSpace(plan.seed, "messages")
    users = IdSpace(plan.seed, "users")
    convs = IdSpace(plan.seed, "conversations")
    o = order
    gidx = act.msg_global
    f = Frame("messages", n)
    f.set_ids("id", ids.matrix, gidx[o])
    f.lazy["content"] = lambda i0, i1: gather_text(pool, text_start[o[i0:i1]], length[o[i0:i1]],
                                                    has_content[o[i0:i1]])
    f.enums["type"] = mtype[o].astype(np.int8)
    f.enums["status"] = status[o]
    f.numeric.update({"isEdited": edited[o], "editedAt": edited_at[o], "isDeleted": deleted[o],
                      "deletedAt": deleted_at[o], "createdAt": t[o], "updatedAt": updated[o]})
    f.valid.update({"editedAt": edited[o], "deletedAt": deleted[o]})
    f.set_ids("replyToId", ids.matrix, gidx[np.maximum(parent, 0)][o], (parent >= 0)[o])
    f.set_ids("threadId", ids.matrix, gidx[np.maximum(root, 0)][o], (root >= 0)[o])
    meta = pa.array(_METADATA)
    meta_null = pa.nulls(1, pa.string())
    meta_all = pa.concat_arrays([meta, meta_null])
    meta_idx = np.where(meta_valid, meta_code, len(_METADATA))[o]
    f.lazy["metadata"] = lambda i0, i1: meta_all.take(pa.array(meta_idx[i0:i1]))
    f.lazy["idempotencyKey"] = lambda i0, i1: _uuid(plan.seed, "idempotency", gidx[o[i0:i1]])
    f.lazy["correlationId"] = lambda i0, i1: _uuid(plan.seed, "correlation", gidx[o[i0:i1]],
                                                   corr_valid[o[i0:i1]])
    sender_user = act.member_user[act.msg_sender_slot]
    f.set_ids("senderId", users.matrix, sender_user[o])
    f.set_ids("conversationId", convs.matrix, (act.c0 + act.msg_conv)[o])
    return MessageRows(frame=f, att_msg=att_msg, att_k=att_k, att_type=att_type,
                       sender_user=sender_user)


def _uuid(seed: str, name: str, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return fixed_width_array(uuid_matrix(seed, name, index), valid)
